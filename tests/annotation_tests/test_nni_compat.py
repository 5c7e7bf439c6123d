"""NNI-exact search spaces beyond the spec examples: NNI's own fixtures, direct SDK calls, astor's strings."""

# ruff: noqa: E501

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from nastuners.annotation import AnnotationWarning, codegen, expand, generate_search_space
from nastuners.exceptions import AnnotationError

from .conftest import write_files

FIXTURES = Path(__file__).parent / "nni_fixtures"
ROOT = Path(__file__).resolve().parents[2]


def _copy_fixture(name: str, target: Path) -> dict:
    for src in (FIXTURES / name).rglob("*.py.txt"):
        dst = target / src.relative_to(FIXTURES / name).with_suffix("")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return json.loads((FIXTURES / name / "searchspace.json").read_text())


@pytest.mark.parametrize("name", ["expanded", "usercode"])
def test_nni_fixtures_give_nnis_expected_space(code_dir: Path, name: str) -> None:
    """NNI's testcase files (expanded code with direct calls; annotated user code) → NNI's expected JSON."""
    expected = _copy_fixture(name, code_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AnnotationWarning)
        assert generate_search_space(code_dir) == expected


DIRECT = '''import nni


def f(inputs, k=1):
    return ('f', k, inputs)


lr = nni.choice({0.1: 0.1, 'big': 1.0}, name='lr')
act = nni.function_choice({'relu': lambda: 'R', 'tanh(x)': lambda: 'T'},
                          name='act',  # a trailing comma
                          )
u = nni.uniform(-1, +2.5)
q = nni.randint(1, True, name='q')
y = nni.mutable_layer('mutable_block_1', 'mutable_layer_0', {'f(k=1)': f, 'f(k=2)': f},
                      {'f(k=1)': {'k': 1}, 'f(k=2)': {'k': 2}}, [1], {'a': 'A', 'b': 'B'}, [0, 1],
                      'classic_mode')
nni.report_final_result(1.0)
print('OUT', lr, act, u, q, y)
'''

DIRECT_SPACE = {
    "trial/lr/choice": {"_type": "choice", "_value": [0.1, "big"]},
    "trial/act/function_choice": {"_type": "choice", "_value": ["relu", "tanh(x)"]},
    "trial/__line12/uniform": {"_type": "uniform", "_value": [-1, 2.5]},
    "trial/q/randint": {"_type": "randint", "_value": [1, True]},
    "trial/mutable_block_1": {"_type": "mutable_layer", "_value": {"mutable_layer_0": {
        "layer_choice": ["f(k=1)", "f(k=2)"], "optional_inputs": ["a", "b"], "optional_input_size": [0, 1]}}},
}
CHOICE = {"trial/lr/choice": "big", "trial/act/function_choice": "tanh(x)", "trial/__line12/uniform": 0.5,
          "trial/q/randint": 1,
          "trial/mutable_block_1": {"mutable_layer_0": {"chosen_layer": "f(k=2)", "chosen_inputs": ["b"]}}}
OUT = "OUT 1.0 T 0.5 1 ('f', 2, [[1], ['B']])"


def test_direct_sdk_calls_enter_the_space_and_run_compiled_and_standalone(code_dir: Path, tmp_path: Path) -> None:
    """Calls written in code count like annotations (NNI generated its space from expanded code): keys,
    ``__line<N>`` names, the full block id; the compiled copy runs with the choice, and so does codegen."""
    write_files(code_dir, {"trial.py": DIRECT})
    assert generate_search_space(code_dir) == DIRECT_SPACE
    out = tmp_path / "out"
    expand(code_dir, out)
    text = (out / "trial.py").read_text()
    assert "name='act',  # a trailing comma\n                          key='trial/act/function_choice')" in text
    assert "u = nni.uniform(-1, +2.5, key='trial/__line12/uniform')" in text
    assert "y = nni.mutable_layer('trial/mutable_block_1', 'mutable_layer_0'" in text
    choice = tmp_path / "choice.json"
    choice.write_text(json.dumps(CHOICE))
    env = {**os.environ, "NASTUNE_PARAMETERS": str(choice), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(out / "trial.py")], capture_output=True, text=True, env=env,
                         check=True)
    assert OUT in run.stdout
    standalone = tmp_path / "cg"
    codegen(code_dir, CHOICE, standalone)
    text = (standalone / "trial.py").read_text()
    assert "lr = 1.0\n" in text and "y = f([[1], ['B']], k=2)\n" in text and "nni" not in text.replace("'nni.", "")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NASTUNE_PARAMETERS")}
    run = subprocess.run([sys.executable, "-I", str(standalone / "trial.py")], capture_output=True, text=True,
                         env=env, check=True)
    assert OUT in run.stdout and "nni.report_final_result:  1.0" in run.stdout


