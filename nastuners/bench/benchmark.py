"""``Benchmark``: a search space, a table of results per architecture, and how its metrics are used."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..space import SearchSpace, load_space
from ._errors import BenchmarkError
from ._format import CompactTable, read_compact
from .catalog import resolve_benchmark_id
from .tables import load_jsonl_table

__all__ = ["Benchmark", "load_benchmark"]

_MODES = {"max": "max", "maximize": "max", "min": "min", "minimize": "min"}


class _OpIndexer:
    """Fast rank of a choice document in a space whose decisions are all layer ops (no inputs, no params)."""

    def __init__(self, space: SearchSpace) -> None:
        sizes = [d.n for d in space.decisions]
        mults = [math.prod(sizes[i + 1:]) for i in range(len(sizes))]
        self.blocks = [(b.key, len(b.layers)) for b in space.blocks]
        self.layers = [(layer.block, layer.name, {op: i for i, op in enumerate(layer.layer_choice)}, mult)
                       for layer, mult in zip(space.layers, mults, strict=True)]

    def __call__(self, doc: Any) -> int:
        """The rank, or -1 when the document is not in plain native form (the caller then validates it)."""
        try:
            if len(doc) != len(self.blocks):
                return -1
            for key, count in self.blocks:
                if len(doc[key]) != count:
                    return -1
            rank = 0
            for block, name, ops, mult in self.layers:
                entry = doc[block][name]
                if entry.get("chosen_inputs"):
                    return -1
                rank += ops[entry["chosen_layer"]] * mult
            return rank
        except (KeyError, TypeError, AttributeError):
            return -1


def _mean_or_nan(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if len(finite) else math.nan


class Benchmark:
    """A tabular benchmark: ``space`` plus per-architecture metrics.

    ``objective`` is the metric the tuner sees (a per-seed metric returns one seed drawn per query),
    ``report`` is the metric the incumbent is judged by (per-seed values averaged), ``cost`` the simulated
    time of one evaluation (per-seed values averaged; ``None`` means 1 per evaluation). ``mode`` is ``"max"``
    or ``"min"`` and applies to the objective and the report. An architecture without a row (or without an
    objective value) is invalid: its trial fails.
    """

    def __init__(self, space: SearchSpace, table: CompactTable, *, objective: str, report: str | None = None,
                 cost: str | None = None, mode: str = "max", id: str = "custom", title: str = "") -> None:
        if mode not in _MODES:
            msg = f"mode must be 'max' or 'min' (or 'maximize'/'minimize'), got {mode!r}"
            raise BenchmarkError(msg)
        report = report or objective
        available = ", ".join(sorted(table.metrics)) or "(none)"
        for role, name in (("objective", objective), ("report", report), ("cost", cost)):
            if name is not None and name not in table.metrics:
                msg = f"{role} metric {name!r} is not in the table of {id}; available metrics: {available}"
                raise BenchmarkError(msg)
        self.id, self.title, self.space, self.table = id, title, space, table
        self.objective, self.report, self.cost, self.mode = objective, report, cost, _MODES[mode]
        obj = table.metrics[objective]
        obj2 = obj if obj.ndim == 2 else obj[:, None]
        self.objective_seeds: list[tuple[float, ...]] = [
            tuple(float(v) for v in r if np.isfinite(v)) for r in obj2]
        rep = table.metrics[report]
        self.report_values: list[float] = ([_mean_or_nan(r) for r in rep] if rep.ndim == 2
                                           else [float(v) for v in rep])
        self.cost_values: list[float] = [1.0] * table.rows
        if cost is not None:
            c = table.metrics[cost]
            self.cost_values = [_mean_or_nan(r) for r in c] if c.ndim == 2 else [float(v) for v in c]
            bad = [i for i, (s, t) in enumerate(zip(self.objective_seeds, self.cost_values, strict=True))
                   if s and not (t >= 0)]
            if bad:
                msg = (f"cost metric {cost!r} of {id} is missing or negative in {len(bad)} row(s) that have "
                       f"an objective (first: row {bad[0]}); every evaluable architecture needs a cost >= 0")
                raise BenchmarkError(msg)
        self._row_of_rank: dict[int, int] | None = None
        index = table.index
        complete = table.rows == space.cardinality and (
            index is None or np.array_equal(index, np.arange(table.rows)))
        if not complete:
            if index is None:
                msg = (f"table of {id} has {table.rows} rows but no index, and the space has "
                       f"{space.cardinality} architectures")
                raise BenchmarkError(msg)
            self._row_of_rank = {int(r): i for i, r in enumerate(index)}
        ops_only = all(d.kind == "op" for d in space.decisions)
        self._fast = _OpIndexer(space) if ops_only else None

    # -- construction --------------------------------------------------------------------------------------
    @classmethod
    def from_files(cls, space: str | Path | SearchSpace, table: str | Path, *, objective: str,
                   report: str | None = None, cost: str | None = None, mode: str = "max",
                   id: str | None = None) -> Benchmark:
        """A benchmark from a search-space JSON file and a JSON Lines (or compact ``.table.zip``) table."""
        sp = space if isinstance(space, SearchSpace) else load_space(space)
        path = Path(table)
        data = read_compact(path) if path.name.endswith(".table.zip") else load_jsonl_table(path, sp)
        return cls(sp, data, objective=objective, report=report, cost=cost, mode=mode, id=id or path.name)

    # -- lookups -------------------------------------------------------------------------------------------
    def rank(self, choice: Mapping[str, Any]) -> int:
        """Rank of a choice document in the space; raises ``ChoiceError`` when it does not fit."""
        if self._fast is not None:
            r = self._fast(choice)
            if r >= 0:
                return r
        return self.space.index(self.space.encode(choice))

    def row(self, choice: Mapping[str, Any]) -> int:
        """Table row of a choice document, -1 when the architecture is not in the table."""
        r = self.rank(choice)
        if self._row_of_rank is None:
            return r
        return self._row_of_rank.get(r, -1)

    def row_of_rank(self, rank: int) -> int:
        """Table row of the architecture of rank ``rank``, -1 when it is not in the table."""
        if self._row_of_rank is None:
            return rank if 0 <= rank < self.table.rows else -1
        return self._row_of_rank.get(rank, -1)

    def rank_of_row(self, row: int) -> int:
        """Rank (``SearchSpace.index``) of the architecture in table row ``row``."""
        return row if self.table.index is None else int(self.table.index[row])

    # -- summary -------------------------------------------------------------------------------------------
    @property
    def rows(self) -> int:
        """Number of architectures with a row in the table."""
        return self.table.rows

    def best_report(self) -> float:
        """The best reported metric of any evaluable architecture (the optimum a tuner can reach)."""
        values = [r for r, s in zip(self.report_values, self.objective_seeds, strict=True) if s and r == r]
        if not values:
            return math.nan
        return max(values) if self.mode == "max" else min(values)

    def info(self) -> dict[str, Any]:
        """A JSON-serialisable description (id, size, metrics, optimum) for listings and summaries."""
        return {"id": self.id, "title": self.title, "architectures": self.space.cardinality,
                "rows": self.rows, "objective": self.objective, "report": self.report, "cost": self.cost,
                "mode": self.mode,
                "optimum": self.best_report(), "metrics": sorted(self.table.metrics)}


def load_benchmark(benchmark: str | Benchmark) -> Benchmark:
    """A shipped benchmark by id (``nb201-cifar10-v1``, or ``nb201-cifar10`` for the newest version)."""
    if isinstance(benchmark, Benchmark):
        return benchmark
    spec = resolve_benchmark_id(benchmark)
    cached = _CACHE.get(spec.id)
    if cached is not None:
        return cached
    data = read_compact(spec.path)
    space = SearchSpace.from_json(data.space, source=spec.id)
    bench = Benchmark(space, data, objective=spec.objective, report=spec.report, cost=spec.cost,
                      mode=spec.mode, id=spec.id, title=spec.title)
    _CACHE[spec.id] = bench
    return bench


_CACHE: dict[str, Benchmark] = {}
