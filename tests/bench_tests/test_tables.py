"""The JSON Lines table format and the compact shipped format."""

from __future__ import annotations

import gzip
import json
import re
import zipfile

import numpy as np
import pytest

from nastuners.bench import Benchmark, BenchmarkError, load_jsonl_table, write_jsonl_table
from nastuners.bench._format import CompactTable, read_compact, write_compact
from nastuners.space import SearchSpace

# a layer with 2 of 3 optional inputs, and a second block: lookups must ignore key and input order
SPACE = {"b1": {"_type": "mutable_layer", "_value": {
    "l0": {"layer_choice": ["conv", "pool"], "optional_inputs": ["x", "y", "z"], "optional_input_size": 2}}},
    "b2": {"_type": "mutable_layer", "_value": {
        "m0": {"layer_choice": ["id", "relu"], "optional_inputs": [], "optional_input_size": 0}}}}


def _choice(op: str, inputs: list[str], act: str) -> dict:
    return {"b1": {"l0": {"chosen_layer": op, "chosen_inputs": inputs}},
            "b2": {"m0": {"chosen_layer": act, "chosen_inputs": []}}}


def _write(path, rows, gz=False):
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_jsonl_lookup_is_canonical(tmp_path, gz: bool) -> None:
    """Rows are found whatever the JSON key order and the chosen_inputs order; gzip is detected."""
    rows = [{"choice": _choice("conv", ["y", "x"], "id"), "metrics": {"acc": [0.8, 0.9], "t": 10}},
            {"metrics": {"acc": 0.5, "t": 5}, "choice": _choice("pool", ["z", "y"], "relu")}]
    path = _write(tmp_path / ("t.jsonl.gz" if gz else "t.jsonl"), rows, gz)
    space_path = tmp_path / "s.json"
    space_path.write_text(json.dumps(SPACE))
    bench = Benchmark.from_files(space_path, path, objective="acc", cost="t")
    probe = {"b2": {"m0": {"chosen_inputs": [], "chosen_layer": "id"}},
             "b1": {"l0": {"chosen_inputs": ["x", "y"], "chosen_layer": "conv"}}}
    row = bench.row(probe)
    assert bench.objective_seeds[row] == (0.8, 0.9)
    assert bench.report_values[row] == pytest.approx(0.85)  # report defaults to the objective, seeds averaged
    assert bench.cost_values[row] == 10.0
    assert bench.objective_seeds[bench.row(_choice("pool", ["y", "z"], "relu"))] == (0.5,)
    assert bench.row(_choice("conv", ["x", "z"], "id")) == -1  # a valid architecture without a row
    assert bench.best_report() == pytest.approx(0.85)


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "t.jsonl:2: not valid JSON"),
    ('{"choice": {}}', 't.jsonl:2: expected an object {"choice": {...}, "metrics": {...}}'),
    (json.dumps({"choice": _choice("conv", ["x", "y"], "id"), "metrics": {"acc": 1}}),
     "t.jsonl:2: duplicate architecture, already given on line 1"),
    (json.dumps({"choice": _choice("conv", ["y", "x"], "id"), "metrics": {"acc": 1}}),
     "t.jsonl:2: duplicate architecture, already given on line 1"),
    (json.dumps({"choice": _choice("conv", ["x"], "id"), "metrics": {"acc": 1}}),
     "t.jsonl:2: the choice does not fit the search space"),
    (json.dumps({"choice": _choice("conv", ["x", "z"], "id"), "metrics": {"acc": "high"}}),
     "t.jsonl:2: metric 'acc' is \"high\"; expected a finite number or a non-empty list"),
    (json.dumps({"choice": _choice("conv", ["x", "z"], "id"), "metrics": {"acc": []}}),
     "t.jsonl:2: metric 'acc' is []"),
])
def test_bad_rows_name_the_line(tmp_path, line: str, message: str) -> None:
    """Every problem in a table names file:line and what was expected."""
    good = json.dumps({"choice": _choice("conv", ["x", "y"], "id"), "metrics": {"acc": 0.7}})
    path = tmp_path / "t.jsonl"
    path.write_text(good + "\n" + line + "\n")
    with pytest.raises(BenchmarkError, match=re.escape(message)):
        load_jsonl_table(path, SearchSpace.from_json(SPACE))


