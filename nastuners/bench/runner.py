"""``run_benchmark``: several tuners × independent seeded repeats, spread over processes."""

from __future__ import annotations

import json
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._errors import BenchmarkError
from .benchmark import Benchmark, load_benchmark
from .simulator import Trace, simulate

__all__ = ["BenchResult", "TunerSpec", "run_benchmark"]


_RESOLVED: dict[tuple[str, str], Any] = {}  # (registered name, args JSON) -> tuner class, per process


@dataclass(frozen=True)
class TunerSpec:
    """A tuner to benchmark: a registered name with class arguments, or a factory.

    ``factory`` (a ``Tuner`` subclass or any callable) is called as ``factory(optimize_mode=..., seed=...,
    **args)``; it must be picklable (a module-level name) when more than one process is used. ``label`` names
    the tuner in results (default: the name, or the factory's ``__name__``).
    """

    name: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    factory: Callable[..., Any] | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if (self.name is None) == (self.factory is None):
            msg = "TunerSpec needs exactly one of name (a registered tuner) or factory (a callable)"
            raise BenchmarkError(msg)

    @property
    def title(self) -> str:
        """The label used in results and reports."""
        if self.label:
            return self.label
        if self.name is not None:
            return self.name
        return getattr(self.factory, "__name__", repr(self.factory))

    def build(self, *, optimize_mode: str, seed: int) -> Any:
        """A fresh tuner instance for one repeat."""
        if self.factory is not None:
            return self.factory(optimize_mode=optimize_mode, seed=seed, **self.args)
        assert self.name is not None  # guaranteed by __post_init__
        key = (self.name, json.dumps(self.args, sort_keys=True, default=repr))
        cls = _RESOLVED.get(key)
        if cls is not None:
            return cls(optimize_mode=optimize_mode, seed=seed, **self.args)
        from ..registry import get_tuner

        # The first build goes through the registry (lookup, plugin and argument checks); an entry-point scan
        # costs ~10 ms, so later repeats with the same arguments reuse the class it resolved.
        tuner = get_tuner(self.name, optimize_mode=optimize_mode, seed=seed, **self.args)
        _RESOLVED[key] = type(tuner)
        return tuner

    @classmethod
    def coerce(cls, tuner: str | TunerSpec | Callable[..., Any] | tuple[str, dict[str, Any]]) -> TunerSpec:
        """Accept ``"random"``, ``("evolution", {"population_size": 10})``, a ``TunerSpec`` or a factory."""
        if isinstance(tuner, TunerSpec):
            return tuner
        if isinstance(tuner, str):
            return cls(name=tuner)
        if isinstance(tuner, tuple) and len(tuner) == 2 and isinstance(tuner[0], str):
            return cls(name=tuner[0], args=dict(tuner[1]))
        if callable(tuner):
            return cls(factory=tuner)
        msg = (f"cannot use {tuner!r} as a tuner: give a registered name, (name, args), a TunerSpec "
               "or a factory")
        raise BenchmarkError(msg)


@dataclass
class BenchResult:
    """Everything a benchmark run produced: its settings and one :class:`Trace` per tuner and repeat."""

    benchmark: dict[str, Any]
    settings: dict[str, Any]
    traces: dict[str, list[Trace]]

    @property
    def tuners(self) -> list[str]:
        """Tuner labels in the order they were given."""
        return list(self.traces)


# -- worker side ---------------------------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _init_worker(bench: Benchmark | str, specs: list[TunerSpec], settings: dict[str, Any]) -> None:
    _WORKER.update(bench=load_benchmark(bench), specs=specs, settings=settings)


def _run_one(task: tuple[int, int]) -> Trace:
    index, repeat = task
    bench: Benchmark = _WORKER["bench"]
    spec: TunerSpec = _WORKER["specs"][index]
    s = _WORKER["settings"]
    seed = s["seed"] + repeat
    mode = "maximize" if bench.mode == "max" else "minimize"
    try:
        tuner = spec.build(optimize_mode=mode, seed=seed)
        tuner.update_search_space(bench.space.to_json())
    except BenchmarkError:
        raise
    except Exception as exc:
        msg = f"cannot create tuner {spec.title!r} with args {json.dumps(spec.args)} for {bench.id}: {exc}"
        raise BenchmarkError(msg) from exc
    try:
        return simulate(bench, tuner, max_evals=s["budget"], max_time=s["time"], workers=s["workers"],
                        seed=seed, label=spec.title, repeat=repeat)
    except BenchmarkError:
        raise
    except Exception as exc:
        where = "".join(traceback.format_exception(exc, limit=-4))
        msg = f"tuner {spec.title!r} failed in repeat {repeat} (seed {seed}) on {bench.id}:\n{where}"
        raise BenchmarkError(msg) from exc