@pytest.mark.parametrize(("code", "message"), [
    ("x = nni.choice(1, 2, 3, name='x')\n", "Smart parameter has arguments other than dict"),
    ("x = nni.choice({1: 1}, name=x)\n", "Smart parameter's name must be string literal"),
    ("x = nni.choice({1: 1}, name='x', key='k')\n", 'keyword argument other than "name"'),
    ("x = nni.uniform(0, 1, nam='x')\n", 'keyword argument is not "name"'),
    ("x = nni.uniform(0, 'a', name='x')\n", "arguments must be number literals"),
    ("x = nni.uniform(0, 1j, name='x')\n", "arguments must be number literals"),
    ("x = nni.uniform(0, 1) + nni.uniform(2, 3)\n", "Only one smart parameter is allowed in a line"),
    ("x = nni.uniform(0, 1, name='x')\ny = nni.uniform(0, 2, name='x')\n", "Different smart parameters have same name"),
    ("y = nni.mutable_layer(b, 'l', {}, {}, [], {}, 0)\n", "block id must be a string literal"),
])
def test_direct_call_errors(code_dir: Path, code: str, message: str) -> None:
    write_files(code_dir, {"t.py": "import nni\n" + code})
    with pytest.raises(AnnotationError, match=message) as info:
        generate_search_space(code_dir)
    assert "t.py:" in str(info.value)


def test_same_named_direct_call_and_annotation_share_a_key(code_dir: Path) -> None:
    write_files(code_dir, {"t.py": 'import nni\n"""@nni.variable(nni.choice(1, 2), name=x)"""\nx = 0\n'
                                   "y = nni.choice({1: 1, 2: 2}, name='x')\n"})
    assert generate_search_space(code_dir) == {"t/x/choice": {"_type": "choice", "_value": [1, 2]}}


def test_function_choice_replaces_only_calls_not_nested_in_a_call(code_dir: Path) -> None:
    """NNI's replacer did not look inside calls: ``print(f(a))`` keeps ``f(a)`` and, with nothing replaced,
    the annotation adds no search-space entry."""
    write_files(code_dir, {"t.py": '"""@nni.function_choice(f(a), g(a), name=h)"""\nprint(f(a))\n'
                                   '"""@nni.function_choice(f(b), g(b), name=k)"""\ny = [f(b) + 1]\n'})
    with pytest.warns(AnnotationWarning, match="matches no call"):
        space = generate_search_space(code_dir)
    assert space == {"t/k/function_choice": {"_type": "choice", "_value": ["f(b)", "g(b)"]}}


def test_variable_distribution_arguments_are_evaluated_like_nnis_literal_eval(code_dir: Path) -> None:
    write_files(code_dir, {"t.py": '"""@nni.variable(nni.quniform(-1, +2.5, (1)), name=x)"""\nx = 0\n'})
    assert generate_search_space(code_dir) == {"t/x/quniform": {"_type": "quniform", "_value": [-1, 2.5, 1]}}


# known answers from astor 0.8.1 (`astor.to_source(node).strip()`), NNI's stringifier
@pytest.mark.parametrize(("written", "astor"), [
    ("f(d={1: 2, 'k': -1})", "f(d={(1): 2, 'k': -1})"),
    ("f(d={a + b: 1})", "f(d={(a + b): 1})"),
    ("f(k=[a + 1 for a in b if a > 2])", "f(k=[(a + 1) for a in b if a > 2])"),
    ("f(k={0: 1 for _ in b})", "f(k={(0): (1) for _ in b})"),
    ("f(k=(a + 1 for a in b))", "f(k=(a + 1 for a in b))"),
    ("f(k=lambda: 1)", "f(k=lambda : 1)"),
    ("f(k=lambda x: x)", "f(k=lambda x: x)"),
    ("f(k=2 ** -2)", "f(k=2 ** -2)"),
    ("f(k=a or b and c or d)", "f(k=a or b and c or d)"),
    ("f(k=(a or b) and c)", "f(k=(a or b) and c)"),
    ("f(k=(1).real)", "f(k=(1).real)"),
    ("f(k=2j)", "f(k=2.0j)"),
    ("f(k=[*(a + b)])", "f(k=[*(a + b)])"),
    ("f(k=sum(a for a in b))", "f(k=sum(a for a in b))"),
    ("f(k=g(x, (a for a in b)))", "f(k=g(x, (a for a in b)))"),
    ("f(act='relu', k=-1, rate=1e-3, s=(1, 2), d=[3,5])", "f(act='relu', k=-1, rate=0.001, s=(1, 2), d=[3, 5])"),
])
def test_layer_choice_strings_match_astor(code_dir: Path, written: str, astor: str) -> None:
    write_files(code_dir, {"t.py": f'"""@nni.mutable_layers({{layer_choice: [{written}], layer_output: y}})"""\n'})
    layer = generate_search_space(code_dir)["t/mutable_block_1"]["_value"]["mutable_layer_0"]
    assert layer["layer_choice"] == [astor]


@pytest.mark.parametrize(("written", "astor"), [
    ("[a or b and c, lambda: x, 2 ** -1, (a := 1)]", ["(a or b and c)", "(lambda : x)", "(2 ** -1)", "(a := 1)"]),
])
def test_top_level_strings_match_astor(code_dir: Path, written: str, astor: list[str]) -> None:
    write_files(code_dir, {"t.py": '"""@nni.mutable_layers({layer_choice: [f()], optional_inputs: ' + written
                                   + ', optional_input_size: 1, layer_output: y})"""\n'})
    layer = generate_search_space(code_dir)["t/mutable_block_1"]["_value"]["mutable_layer_0"]
    assert layer["optional_inputs"] == astor
