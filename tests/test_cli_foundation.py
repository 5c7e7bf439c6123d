"""The foundation commands through ``main(argv)`` in process, plus one real ``nastune`` subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import nastuners
from nastuners import SearchSpace
from nastuners.cli.main import main
from nastuners.testing import bench_space, tiny_space


@pytest.fixture
def bench_file(tmp_path: Path) -> Path:
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(bench_space()))
    return path


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny_space()))
    return path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the installed version and exits 0."""
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"nastune {nastuners.__version__}"


def test_tuners_list_text(capsys: pytest.CaptureFixture[str]) -> None:
    """One line per tuner: name, distribution and version, summary."""
    assert main(["tuners", "list"]) == 0
    lines = {line.split()[0]: line.split(None, 3) for line in capsys.readouterr().out.splitlines() if line}
    assert lines["random"][1:3] == ["nastune", nastuners.__version__]
    assert lines["random"][3].startswith("Uniform random search")
    assert lines["grid"][1:3] == ["nastune-grid", "0.1.0"]
    assert {"evolution", "local_search", "ppo"} <= set(lines)


def test_tuners_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--json gives name, target, distribution, version, summary, error and ok for each tuner."""
    assert main(["tuners", "list", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["grid"] == {"name": "grid", "target": "nastune_grid:GridTuner",
                            "distribution": "nastune-grid", "version": "0.1.0",
                            "summary": rows["grid"]["summary"], "error": None, "ok": True}
    assert rows["grid"]["summary"].startswith("Exhaustive grid search")


def test_group_without_command_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    """`nastune tuners` alone prints the group's help and exits 1."""
    assert main(["tuners"]) == 1
    assert "list" in capsys.readouterr().err


def test_space_validate(bench_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A good file exits 0; a bad one exits 2 listing every problem, without a traceback."""
    assert main(["space", "validate", str(bench_file)]) == 0
    assert "1944 architectures" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({
        "b": {"_type": "mutable_layer", "_value": {"l": {
            "layer_choice": [], "optional_inputs": ["x"], "optional_input_size": [2, 1]}}},
        "c": {"_type": "uniform", "_value": [0, 1]}}))
    assert main(["space", "validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "3 problems" in err and "Traceback" not in err
    for path in ('$["b"]["_value"]["l"]["layer_choice"]', '$["b"]["_value"]["l"]["optional_input_size"]',
                 '$["c"]["_type"]'):
        assert path in err


def test_space_info_json(bench_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """info --json reports layers, decisions and the exact cardinality."""
    assert main(["space", "info", str(bench_file), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["layers"], info["cardinality"]) == (4, 1944)
    assert [d["categories"] for d in info["decisions"]] == [6, 1, 6, 2, 3, 3, 3, 1]  # ops, inputs


def test_space_sample_random(bench_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """N valid, distinct JSON lines; the same seed prints the same lines."""
    outputs = []
    for _ in range(2):
        assert main(["space", "sample", str(bench_file), "--tuner", "random", "-n", "20", "--seed", "3"]) == 0
        outputs.append(capsys.readouterr().out.splitlines())
    assert outputs[0] == outputs[1] and len(outputs[0]) == 20
    space = SearchSpace.from_json(bench_space())
    docs = [json.loads(line) for line in outputs[0]]
    for doc in docs:
        space.validate_choice(doc)
    assert len({space.canonical_key(d) for d in docs}) == 20


def test_space_sample_plugin_tuner_to_the_end(tiny_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The grid plugin through the CLI: all 6 architectures in enumeration order, then a note on stderr."""
    assert main(["space", "sample", str(tiny_file), "--tuner", "grid", "-n", "10"]) == 0
    out = capsys.readouterr()
    space = SearchSpace.from_json(tiny_space())
    assert [json.loads(line) for line in out.out.splitlines()] == [space.decode(v) for v in space.enumerate()]
    assert "no more architectures after 6" in out.err


def test_space_sample_errors(tiny_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt tuner or class argument exits 2 with the registry's message."""
    assert main(["space", "sample", str(tiny_file), "--tuner", "rnadom"]) == 2
    assert "did you mean 'random'?" in capsys.readouterr().err
    assert main(["space", "sample", str(tiny_file), "--tuner", "grid", "--tuner-args", '{"ordr": "x"}']) == 2
    assert "does not accept argument 'ordr' (did you mean 'order'?)" in capsys.readouterr().err


def test_real_subprocess_smoke(bench_file: Path) -> None:
    """The installed `nastune` script runs: version, tuners list, and a seeded sample."""
    exe = str(Path(sys.executable).parent / "nastune")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True, timeout=60)
    assert version.stdout.strip() == f"nastune {nastuners.__version__}"
    listed = subprocess.run([exe, "tuners", "list", "--json"], capture_output=True, text=True, check=True,
                            timeout=120)
    assert {"random", "grid"} <= {row["name"] for row in json.loads(listed.stdout)}
    sample = subprocess.run([exe, "space", "sample", str(bench_file), "-n", "3", "--seed", "1"],
                            capture_output=True, text=True, check=True, timeout=60)
    lines = sample.stdout.splitlines()
    assert len(lines) == 3
    in_process = subprocess.run([exe, "space", "sample", str(bench_file), "-n", "3", "--seed", "1"],
                                capture_output=True, text=True, check=True, timeout=60)
    assert in_process.stdout.splitlines() == lines  # and across processes