def test_unknown_metric_lists_the_available_ones(tmp_path) -> None:
    """Naming a metric the table lacks is an error listing the metrics it has."""
    row = {"choice": _choice("conv", ["x", "y"], "id"), "metrics": {"acc": 1}}
    path = _write(tmp_path / "t.jsonl", [row])
    space = SearchSpace.from_json(SPACE)
    with pytest.raises(BenchmarkError, match=re.escape("cost metric 'time' is not in the table of t.jsonl; "
                                                       "available metrics: acc")):
        Benchmark.from_files(space, path, objective="acc", cost="time")


def test_row_without_objective_is_missing(tmp_path) -> None:
    """A row that lacks the objective metric counts as a missing architecture (its trial fails)."""
    path = _write(tmp_path / "t.jsonl", [
        {"choice": _choice("conv", ["x", "y"], "id"), "metrics": {"acc": 1, "t": 2}},
        {"choice": _choice("conv", ["x", "z"], "id"), "metrics": {"t": 3}}])
    bench = Benchmark.from_files(SearchSpace.from_json(SPACE), path, objective="acc", cost="t")
    assert bench.objective_seeds[bench.row(_choice("conv", ["x", "z"], "id"))] == ()


def test_jsonl_round_trip(tmp_path) -> None:
    """write_jsonl_table then load_jsonl_table gives back the same arrays (exact floats)."""
    space = SearchSpace.from_json(SPACE)
    rng = np.random.default_rng(0)
    n = space.cardinality
    seeds = rng.normal(size=(n, 3))
    seeds[0, 2] = np.nan
    table = CompactTable(space=SPACE, metrics={"acc": seeds, "t": rng.uniform(1, 9, n)})
    write_jsonl_table(tmp_path / "r.jsonl.gz", space, table)
    back = load_jsonl_table(tmp_path / "r.jsonl.gz", space)
    order = np.argsort(back.index)
    assert np.array_equal(back.metrics["acc"][order], seeds, equal_nan=True)
    assert np.array_equal(back.metrics["t"][order], table.metrics["t"])


def test_compact_format_is_exact_small_and_deterministic(tmp_path) -> None:
    """Decimal, float32 and arbitrary float columns decode bit-equal; NaN survives; same input, same bytes."""
    rng = np.random.default_rng(1)
    decimals = np.round(rng.uniform(0, 100, (50, 3)), 4)
    decimals[3, 1] = np.nan
    metrics = {"dec": decimals, "f32": rng.uniform(0, 1, 50).astype(np.float32).astype(np.float64),
               "any": rng.normal(size=50)}
    table = CompactTable(space={"x": 1}, metrics=metrics, index=np.arange(50) * 3, meta={"source": "test"})
    write_compact(tmp_path / "a.table.zip", table)
    write_compact(tmp_path / "b.table.zip", table)
    assert (tmp_path / "a.table.zip").read_bytes() == (tmp_path / "b.table.zip").read_bytes()
    back = read_compact(tmp_path / "a.table.zip")
    for name, values in metrics.items():
        assert np.array_equal(back.metrics[name], values, equal_nan=True), name
    assert back.index.tolist() == list(range(0, 150, 3))
    assert back.meta["source"] == "test"
    meta = json.loads(zipfile.ZipFile(tmp_path / "a.table.zip").read("meta.json"))
    assert meta["metrics"]["dec"]["encoding"] == {"dtype": "int32", "scale": 10000}
    assert meta["metrics"]["f32"]["encoding"] == {"dtype": "float32"}
    assert meta["metrics"]["any"]["encoding"] == {"dtype": "float64"}


def test_not_a_table_file(tmp_path) -> None:
    """Reading something else fails with the path and the cause."""
    bad = tmp_path / "x.table.zip"
    bad.write_text("hello")
    with pytest.raises(BenchmarkError, match=re.escape(f"{bad}: cannot read table file")):
        read_compact(bad)
