"""The tuner registry: lookup, metadata, errors, and broken/duplicate plugins installed into a throwaway dir.

The broken plugins (plugins/broken-tuners, plugins/duplicate-tuner) are really built and installed with
``pip install --target`` into a temporary directory that only these tests put on ``sys.path`` (or on a
subprocess's ``PYTHONPATH``), so the shared environment never sees them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import nastuners
from nastuners import ConfigError, DuplicateTuner, TunerArgumentError, TunerLoadError, TunerNotFound
from nastuners.registry import TunerInfo, get_tuner, list_tuners, parse_class_args
from nastuners.testing import tiny_space
from nastuners.tuners import RandomTuner

ROOT = Path(__file__).resolve().parents[1]


def _by_name(infos: list[TunerInfo]) -> dict[str, list[TunerInfo]]:
    out: dict[str, list[TunerInfo]] = {}
    for info in infos:
        out.setdefault(info.name, []).append(info)
    return out


# -- the normal environment ---------------------------------------------------------------------------------
def test_builtin_and_plugin_tuners_are_listed_with_metadata() -> None:
    """random/evolution/local_search/ppo come from nastune, grid from the nastune-grid plugin distribution."""
    infos = _by_name(list_tuners())
    for name in ("random", "evolution", "local_search", "ppo"):
        (info,) = infos[name]
        assert (info.distribution, info.version) == ("nastune", nastuners.__version__)
    (rnd,) = infos["random"]
    assert rnd.ok and rnd.target == "nastuners.tuners._random:RandomTuner"
    assert rnd.summary == RandomTuner.__doc__.splitlines()[0]
    (grid,) = infos["grid"]
    assert (grid.distribution, grid.target, grid.ok) == ("nastune-grid", "nastune_grid:GridTuner", True)
    assert [i.name for i in list_tuners()] == sorted(i.name for i in list_tuners())


def test_get_tuner_passes_class_args() -> None:
    """get_tuner builds the registered class with the given arguments."""
    tuner = get_tuner("random", seed=5, optimize_mode="minimize")
    assert type(tuner) is RandomTuner
    assert (tuner.seed, tuner.optimize_mode) == (5, "minimize")
    direct = RandomTuner(seed=5)
    for t in (tuner, direct):
        t.update_search_space(tiny_space())
    ids = range(4)
    assert [tuner.generate_parameters(i) for i in ids] == [direct.generate_parameters(i) for i in ids]


@pytest.mark.parametrize(("name", "suggestion"), [("rnadom", "'random'"), ("Random", "'random'"),
                                                  ("grd", "'grid'"), ("local-search", "'local_search'")])
def test_unknown_name_suggests_and_lists(name: str, suggestion: str) -> None:
    """A misspelt name gets a did-you-mean and the installed names."""
    with pytest.raises(TunerNotFound) as err:
        get_tuner(name)
    text = str(err.value)
    assert f"no tuner named {name!r}" in text
    assert f"did you mean {suggestion}" in text
    assert "Installed tuners: evolution, grid, local_search, ppo, random" in text


def test_unrelated_name_has_no_suggestion() -> None:
    """A name close to nothing lists the installed tuners without a guess."""
    with pytest.raises(TunerNotFound, match="Installed tuners: ") as err:
        get_tuner("hyperband")
    assert "did you mean" not in str(err.value)
    with pytest.raises(TunerNotFound, match="must be a string"):
        get_tuner(3)  # type: ignore[arg-type]


def test_unknown_class_arg_names_the_accepted_ones() -> None:
    """A misspelt class argument is named, with a suggestion and the accepted arguments."""
    with pytest.raises(TunerArgumentError) as err:
        get_tuner("random", sead=1)
    assert str(err.value) == ("tuner 'random' does not accept argument 'sead' (did you mean 'seed'?); "
                              "accepted arguments: optimize_mode, seed")
    with pytest.raises(TunerArgumentError, match=r"'population_size'.*arguments: order, optimize_mode, seed"):
        get_tuner("grid", population_size=3)


def test_bad_class_arg_value_is_an_argument_error() -> None:
    """A value the constructor rejects becomes TunerArgumentError carrying the constructor's reason."""
    with pytest.raises(TunerArgumentError, match="optimize_mode must be 'maximize' or 'minimize', got 'max'"):
        get_tuner("random", optimize_mode="max")
    with pytest.raises(TunerArgumentError, match="order must be 'lexicographic' or 'shuffled'"):
        get_tuner("grid", order="spiral")


def test_registry_imports_stevedore_lazily() -> None:
    """Importing nastuners.registry scans nothing; the first lookup goes through stevedore."""
    code = ("import sys, nastuners.registry as r\n"
            "before = 'stevedore' in sys.modules\n"
            "r.get_tuner('random')\n"
            "print(before, 'stevedore' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", "True"]


# -- broken and duplicate plugins, installed into a throwaway directory --------------------------------------
@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """plugins/broken-tuners and plugins/duplicate-tuner, built and pip-installed into a temp --target."""
    base = tmp_path_factory.mktemp("plugins")
    sources = []
    for name in ("broken-tuners", "duplicate-tuner"):  # copy so builds never write into the source tree
        dest = base / "src" / name
        shutil.copytree(ROOT / "plugins" / name, dest, ignore=shutil.ignore_patterns("build", "*.egg-info"))
        sources.append(str(dest))
    target = base / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "--target", str(target), *sources],
                   check=True, capture_output=True, timeout=300)
    assert (target / "nastune_broken").is_dir() and (target / "nastune_dupgrid").is_dir()
    return target