def _run_chunk(tasks: list[tuple[int, int]]) -> list[Trace]:
    return [_run_one(t) for t in tasks]


def _default_processes() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _chunks(tasks: list[tuple[int, int]], size: int) -> Iterator[list[tuple[int, int]]]:
    for i in range(0, len(tasks), size):
        yield tasks[i:i + size]


def run_benchmark(benchmark: str | Benchmark,
                  tuners: Sequence[str | TunerSpec | Callable[..., Any] | tuple[str, dict[str, Any]]], *,
                  budget: int | None = None, time: float | None = None, repeats: int = 10, seed: int = 0,
                  workers: int = 1, processes: int | None = None,
                  on_progress: Callable[[int, int], None] | None = None) -> BenchResult:
    """Benchmark ``tuners`` on ``benchmark``: ``repeats`` independent runs each, repeat ``r`` with seed+r.

    ``budget`` counts evaluations, ``time`` is simulated time (the benchmark's cost metric); give one or both.
    ``workers`` simulated workers run trials in parallel. ``processes`` (default: the usable CPU cores) spread
    repeats over OS processes; results do not depend on it. ``on_progress(done, total)`` is called as repeats
    finish. Returns a :class:`BenchResult`; see :mod:`nastuners.bench.reports` for summaries and files.
    """
    bench = load_benchmark(benchmark)
    specs = [TunerSpec.coerce(t) for t in tuners]
    if not specs:
        msg = "no tuner given; name at least one registered tuner (see `nastune tuners list`)"
        raise BenchmarkError(msg)
    labels = [s.title for s in specs]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        msg = f"tuner label(s) {dupes} given twice; set TunerSpec.label to tell them apart"
        raise BenchmarkError(msg)
    if budget is None and time is None:
        msg = "give a budget: budget=N evaluations and/or time=T simulated seconds"
        raise BenchmarkError(msg)
    for what, value in (("budget", budget), ("repeats", repeats), ("workers", workers)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            msg = f"{what} must be an integer >= 1, got {value!r}"
            raise BenchmarkError(msg)
    if time is not None and not time > 0:
        msg = f"time must be > 0 simulated seconds, got {time!r}"
        raise BenchmarkError(msg)
    mode = "maximize" if bench.mode == "max" else "minimize"
    for spec in specs:  # fail fast, in this process, on unknown names and bad class arguments
        spec.build(optimize_mode=mode, seed=seed)
    settings: dict[str, Any] = {"budget": budget, "time": time, "repeats": repeats, "seed": seed,
                                "workers": workers}
    tasks = [(i, r) for i in range(len(specs)) for r in range(repeats)]
    nproc = max(1, min(processes or _default_processes(), len(tasks)))
    results: list[Trace] = []
    done = 0
    # Processes get a shipped benchmark by id (loaded once per process, or inherited on fork).
    payload: Benchmark | str = bench.id if _is_shipped(bench) else bench
    if nproc == 1:
        _init_worker(bench, specs, settings)
        for task in tasks:
            results.append(_run_one(task))
            done += 1
            if on_progress:
                on_progress(done, len(tasks))
    else:
        size = max(1, min(25, len(tasks) // (nproc * 8)))
        with multiprocessing.get_context().Pool(nproc, _init_worker, (payload, specs, settings)) as pool:
            for chunk in pool.imap_unordered(_run_chunk, list(_chunks(tasks, size))):
                results.extend(chunk)
                done += len(chunk)
                if on_progress:
                    on_progress(done, len(tasks))
    traces: dict[str, list[Trace]] = {label: [] for label in labels}
    for trace in sorted(results, key=lambda t: (labels.index(t.tuner), t.repeat)):
        traces[trace.tuner].append(trace)
    settings["tuners"] = [{"label": s.title, "name": s.name, "args": s.args,
                           "factory": None if s.factory is None else _qualname(s.factory)} for s in specs]
    return BenchResult(benchmark=bench.info(), settings=settings, traces=traces)


def _is_shipped(bench: Benchmark) -> bool:
    from .benchmark import _CACHE

    return _CACHE.get(bench.id) is bench


def _qualname(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', repr(obj))}"
