"""Bad input through the real CLI: duplicate choices end to end (nni-compat §3), warnings before a failure,
and `nastune trial codegen` choice errors with the file name, the JSON path and the fix."""

# ruff: noqa: E501
from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from nastuners.annotation import expand, generate_search_space
from nastuners.cli.main import main
from nastuners.space import SearchSpace, load_space

from .conftest import write_files

ROOT = Path(__file__).resolve().parents[2]

DUP_TRIAL = '''import nni

def conv(inputs, k):
    return [k, inputs[0], inputs[1]]

def net(a, b, c):
    """@nni.mutable_layers(
    {
        layer_choice: [conv(k=1), conv(k=2), conv(k=1)],
        fixed_inputs: [a],
        optional_inputs: [b, c, b],
        optional_input_size: 1,
        layer_output: out
    }
    )"""
    return out

"""@nni.get_next_parameter()"""
print(net(1, 2, 3))
'''
BLOCK = "trial/mutable_block_15"  # the annotation string ends on line 15

CODEGEN_TRIAL = DUP_TRIAL.replace("conv(k=1), conv(k=2), conv(k=1)", "conv(k=1), conv(k=2)").replace(
    "[b, c, b]", "[b, c]")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_duplicate_choices_compile_validate_encode_and_run(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """An annotated layer repeating a choice and an input: the compiler warns and keeps NNI's JSON, the space
    validates (warning, first occurrences kept), encodes/decodes, and the compiled trial runs the choice."""
    code = write_files(tmp_path / "code", {"trial.py": DUP_TRIAL})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = generate_search_space(code)
    layer = doc[BLOCK]["_value"]["mutable_layer_0"]
    assert layer["layer_choice"] == ["conv(k=1)", "conv(k=2)", "conv(k=1)"]  # NNI's JSON, repeats kept
    space_file = tmp_path / "space.json"
    space_file.write_text(json.dumps(doc))

    code_rc, out, err = run_cli(capsys, "space", "validate", str(space_file))
    assert code_rc == 0 and "ok (1 layers, 4 architectures)" in out
    assert (f'nastune: warning: $["{BLOCK}"]["_value"]["mutable_layer_0"]["layer_choice"][2]: duplicate '
            "layer_choice entry 'conv(k=1)' (same as entry 0)") in err
    assert '["optional_inputs"][2]: duplicate optional_inputs entry \'b\'' in err

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        space = load_space(space_file)
    assert space.layers[0].layer_choice == ("conv(k=1)", "conv(k=2)")
    assert space.layers[0].optional_inputs == ("b", "c")
    docs = [space.decode(v) for v in space.enumerate()]
    assert [space.encode(d) for d in docs] == list(space.enumerate())
    assert len({json.dumps(d, sort_keys=True) for d in docs}) == space.cardinality == 4

    compiled = tmp_path / "compiled"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expand(code, compiled)
    choice = tmp_path / "choice.json"
    for d in docs:
        choice.write_text(json.dumps(d))
        env = {**os.environ, "NASTUNE_PARAMETERS": str(choice), "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, str(compiled / "trial.py")], env=env, capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        chosen = d[BLOCK]["mutable_layer_0"]
        k = int(chosen["chosen_layer"][len("conv(k="):-1])
        inputs = [{"b": 2, "c": 3}[n] for n in chosen["chosen_inputs"]]
        assert done.stdout.strip() == str([k, [1], inputs])


def test_warnings_print_before_the_error_that_stops_the_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """a.py warns, b.py fails: both reach stderr (the warning first), exit 2."""
    code = write_files(tmp_path / "code", {
        "a.py": '"""@nni.mutable_layers({layer_choice: [f(), f()], layer_output: y})"""\n',
        "b.py": '"""@nni.mutable_layers({layer_choice: [f()], optional_input: [x], layer_output: y})"""\n',
    })
    rc, out, err = run_cli(capsys, "space", "generate", str(code))
    assert rc == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == "nastune: warning: a.py:1: layer_choice repeats ['f()']; the repeats share one runtime key"
    assert lines[1].startswith("nastune: error: b.py:1:") and "Unexpected field in mutable layer" in lines[1]


def test_cli_warnings_have_no_python_internals(tmp_path: Path) -> None:
    """A real `nastune` process: `nastune: warning: <JSON path>: ...`, no internal file, class or source line."""
    doc = {"m/b_1": {"_type": "mutable_layer", "_value": {"mutable_layer_0": {
        "layer_choice": ["a()"], "optional_inputs": ["x", "y"], "optional_input_size": 5}}}}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    done = subprocess.run([sys.executable, "-c", "from nastuners.cli.main import entry; entry()",
                           "space", "validate", str(path)], capture_output=True, text=True, timeout=60,
                          check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ('nastune: warning: $["m/b_1"]["_value"]["mutable_layer_0"]: optional_input_size 5 '
                           "exceeds the 2 optional inputs; NNI allowed this (inputs repeat), so choices will "
                           "repeat inputs\n")


LAYER = f'$["{BLOCK}"]["mutable_layer_0"]'


@pytest.mark.parametrize(("choice", "expected"), [
    ({BLOCK: {"mutable_layer_0": {"chosen_layer": "conv(k=2)"}}},
     f"""{LAYER}: missing "chosen_inputs"; add "chosen_inputs": a list of exactly 1 of ['b', 'c']"""),
    ({BLOCK: {"mutable_layer_7": {"chosen_layer": "conv(k=2)", "chosen_inputs": ["b"]}}},
     f"""$["{BLOCK}"]["mutable_layer_7"]: block '{BLOCK}' has no layer "mutable_layer_7"; did you mean """
     "'mutable_layer_0'? its layer ids: ['mutable_layer_0']; rename or remove it"),
    ({BLOCK: {"mutable_layer_0": {"chosen_layer": "conv(k=2)", "chosen_inputs": ["b"], "chosen_input": []}}},
     f"""{LAYER}["chosen_input"]: unexpected key "chosen_input"; did you mean 'chosen_inputs'? a layer """
     """choice has only "chosen_layer" and "chosen_inputs": rename or remove it"""),
    ([1], "$: a choice must be a JSON object (--phase -1 of the 1 in the file), got int 1; expected {"),
    ({f"{BLOCK}x": {}}, f'$["{BLOCK}x"]: block \'{BLOCK}x\' is not in the current code'),
])
def test_codegen_choice_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], choice: Any,
                               expected: str) -> None:
    """Exit 2; the choice file's name, the JSON path, what was expected and the fix; nothing written."""
    code = write_files(tmp_path / "code", {"trial.py": CODEGEN_TRIAL})
    path = tmp_path / "my_choice.json"
    path.write_text(json.dumps(choice))
    rc, out, err = run_cli(capsys, "trial", "codegen", "--code-dir", str(code), "--choice", str(path),
                           "-o", str(tmp_path / "out"))
    assert rc == 2 and out == ""
    assert err.startswith(f"nastune: error: {path}: invalid choice ("), err
    assert f"  - {expected}" in err
    assert not (tmp_path / "out").exists()


def test_codegen_layer_errors_name_the_choice_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Converted documents are checked layer by layer while generating: the error still names the file."""
    code = write_files(tmp_path / "code", {"trial.py": CODEGEN_TRIAL})
    p = f"_mutable_layer/{BLOCK}/mutable_layer_0"
    path = tmp_path / "conv.json"
    path.write_text(json.dumps({f"{p}/layer_choice": "conv(k=9)", f"{p}/optional_input_size": 1,
                                f"{p}/optional_input_chosen_state": 0}))
    rc, _, err = run_cli(capsys, "trial", "codegen", "--code-dir", str(code), "--choice", str(path),
                         "-o", str(tmp_path / "out"))
    assert rc == 2
    assert err.startswith(f"nastune: error: {path}: invalid choice (1 problem):\n")
    assert f"{BLOCK}/mutable_layer_0: chosen_layer 'conv(k=9)' is not one of ['conv(k=1)', 'conv(k=2)']" in err


def test_codegen_accepts_the_good_choice(tmp_path: Path) -> None:
    code = write_files(tmp_path / "code", {"trial.py": CODEGEN_TRIAL})
    space = SearchSpace.from_json(generate_search_space(code))
    path = tmp_path / "c.json"
    path.write_text(json.dumps(space.decode((1, 1))))
    assert main(["trial", "codegen", "--code-dir", str(code), "--choice", str(path), "-o",
                 str(tmp_path / "out")]) == 0
    assert "out = conv([[a], [c]], k=2)" in (tmp_path / "out" / "trial.py").read_text()
