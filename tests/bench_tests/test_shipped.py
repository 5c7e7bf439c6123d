"""The shipped tables: ids, contents against the source README, and the random-search reference runs."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nastuners.bench import (
    BENCH_ID_RE,
    BenchmarkError,
    list_benchmarks,
    load_benchmark,
    parse_benchmark_id,
    run_benchmark,
    summarize,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
REFERENCE = {  # ../shared/data/nasbench201/reference_runs_rs_rea_ls.json, random search, mean and std
    "cifar10": {25: (93.419, 0.478), 50: (93.635, 0.353), 100: (93.790, 0.274), 200: (93.909, 0.230)},
    "cifar100": {25: (70.537, 1.003), 50: (70.950, 0.910), 100: (71.379, 0.927), 200: (71.794, 0.855)},
    "imagenet16_120": {25: (44.440, 1.184), 50: (44.967, 0.908), 100: (45.292, 0.838), 200: (45.562, 0.824)},
}


def test_id_regex() -> None:
    """One regex splits versioned ids; a bare name resolves to the newest version."""
    assert parse_benchmark_id("nb201-cifar10-v1") == ("nb201-cifar10", 1)
    assert parse_benchmark_id("nb201-imagenet16_120-v12") == ("nb201-imagenet16_120", 12)
    assert parse_benchmark_id("nasbench-macro-cifar10") == ("nasbench-macro-cifar10", None)
    assert BENCH_ID_RE.match("Bad Id") is None
    assert load_benchmark("nb201-cifar10").id == "nb201-cifar10-v1"
    with pytest.raises(BenchmarkError, match=re.escape("has no version 7; available: nb201-cifar10-v1")):
        load_benchmark("nb201-cifar10-v7")


def test_shipped_tables_match_the_source_summary() -> None:
    """Sizes and optima agree with ../shared/data READMEs (NB201 paper optimum row, NAS-Bench-Macro best)."""
    rows = {r["id"]: r for r in list_benchmarks()}
    assert set(rows) == {"nb201-cifar10-v1", "nb201-cifar100-v1", "nb201-imagenet16_120-v1",
                         "nasbench-macro-cifar10-v1"}
    assert sum(r["bytes"] for r in rows.values()) < 3_000_000
    expected = {"nb201-cifar10-v1": (15625, 94.3733), "nb201-cifar100-v1": (15625, 73.5133),
                "nb201-imagenet16_120-v1": (15625, 47.3111), "nasbench-macro-cifar10-v1": (6561, 93.1267)}
    for bid, (size, optimum) in expected.items():
        assert rows[bid]["architectures"] == rows[bid]["rows"] == size
        assert rows[bid]["optimum"] == pytest.approx(optimum, abs=1e-4)
    nb = load_benchmark("nb201-cifar10-v1")
    best_valid = max(range(nb.rows), key=lambda i: np.mean(nb.objective_seeds[i]))
    assert np.mean(nb.objective_seeds[best_valid]) == pytest.approx(91.607, abs=1e-3)
    assert nb.report_values[best_valid] == pytest.approx(94.373, abs=1e-3)
    seeds = {len(s) for s in nb.objective_seeds}
    assert seeds == {2, 3}


def test_lookup_is_canonical_and_matches_the_arch_string() -> None:
    """The best NB201 CIFAR-10 cell (summary arch string) is found whatever the JSON key order."""
    nb = load_benchmark("nb201-cifar10-v1")
    ops = {"e1_0": "nor_conv_3x3", "e2_0": "nor_conv_3x3", "e2_1": "nor_conv_3x3", "e3_0": "skip_connect",
           "e3_1": "nor_conv_3x3", "e3_2": "nor_conv_1x1"}
    doc = {"cell": {k: {"chosen_inputs": [], "chosen_layer": v} for k, v in reversed(ops.items())}}
    row = nb.row(doc)
    assert nb.report_values[row] == pytest.approx(94.3733)
    assert nb.objective_seeds[row] == (91.684, 91.72, 91.416)
    assert nb.rank(doc) == int("333132", 5)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not present")
def test_rebuild_script_reproduces_the_shipped_bytes() -> None:
    """benchmarks/rebuild_tables.py --check rebuilds every table from ../shared/data byte for byte."""
    script = ROOT / "benchmarks" / "rebuild_tables.py"
    proc = subprocess.run([sys.executable, str(script), "--data", str(SHARED), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stdout


def _check_against_reference(dataset: str, repeats: int) -> None:
    # the registered "random" tuner, resolved through the entry-point registry like any plugin
    result = run_benchmark(f"nb201-{dataset}-v1", ["random"],
                           budget=200, repeats=repeats, seed=0, processes=2)
    at = summarize(result)["tuners"]["random"]["at_evals"]
    for budget, (ref_mean, ref_std) in REFERENCE[dataset].items():
        got = at[str(budget)]
        # difference of two means of independent samples: 4 standard errors
        tolerance = 4 * math.sqrt(ref_std**2 / 300 + got["std"] ** 2 / repeats)
        assert abs(got["mean"] - ref_mean) < tolerance, (dataset, budget, got, ref_mean)
        assert 0.75 < got["std"] / ref_std < 1.33, (dataset, budget, got, ref_std)


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100", "imagenet16_120"])
def test_random_search_reproduces_the_reference(dataset: str) -> None:
    """Random search, 300 repeats (CIFAR-10 @100: 93.79 ± 0.27), matches the reference within noise."""
    _check_against_reference(dataset, 300)


def test_reference_file_is_what_the_test_pins() -> None:
    """The numbers above are the reference file's (when present)."""
    path = SHARED / "nasbench201" / "reference_runs_rs_rea_ls.json"
    if not path.is_file():
        pytest.skip("../shared/data not present")
    ref = json.loads(path.read_text())
    for dataset, points in REFERENCE.items():
        for budget, (mean, std) in points.items():
            assert ref[f"{dataset}|RS"][str(budget)] == pytest.approx([mean, std], abs=1e-3)
