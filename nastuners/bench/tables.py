"""User tables in the documented JSON Lines format (optionally gzip-compressed).

One JSON object per line, one line per architecture::

    {"choice": {"<block>": {"<layer>": {"chosen_layer": "...", "chosen_inputs": [...]}}},
     "metrics": {"valid_acc": [91.2, 91.5], "test_acc": 93.1, "train_time": 1500.0}}

A metric is a number or a list of per-seed numbers. Rows are keyed by the architecture's rank in the search
space (``SearchSpace.index`` of the encoded choice), so the order of JSON keys and of ``chosen_inputs`` does
not matter. Empty lines are skipped. Every problem is reported with ``file:line``.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import ChoiceError
from ..space import SearchSpace
from ._errors import BenchmarkError
from ._format import CompactTable

__all__ = ["load_jsonl_table", "write_jsonl_table"]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _open_text(path: Path) -> Any:
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _parse_line(where: str, line: str) -> tuple[Any, dict[str, Any]]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        msg = f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); each line must be one JSON object"
        raise BenchmarkError(msg) from None
    if not isinstance(obj, dict) or not isinstance(obj.get("choice"), dict) \
            or not isinstance(obj.get("metrics"), dict):
        msg = (f"{where}: expected an object {{\"choice\": {{...}}, \"metrics\": {{...}}}}, "
               f"got {line.strip()[:80]}")
        raise BenchmarkError(msg)
    metrics = obj["metrics"]
    for name, value in metrics.items():
        ok = _is_number(value) or (isinstance(value, list) and value and all(_is_number(v) for v in value))
        if not ok:
            msg = (f"{where}: metric {name!r} is {json.dumps(value)[:60]}; expected a finite number or a "
                   "non-empty list of finite numbers (one per seed)")
            raise BenchmarkError(msg)
    return obj["choice"], metrics


def load_jsonl_table(path: str | Path, space: SearchSpace) -> CompactTable:
    """Read a JSON Lines table for ``space``; raise ``BenchmarkError`` naming the line of any problem."""
    path = Path(path)
    ranks: list[int] = []
    rows: list[dict[str, Any]] = []
    first_line: dict[int, int] = {}
    try:
        fh = _open_text(path)
    except OSError as exc:
        msg = f"cannot read table {path}: {exc.strerror}"
        raise BenchmarkError(msg) from None
    with fh:
        try:
            lines = list(fh)
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            msg = f"cannot read table {path}: {exc}"
            raise BenchmarkError(msg) from None
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        choice, metrics = _parse_line(where, line)
        try:
            rank = space.index(space.encode(choice))
        except ChoiceError as exc:
            msg = f"{where}: the choice does not fit the search space:\n{exc}"
            raise BenchmarkError(msg) from None
        if rank in first_line:
            msg = (f"{where}: duplicate architecture, already given on line {first_line[rank]} "
                   "(choices are compared canonically); keep one row per architecture")
            raise BenchmarkError(msg)
        first_line[rank] = lineno
        ranks.append(rank)
        rows.append(metrics)
    if not rows:
        msg = f"table {path} has no rows; expected one JSON object per line"
        raise BenchmarkError(msg)
    names = sorted({name for row in rows for name in row})
    arrays: dict[str, np.ndarray] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        width = max((len(v) for v in values if isinstance(v, list)), default=0)
        if width == 0:
            arrays[name] = np.array([np.nan if v is None else float(v) for v in values])
            continue
        out = np.full((len(values), width), np.nan)
        for i, v in enumerate(values):
            seeds = [] if v is None else v if isinstance(v, list) else [v]
            out[i, : len(seeds)] = seeds
        arrays[name] = out
    index = np.array(ranks, dtype=np.int64 if max(ranks) < 2**63 else object)
    return CompactTable(space=space.to_json(), metrics=arrays, index=index, meta={"source": str(path)})


def write_jsonl_table(path: str | Path, space: SearchSpace, table: CompactTable) -> int:
    """Write ``table`` in the JSON Lines format (gzip when the name ends in ``.gz``); return the row count."""
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    count = 0
    with opener(path, "wt", encoding="utf-8") as fh:  # type: ignore[operator]
        for i in range(table.rows):
            rank = int(table.index[i]) if table.index is not None else i
            metrics: dict[str, Any] = {}
            for name, values in table.metrics.items():
                v = values[i]
                if v.ndim == 0:
                    if np.isfinite(v):
                        metrics[name] = float(v)
                else:
                    seeds = [float(x) for x in v if np.isfinite(x)]
                    if seeds:
                        metrics[name] = seeds
            choice = space.decode(space.unindex(rank))
            fh.write(json.dumps({"choice": choice, "metrics": metrics}, separators=(",", ":")) + "\n")
            count += 1
    return count
