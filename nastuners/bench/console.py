"""Console output of ``nastune bench`` (rich tables and the progress bar)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

__all__ = ["benchmark_table", "progress", "results_table"]


def _console(file: IO[str] | None) -> Any:
    from rich.console import Console

    return Console(file=file, width=160 if file is not None else None)


def _fmt(stats: dict[str, Any], digits: int) -> str:
    mean, std = stats.get("mean"), stats.get("std")
    if mean is None or not math.isfinite(mean):
        return "-"
    if std is None or not math.isfinite(std):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _fmt_time(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def results_table(summary: dict[str, Any], file: IO[str] | None = None, digits: int = 2) -> None:
    """Print tuner × budgets (mean ± std of the incumbent's report) plus each tuner's mean suggestion cost."""
    from rich.table import Table

    bench, settings = summary["benchmark"], summary["settings"]
    by_evals = bool(settings.get("budget"))
    workers = settings["workers"]
    title = (f"{bench['id']}: incumbent {bench['report']} (mean ± std over {settings['repeats']} repeats, "
             f"{workers} worker{'s' if workers != 1 else ''}; optimum {bench['optimum']:.{digits}f})")
    table = Table(title=title)
    table.add_column("tuner", style="bold")
    first = next(iter(summary["tuners"].values()))
    keys = list(first["at_evals"]) if by_evals else list(first["at_time"])
    for key in keys:
        table.add_column(f"@{key}" if by_evals else f"t={float(key):.6g}", justify="right")
    table.add_column("evals", justify="right")
    table.add_column("failed", justify="right")
    table.add_column("suggest (mean)", justify="right")
    for label, t in summary["tuners"].items():
        cells = [_fmt(t["at_evals" if by_evals else "at_time"][k], digits) for k in keys]
        table.add_row(label, *cells, f"{t['evaluations']['mean']:.0f}", str(t["failed_trials"]),
                      _fmt_time(t["suggest_mean_s"]))
    _console(file).print(table)


def benchmark_table(rows: list[dict[str, Any]], file: IO[str] | None = None) -> None:
    """Print the shipped benchmarks: id, size, metrics and optimum."""
    from rich.table import Table

    table = Table(title="shipped benchmarks (nastune bench run --benchmark ID)")
    for col in ("id", "architectures", "objective (tuner sees)", "report", "cost", "mode", "optimum", "data"):
        table.add_column(col, justify="right" if col in ("architectures", "optimum", "data") else "left")
    for r in rows:
        table.add_row(r["id"], f"{r['architectures']:,}", r["objective"], r["report"],
                      r["cost"] or "1 / eval", r["mode"], f"{r['optimum']:.2f}", f"{r['bytes'] / 1e6:.2f} MB")
    _console(file).print(table)


@contextmanager
def progress(total: int, enabled: bool = True,
             file: IO[str] | None = None) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar over ``total`` repeats; yields an ``on_progress(done, total)`` callback."""
    if not enabled:
        yield lambda done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("repeats"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=_console(file), transient=False)
    task = bar.add_task("run", total=total)
    with bar:
        yield lambda done, total: bar.update(task, completed=done)
