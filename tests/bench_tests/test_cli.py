"""``nastune bench list | run`` in process; a third-party plugin tuner benchmarked in a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from nastuners.bench import load_benchmark
from nastuners.cli.main import main

from ._helpers import TINY_SPACE


def test_list_shows_every_shipped_benchmark(capsys) -> None:
    """The listing has ids, sizes and optima; --json is machine-readable."""
    assert main(["bench", "list"]) == 0
    out = capsys.readouterr().out
    for text in ("nb201-cifar10-v1", "nb201-imagenet16_120-v1", "nasbench-macro-cifar10-v1", "15,625",
                 "94.37"):
        assert text in out
    assert main(["bench", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"]: r["architectures"] for r in rows}["nasbench-macro-cifar10-v1"] == 6561


def _tiny_files(tmp_path):
    space = tmp_path / "space.json"
    space.write_text(json.dumps(TINY_SPACE))
    table = tmp_path / "table.jsonl"
    ops0, ops1 = ["a", "b"], ["x", "y"]
    rows = []
    for rank, (loss, time) in enumerate([(4.0, 1.0), (3.0, 2.0), (1.0, 1.5), (2.0, 1.0)]):
        if rank == 2:
            continue  # (b, x) is missing: its trials fail
        choice = {"blk": {"l0": {"chosen_layer": ops0[rank // 2]}, "l1": {"chosen_layer": ops1[rank % 2]}}}
        rows.append(json.dumps({"choice": choice, "metrics": {"loss": [loss, loss + 0.5], "t": time}}))
    table.write_text("\n".join(rows) + "\n")
    return space, table


def test_run_own_table_min_mode_writes_outputs(tmp_path, capsys) -> None:
    """--space/--table/--objective/--mode min with the registered random tuner; files and table appear."""
    space, table = _tiny_files(tmp_path)
    out = tmp_path / "out"
    code = main(["bench", "run", "--space", str(space), "--table", str(table), "--objective", "loss",
                 "--cost", "t", "--mode", "min", "--tuner", "random", "--budget", "4", "--repeats", "3",
                 "--workers", "2", "--processes", "1", "-o", str(out), "--no-plots"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "random" in printed and "@4" in printed
    summary = json.loads((out / "summary.json").read_text())
    # random proposes all 4 architectures exactly once; the missing one fails; the best of the rest is 2.0
    assert summary["tuners"]["random"]["failed_trials"] == 3
    assert summary["tuners"]["random"]["at_evals"]["4"] == {"mean": 2.25, "std": 0.0, "sem": 0.0, "n": 3}
    assert summary["benchmark"]["mode"] == "min"
    assert len((out / "evaluations.csv").read_text().splitlines()) == 1 + 3 * 4


@pytest.mark.parametrize(("argv", "message"), [
    (["--benchmark", "nb201-cifar10-v9", "--tuner", "random", "--budget", "5"], "has no version 9"),
    (["--benchmark", "nb201-cifar10-v1", "--tuner", "random"], "give a budget"),
    (["--benchmark", "nb201-cifar10-v1", "--tuner", "random", "--budget", "5", "--tuner-args", "random:{x"],
     "--tuner-args random: not valid JSON"),
    (["--benchmark", "nb201-cifar10-v1", "--tuner", "random", "--budget", "5", "--tuner-args", "evo:{}"],
     "--tuner-args names tuner 'evo', which is not among --tuner ['random']"),
    (["--benchmark", "nb201-cifar10-v1", "--tuner", "randon", "--budget", "5"], "did you mean 'random'"),
    (["--benchmark", "nb201-cifar10-v1", "--tuner", "random", "--budget", "5", "--tuner-args",
      'random:{"popsize": 3}'], "does not accept argument 'popsize'"),
    (["--tuner", "random", "--budget", "5", "--space", "s.json"], "missing --table, --objective"),
    (["--benchmark", "nb201-cifar10-v1", "--tuner", "random", "--tuner", "evolution", "--budget", "5",
      "--tuner-args", '{"x": 1}'], "with several --tuner, say which tuner the arguments are for: NAME:JSON"),
    (["--benchmark", "nb201-cifar10-v1", "--tuner", "random", "--budget", "5", "--tuner-args", '{"x": 1}'],
     "tuner 'random' does not accept argument 'x'"),
])
def test_usage_errors_exit_2_with_a_message(argv, message, capsys) -> None:
    """User mistakes exit with status 2 and one clear line, no traceback."""
    assert main(["bench", "run", *argv, "--processes", "1"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


PLUGIN = '''
"""A third-party tuner: always proposes the architecture given as a digit string (one digit per layer)."""
from nastuners import Tuner

class FixedTuner(Tuner):
    """Proposes one fixed architecture."""

    def __init__(self, *, optimize_mode="maximize", seed=None, arch="22222222"):
        super().__init__(optimize_mode=optimize_mode, seed=seed)
        self.arch = arch

    def generate_parameters(self, parameter_id, **kwargs):
        vector = tuple(int(c) for c in self.arch)
        return self.space.decode(vector)
'''


def test_third_party_plugin_through_the_registry(tmp_path) -> None:
    """A tuner installed only as an entry point (dist-info on sys.path) is benchmarked beside random."""
    (tmp_path / "fixed_tuner_demo.py").write_text(textwrap.dedent(PLUGIN))
    info = tmp_path / "fixed_tuner_demo-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fixed-tuner-demo\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[nastuners.tuners]\nfixed = fixed_tuner_demo:FixedTuner\n")
    out = tmp_path / "out"
    code = ("import sys; from nastuners.cli.main import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.run(
        [sys.executable, "-c", code, "bench", "run", "--benchmark", "nasbench-macro-cifar10-v1",
         "--tuner", "fixed", "--tuner", "random", "--tuner-args", 'fixed:{"arch": "22212220"}',
         "--budget", "20", "--repeats", "4", "--processes", "2", "-o", str(out), "--no-plots"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**__import__("os").environ, "PYTHONPATH": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    bench = load_benchmark("nasbench-macro-cifar10-v1")
    expected = bench.report_values[int("22212220", 3)]  # the optimum of NAS-Bench-Macro
    fixed = summary["tuners"]["fixed"]["at_evals"]["20"]
    assert fixed["mean"] == pytest.approx(expected) and fixed["std"] == 0.0
    assert summary["tuners"]["random"]["at_evals"]["20"]["mean"] < expected
    assert summary["settings"]["tuners"][0] == {"label": "fixed", "name": "fixed",
                                                "args": {"arch": "22212220"}, "factory": None}


def test_output_dir_that_would_be_overwritten_is_refused_before_running(tmp_path, capsys) -> None:
    """-o onto a non-empty directory or a file: exit 2 before any work, the old files untouched."""
    space, table = _tiny_files(tmp_path)
    argv = ["bench", "run", "--space", str(space), "--table", str(table), "--objective", "loss",
            "--tuner", "random", "--budget", "2", "--repeats", "1", "--processes", "1", "--no-plots"]
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("old")
    assert main([*argv, "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert "already exists and is not empty; nothing is overwritten" in captured.err
    assert captured.out == ""  # refused before the run: no results table
    assert (out / "summary.json").read_text() == "old"
    assert main([*argv, "-o", str(space)]) == 2
    assert "is a file; give a new (or empty) directory" in capsys.readouterr().err
    assert main([*argv, "-o", str(tmp_path / "new")]) == 0
    assert json.loads((tmp_path / "new" / "summary.json").read_text())["benchmark"]["mode"] == "max"
