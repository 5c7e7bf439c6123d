"""Installed metadata: console script, entry points, extras, py.typed, and cheap imports."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import nastuners

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("stevedore", "torch", "tensorflow")


@pytest.fixture(scope="module")
def dist() -> importlib.metadata.Distribution:
    return importlib.metadata.distribution("nastune")


def test_version_matches_metadata(dist: importlib.metadata.Distribution) -> None:
    """nastuners.__version__ is the installed distribution's version."""
    assert nastuners.__version__ == dist.version != "0.0.0+unknown"


def test_console_script(dist: importlib.metadata.Distribution) -> None:
    """The `nastune` console script points at the CLI entry function, and is installed."""
    scripts = {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"}
    assert scripts == {"nastune": "nastuners.cli.main:entry"}
    assert (Path(sys.executable).parent / "nastune").is_file()


def test_builtin_tuner_entry_points(dist: importlib.metadata.Distribution) -> None:
    """The built-in tuners are registered through the nastuners.tuners group, like any plugin."""
    tuners = {ep.name: ep.value for ep in dist.entry_points if ep.group == "nastuners.tuners"}
    assert tuners == {
        "random": "nastuners.tuners._random:RandomTuner",
        "evolution": "nastuners.tuners._evolution:EvolutionTuner",
        "local_search": "nastuners.tuners._local_search:LocalSearchTuner",
        "ppo": "nastuners.tuners._ppo:PPOTuner",
    }


def test_extras_declared(dist: importlib.metadata.Distribution) -> None:
    """The tf, torch, bench, dev and all extras exist."""
    extras = set(dist.metadata.get_all("Provides-Extra") or [])
    assert {"tf", "torch", "bench", "dev", "all"} <= extras


def test_py_typed_present() -> None:
    """Both import packages carry the PEP 561 marker."""
    for package in ("nastuners", "trial_runtime"):
        assert importlib.resources.files(package).joinpath("py.typed").is_file(), package


def test_import_is_cheap() -> None:
    """`import nastuners` (plus registry, testing, tuners) imports no stevedore, torch or tensorflow."""
    code = ("import sys, nastuners, nastuners.registry, nastuners.testing, nastuners.tuners\n"
            f"print(__import__('json').dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(out.stdout) == []


def test_cli_parser_is_cheap() -> None:
    """Building the whole `nastune` parser imports neither stevedore nor torch nor tensorflow."""
    code = ("import sys\nfrom nastuners.cli.main import build_parser\nbuild_parser()\n"
            f"print(__import__('json').dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(out.stdout) == []


@pytest.mark.slow
def test_wheel_contents(tmp_path: Path) -> None:
    """A wheel built from a copy of the tree ships both packages, py.typed, entry points and the script."""
    src = tmp_path / "src"
    for name in ("nastuners", "trial_runtime"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(tmp_path / "dist"), str(src)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("nastune-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(zf.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert {"nastuners/py.typed", "trial_runtime/py.typed", "nastuners/registry.py",
            "nastuners/testing/__init__.py"} <= names
    assert "[nastuners.tuners]" in entry_points
    assert "random = nastuners.tuners._random:RandomTuner" in entry_points
    assert "nastune = nastuners.cli.main:entry" in entry_points
