"""``run_benchmark``: seeding per repeat, reproducibility across processes, argument errors, reports."""

from __future__ import annotations

import json
import math
import re

import pytest

from nastuners.bench import BenchmarkError, TunerSpec, incumbent_at_evals, run_benchmark, summarize
from nastuners.bench.reports import budget_points, write_outputs

from ._helpers import RandomVectorTuner, ScriptedTuner, tiny_benchmark


def test_repeat_r_uses_seed_s_plus_r_and_processes_do_not_change_results() -> None:
    """Repeat r runs with seed S+r; one process and two processes give bit-identical traces."""
    bench = tiny_benchmark(seeds=[[0.1, 0.2], [0.3, 0.4], [0.5], [0.6, 0.7]])
    spec = TunerSpec(factory=RandomVectorTuner, label="rv")
    one = run_benchmark(bench, [spec], budget=30, repeats=6, seed=100, workers=2, processes=1)
    two = run_benchmark(bench, [spec], budget=30, repeats=6, seed=100, workers=2, processes=2)
    assert [t.seed for t in one.traces["rv"]] == [100, 101, 102, 103, 104, 105]
    assert [t.repeat for t in two.traces["rv"]] == [0, 1, 2, 3, 4, 5]
    assert all(a.same_result(b) for a, b in zip(one.traces["rv"], two.traces["rv"], strict=True))
    assert not one.traces["rv"][0].same_result(one.traces["rv"][1])


def test_several_tuners_keep_their_order_and_args() -> None:
    """Tuners are reported in the order given; class arguments reach the constructor."""
    bench = tiny_benchmark()
    specs = [TunerSpec(factory=ScriptedTuner, args={"sequence": [(1, 1)]}, label="best-first"),
             TunerSpec(factory=ScriptedTuner, args={"sequence": [(0, 0), (1, 1)]}, label="worst-first")]
    result = run_benchmark(bench, specs, budget=2, repeats=2, processes=1)
    assert result.tuners == ["best-first", "worst-first"]
    summary = summarize(result)
    assert summary["tuners"]["best-first"]["at_evals"]["2"] == {"mean": 95.0, "std": 0.0, "sem": 0.0, "n": 2}
    assert summary["tuners"]["best-first"]["exhausted_repeats"] == 2
    assert incumbent_at_evals(result.traces["worst-first"], [1, 2, 5]).tolist() == [[50.0, 95.0, 95.0]] * 2
    assert summary["settings"]["tuners"][0]["args"] == {"sequence": [(1, 1)]}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"budget": None}, "give a budget"),
    ({"budget": 0}, "budget must be an integer >= 1, got 0"),
    ({"repeats": -1}, "repeats must be an integer >= 1, got -1"),
    ({"time": -5.0}, "time must be > 0 simulated seconds, got -5.0"),
])
def test_bad_arguments_are_clear_errors(kwargs: dict, message: str) -> None:
    """Budgets, repeats and times are checked before anything runs."""
    args = {"budget": 5, "repeats": 1, **kwargs}
    with pytest.raises(BenchmarkError, match=re.escape(message)):
        run_benchmark(tiny_benchmark(), [RandomVectorTuner], processes=1, **args)


def test_duplicate_labels_are_rejected() -> None:
    """Two tuners with the same label could not be told apart in reports."""
    with pytest.raises(BenchmarkError, match=re.escape("tuner label(s) ['RandomVectorTuner'] given twice")):
        run_benchmark(tiny_benchmark(), [RandomVectorTuner, RandomVectorTuner], budget=1, processes=1)


def test_tuner_crash_names_tuner_repeat_and_seed() -> None:
    """An exception inside a tuner surfaces as a BenchmarkError with where it happened and the traceback."""
    spec = TunerSpec(factory=ScriptedTuner, args={"sequence": [(0, 0)] * 5, "fail_at": 3}, label="crashy")
    pattern = r"tuner 'crashy' failed in repeat 0 \(seed 9\)[\s\S]*scripted crash"
    with pytest.raises(BenchmarkError, match=pattern):
        run_benchmark(tiny_benchmark(), [spec], budget=5, repeats=1, seed=9, processes=2)


@pytest.mark.parametrize("typo", ["nb201-cifar1O-v1", "nb201-cifar-10-v1", "NB201-cifar10"])
def test_unknown_benchmark_suggests_a_name(typo: str) -> None:
    """A mistyped id gets a did-you-mean (also when it is not even a well-formed id)."""
    with pytest.raises(BenchmarkError, match=re.escape("Did you mean 'nb201-cifar10-v1'?")):
        run_benchmark(typo, [RandomVectorTuner], budget=1)


def test_budget_points() -> None:
    """The report columns are the standard budgets below N, then N."""
    assert budget_points(200) == [10, 25, 50, 100, 200][1:]
    assert budget_points(30) == [10, 25, 30]
    assert budget_points(1000) == [25, 50, 100, 200, 300, 500, 1000]


def test_outputs_csv_summary_and_plots(tmp_path) -> None:
    """OUT_DIR gets one CSV row per evaluation, a strict-JSON summary and two PNG plots."""
    bench = tiny_benchmark(rows=[0, 1, 3])
    spec = TunerSpec(factory=ScriptedTuner, args={"sequence": [(0, 0), (1, 0), (1, 1)]}, label="s")
    result = run_benchmark(bench, [spec], budget=3, repeats=2, processes=1)
    files = write_outputs(result, tmp_path)
    lines = files["evaluations"].read_text().splitlines()
    assert lines[0].startswith("tuner,repeat,seed,eval,parameter_id,worker,arch,ok,")
    assert len(lines) == 1 + 2 * 3
    assert lines[2].split(",")[:8] == ["s", "0", "0", "2", "1", "0", "2", "0"]  # rank 2 has no row: failed
    summary = json.loads(files["summary"].read_text())
    assert summary["tuners"]["s"]["failed_trials"] == 2
    assert summary["tuners"]["s"]["at_evals"]["3"]["mean"] == 95.0
    assert summary["benchmark"]["optimum"] == 95.0
    for name in ("incumbent_vs_evals", "incumbent_vs_time"):
        assert files[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not math.isnan(summary["tuners"]["s"]["suggest_mean_s"])
