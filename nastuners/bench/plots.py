"""PNG plots of incumbent curves (matplotlib with the Agg backend, imported only when plotting)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ._errors import BenchmarkError
from .reports import _max_time, incumbent_at_evals, incumbent_at_times
from .runner import BenchResult

__all__ = ["plot_incumbents"]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        msg = "plots need matplotlib: pip install 'nastune[bench]' (or pass --no-plots)"
        raise BenchmarkError(msg) from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _mean_sem(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = np.isfinite(values).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(np.where(n > 0, values, 0.0), axis=0)
        mean[n == 0] = np.nan
        std = np.sqrt(np.nansum((values - mean) ** 2, axis=0) / np.maximum(n - 1, 1))
        sem = std / np.sqrt(np.maximum(n, 1))
    return mean, sem


def plot_incumbents(result: BenchResult, out_dir: str | Path) -> dict[str, Path]:
    """Write ``incumbent_vs_evals.png`` and ``incumbent_vs_time.png`` (mean ± standard error over repeats)."""
    plt = _pyplot()
    out = Path(out_dir)
    bench = result.benchmark
    ylabel = f"incumbent {bench['report']} ({'higher' if bench['mode'] == 'max' else 'lower'} is better)"
    n_max = max((len(t) for trs in result.traces.values() for t in trs), default=0)
    t_max = _max_time(result)
    evals = np.arange(1, max(n_max, 1) + 1)
    times = np.linspace(0.0, t_max, 200)
    files = {}
    for name, xs, xlabel, curve in (
        ("incumbent_vs_evals", evals, "evaluations", incumbent_at_evals),
        ("incumbent_vs_time", times, "simulated time" + (f" ({bench['cost']})" if bench.get("cost") else ""),
         incumbent_at_times),
    ):
        fig, ax = plt.subplots(figsize=(7, 4.5), dpi=100)
        for label, traces in result.traces.items():
            mean, sem = _mean_sem(curve(traces, xs))
            ax.plot(xs, mean, label=f"{label} (n={len(traces)})", linewidth=1.5)
            ax.fill_between(xs, mean - sem, mean + sem, alpha=0.25)
        if np.isfinite(bench.get("optimum", np.nan)):
            ax.axhline(bench["optimum"], color="grey", linestyle=":", linewidth=1, label="optimum")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(f"{bench['id']}: mean ± standard error over repeats")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right" if bench["mode"] == "max" else "upper right")
        fig.tight_layout()
        path = out / f"{name}.png"
        fig.savefig(path)
        plt.close(fig)
        files[name] = path
    return files
