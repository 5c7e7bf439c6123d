"""Summaries of a :class:`BenchResult`: incumbent curves, a summary dict, raw CSV, the console table.

All functions are pure functions of the result (no wall-clock reads), so a summary is reproducible.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .runner import BenchResult
from .simulator import Trace

__all__ = ["budget_points", "incumbent_at_evals", "incumbent_at_times", "summarize", "write_csv",
           "write_outputs", "write_summary"]

_STANDARD_BUDGETS = (10, 25, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000)
CSV_COLUMNS = ("tuner", "repeat", "seed", "eval", "parameter_id", "worker", "arch", "ok", "start", "finish",
               "objective", "report", "inc_objective", "inc_report", "suggest_s", "tell_s")


def budget_points(budget: int) -> list[int]:
    """The evaluation counts a report shows: 25, 50, 100, 200, 300, 500, 1000, ... up to ``budget`` and it."""
    points = [b for b in _STANDARD_BUDGETS if b < budget and (b != 10 or budget <= 50)]
    return [*points, budget]


def time_points(limit: float, n: int = 4) -> list[float]:
    """``limit/2**(n-1), ..., limit/2, limit``: simulated-time columns for a time-budgeted report."""
    return [limit / 2 ** (n - 1 - i) for i in range(n)]


def incumbent_at_evals(traces: Sequence[Trace], evals: Sequence[int] | np.ndarray) -> np.ndarray:
    """``(repeats, len(evals))``: the incumbent's report after ``n`` evaluations (the last if fewer ran)."""
    out = np.full((len(traces), len(evals)), np.nan)
    for i, tr in enumerate(traces):
        if len(tr):
            idx = np.minimum(np.asarray(evals) - 1, len(tr) - 1)
            out[i] = tr.columns["inc_report"][idx]
    return out


def incumbent_at_times(traces: Sequence[Trace], times: Sequence[float] | np.ndarray) -> np.ndarray:
    """``(repeats, len(times))``: the incumbent's report at simulated time ``t`` (NaN before any result)."""
    out = np.full((len(traces), len(times)), np.nan)
    for i, tr in enumerate(traces):
        idx = np.searchsorted(tr.columns["finish"], np.asarray(times, dtype=float), side="right") - 1
        ok = idx >= 0
        out[i, ok] = tr.columns["inc_report"][idx[ok]]
    return out


def _stats(values: np.ndarray) -> dict[str, float | int]:
    finite = values[np.isfinite(values)]
    n = len(finite)
    mean = float(finite.mean()) if n else math.nan
    std = float(finite.std(ddof=1)) if n > 1 else (0.0 if n else math.nan)
    return {"mean": mean, "std": std, "sem": std / math.sqrt(n) if n else math.nan, "n": n}


def _max_time(result: BenchResult) -> float:
    limit = result.settings.get("time")
    if limit:
        return float(limit)
    ends = [tr.columns["finish"][-1] for trs in result.traces.values() for tr in trs if len(tr)]
    return float(max(ends)) if ends else 1.0


def summarize(result: BenchResult) -> dict[str, Any]:
    """A JSON-serialisable summary: per tuner, mean/std/sem of the incumbent report at each budget point."""
    evals = budget_points(result.settings["budget"]) if result.settings.get("budget") else []
    times = time_points(_max_time(result))
    tuners: dict[str, Any] = {}
    for label, traces in result.traces.items():
        n_evals = np.array([len(t) for t in traces])
        suggestions = sum(t.suggest_calls for t in traces)
        at_evals = incumbent_at_evals(traces, evals) if evals else np.zeros((len(traces), 0))
        at_times = incumbent_at_times(traces, times)
        finals = np.array([t.columns["inc_report"][-1] if len(t) else np.nan for t in traces])
        tuners[label] = {
            "at_evals": {str(n): _stats(at_evals[:, j]) for j, n in enumerate(evals)},
            "at_time": {repr(t): _stats(at_times[:, j]) for j, t in enumerate(times)},
            "final": _stats(finals),
            "evaluations": _stats(n_evals.astype(float)),
            "failed_trials": int(sum(int((~t.columns["ok"]).sum()) for t in traces)),
            "exhausted_repeats": int(sum(t.exhausted for t in traces)),
            "suggest_mean_s": (sum(t.suggest_total_s for t in traces) / suggestions
                               if suggestions else math.nan),
            "tell_mean_s": (float(np.mean(np.concatenate([t.columns["tell_s"] for t in traces])))
                            if n_evals.sum() else math.nan),
            "wall_s": sum(t.wall_s for t in traces),
        }
    return {"benchmark": result.benchmark, "settings": result.settings, "tuners": tuners}


def write_csv(result: BenchResult, path: str | Path) -> int:
    """Write one row per evaluation (columns :data:`CSV_COLUMNS`); returns the number of rows."""
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for label, traces in result.traces.items():
            for tr in traces:
                c = {k: v.tolist() for k, v in tr.columns.items()}
                for i in range(len(tr)):
                    writer.writerow((label, tr.repeat, tr.seed, i + 1, c["parameter_id"][i], c["worker"][i],
                                     c["rank"][i], int(c["ok"][i]), c["start"][i], c["finish"][i],
                                     c["objective"][i], c["report"][i], c["inc_objective"][i],
                                     c["inc_report"][i], c["suggest_s"][i], c["tell_s"][i]))
                rows += len(tr)
    return rows


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj


def write_summary(summary: dict[str, Any], path: str | Path) -> None:
    """Write the summary as strict JSON (NaN becomes null)."""
    Path(path).write_text(json.dumps(_json_safe(summary), indent=1) + "\n", encoding="utf-8")


def write_outputs(result: BenchResult, out_dir: str | Path, *, plots: bool = True) -> dict[str, Path]:
    """Write ``evaluations.csv``, ``summary.json`` and (with matplotlib) two PNG plots into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"evaluations": out / "evaluations.csv", "summary": out / "summary.json"}
    write_csv(result, files["evaluations"])
    write_summary(summarize(result), files["summary"])
    if plots:
        from .plots import plot_incumbents

        files.update(plot_incumbents(result, out))
    return files