@pytest.fixture
def with_plugins(plugin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The throwaway plugins on sys.path for one test only."""
    monkeypatch.syspath_prepend(str(plugin_dir))
    yield plugin_dir


def test_broken_plugins_are_reported_without_hiding_others(with_plugins: Path) -> None:
    """Each broken plugin is listed with its own error; the good tuners stay usable."""
    infos = _by_name(list_tuners())
    (imp,) = infos["broken_import"]
    assert not imp.ok and imp.distribution == "nastune-broken-tuners" and imp.version == "0.0.1"
    assert "ModuleNotFoundError" in imp.error and "nastune_dependency_that_is_not_installed" in imp.error
    (duck,) = infos["not_a_tuner"]
    assert "is not a nastuners.Tuner subclass (got class LooksLikeATuner)" in duck.error
    (attr,) = infos["missing_attr"]
    assert "AttributeError" in attr.error and "NoSuchClass" in attr.error
    (needs,) = infos["needs_budget"]
    assert needs.ok and needs.summary == "Random proposals until ``budget`` is spent."
    assert all(i.ok for n in ("random", "evolution", "local_search", "ppo") for i in infos[n])
    assert isinstance(get_tuner("random"), RandomTuner)


def test_duplicate_name_is_an_error_naming_both_distributions(with_plugins: Path) -> None:
    """Two distributions claiming 'grid': both listed as broken, and get_tuner refuses to pick one."""
    grids = _by_name(list_tuners())["grid"]
    assert sorted(i.distribution for i in grids) == ["nastune-duplicate-grid", "nastune-grid"]
    assert all(not i.ok and "claimed by 2 distributions" in i.error for i in grids)
    with pytest.raises(DuplicateTuner) as err:
        get_tuner("grid")
    text = str(err.value)
    assert "nastune_grid:GridTuner from nastune-grid 0.1.0" in text
    assert "nastune_dupgrid:DuplicateGridTuner from nastune-duplicate-grid 0.0.1" in text
    assert "uninstall all but one" in text


def test_load_errors_from_get_tuner(with_plugins: Path) -> None:
    """get_tuner raises TunerLoadError with the import error attached, or naming the wrong type."""
    with pytest.raises(TunerLoadError, match="failed to load: ModuleNotFoundError") as err:
        get_tuner("broken_import")
    assert isinstance(err.value.__cause__, ModuleNotFoundError)
    with pytest.raises(TunerLoadError, match=r"not a nastuners\.Tuner subclass"):
        get_tuner("not_a_tuner")


def test_missing_required_arg(with_plugins: Path) -> None:
    """A required constructor argument left out is named; given, the tuner works."""
    with pytest.raises(TunerArgumentError, match="requires argument 'budget'; accepted arguments: budget, "
                                                 "optimize_mode, seed"):
        get_tuner("needs_budget")
    tuner = get_tuner("needs_budget", budget=1)
    tuner.update_search_space(tiny_space())
    assert tuner.generate_parameters(0)


def test_cli_with_broken_plugins_in_a_subprocess(plugin_dir: Path, tmp_path: Path) -> None:
    """`nastune tuners list --json` shows broken plugins; using the duplicated name fails cleanly (exit 2)."""
    env = {**os.environ, "PYTHONPATH": str(plugin_dir)}
    exe = [sys.executable, "-c", "from nastuners.cli.main import entry; entry()"]
    out = subprocess.run([*exe, "tuners", "list", "--json"], env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    listed = {(t["name"], t["distribution"]): t for t in json.loads(out.stdout)}
    assert listed[("random", "nastune")]["ok"] is True
    assert listed[("broken_import", "nastune-broken-tuners")]["ok"] is False
    assert "claimed by 2 distributions" in listed[("grid", "nastune-duplicate-grid")]["error"]
    space = tmp_path / "space.json"
    space.write_text(json.dumps(tiny_space()))
    out = subprocess.run([*exe, "space", "sample", str(space), "--tuner", "grid"], env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 2
    assert "nastune: error: tuner name 'grid' is claimed by 2 distributions" in out.stderr
    assert "Traceback" not in out.stderr


def test_shared_environment_has_no_broken_plugins() -> None:
    """Outside the throwaway dir nothing broken is installed (the fixtures leave no trace)."""
    infos = list_tuners()
    assert not [i.name for i in infos if not i.ok]
    assert not {"broken_import", "not_a_tuner", "missing_attr", "needs_budget"} & {i.name for i in infos}


def test_parse_class_args_takes_a_json_object_and_names_the_flag_otherwise() -> None:
    """JSON text of class arguments: an object is returned; bad JSON or a non-object names the flag."""
    assert parse_class_args('{"seed": 3, "x": [1]}') == {"seed": 3, "x": [1]}
    with pytest.raises(TunerArgumentError, match=r"^--tuner-args: not valid JSON \(.* at column 2\): \{x"):
        parse_class_args("{x")
    with pytest.raises(ConfigError, match=r"^--tuner-args evo: expected a JSON object of class arguments"):
        parse_class_args("[1]", label="--tuner-args evo", error=ConfigError)
