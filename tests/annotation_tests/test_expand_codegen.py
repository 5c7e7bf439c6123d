"""Code expansion (nni-compat §9) and `trial codegen` (§13.2): the companion expectations of §16.1, run for real."""

# ruff: noqa: E501
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nastuners.annotation import codegen, expand
from nastuners.cli.main import main
from nastuners.exceptions import AnnotationError, ChoiceError

from .cases import CASES
from .conftest import write_files

AC1_CALL = ("out = nni.mutable_layer('trial/mutable_block_16', 'mutable_layer_0', {'conv(ch=128)': conv, "
            "'conv(ch=256)': conv, 'pool()': pool}, {'conv(ch=128)': {'ch': 128}, 'conv(ch=256)': {'ch': 256}, "
            "'pool()': {}}, [image], {}, 0, 'classic_mode')")
AC4_FUNCS = ("{'conv3()': conv3, 'conv5()': conv5, 'max_pool()': max_pool}, "
             "{'conv3()': {}, 'conv5()': {}, 'max_pool()': {}}")


def _expand(code_dir: Path, tmp_path: Path, case: str, mode: str = "classic_mode") -> str:
    write_files(code_dir, CASES[case][0])
    out = tmp_path / f"out_{mode}"
    expand(code_dir, out, nas_mode=mode)
    return (out / "trial.py").read_text()


def test_ac1_compiled_call_and_import(code_dir: Path, tmp_path: Path) -> None:
    """AC-1: the exact compiled call; `import nni` becomes `import trial_runtime as nni` (once)."""
    text = _expand(code_dir, tmp_path, "AC-1")
    assert f"    {AC1_CALL}\n    return out\n" in text
    assert text.startswith("import trial_runtime as nni\n\ndef conv(inputs, ch=64):\n")
    assert text.count("import trial_runtime as nni") == 1 and "import nni" not in text.replace("as nni", "")


def test_ac4_classic_and_enas(code_dir: Path, tmp_path: Path) -> None:
    """AC-4: two layers in order; enas_mode ends with `'enas_mode', tensorflow)` and imports tensorflow."""
    text = _expand(code_dir, tmp_path, "AC-4")
    assert (f"    l0 = nni.mutable_layer('trial/mutable_block_24', 'mutable_layer_0', {AC4_FUNCS}, [x], {{}}, 0, 'classic_mode')\n"
            f"    l1 = nni.mutable_layer('trial/mutable_block_24', 'mutable_layer_1', {AC4_FUNCS}, [l0], {{'x': x, 'l0': l0}}, [0, 1], 'classic_mode')\n") in text
    enas = _expand(code_dir, tmp_path, "AC-4", "enas_mode")
    assert "[l0], {'x': x, 'l0': l0}, [0, 1], 'enas_mode', tensorflow)" in enas
    assert enas.startswith("import tensorflow\nimport trial_runtime as nni\n")


def test_ac7_and_ac9_compiled_forms(code_dir: Path, tmp_path: Path) -> None:
    """AC-7 passes attribute/subscript inputs keyed by their source; AC-9 compiles the variable to nni.choice."""
    assert "{'self.stem': self.stem, 'outs[0]': outs[0], 'outs[1]': outs[1]}, 1, 'classic_mode')" in _expand(
        code_dir, tmp_path, "AC-7")
    text = _expand(tmp_path / "c9", tmp_path / "o9", "AC-9")
    assert "    lr = nni.choice({0.1: 0.1, 0.01: 0.01}, name='lr', key='trial/lr/choice')\n" in text
    assert "    nni.report_final_result(lr)\n" in text and "@nni" not in text


def test_formatting_and_comments_survive(code_dir: Path, tmp_path: Path) -> None:
    """Only annotation statements are rewritten: comments, blank lines, odd spacing and other files stay."""
    source = ('#!/usr/bin/env python\n"""Doc."""\nfrom __future__ import annotations\n'
              "x = [1,2]   # odd spacing\n\n\ndef f( a ):\n    # comment\n"
              '    """@nni.report_intermediate_result(a)"""  # trailing\n'
              '    if a: """@nni.report_final_result(a)"""\n    return a\n')
    write_files(code_dir, {"t.py": source, "data/cfg.yml": "a: 1\n", "plain.py": "print( 1 )\n"})
    out = tmp_path / "out"
    expand(code_dir, out)
    assert (out / "t.py").read_text() == (
        '#!/usr/bin/env python\n"""Doc."""\nfrom __future__ import annotations\nimport trial_runtime as nni\n'
        "x = [1,2]   # odd spacing\n\n\ndef f( a ):\n    # comment\n"
        "    nni.report_intermediate_result(a)  # trailing\n"
        "    if a: nni.report_final_result(a)\n    return a\n")
    assert (out / "data/cfg.yml").read_text() == "a: 1\n" and (out / "plain.py").read_text() == "print( 1 )\n"


def test_user_directory_is_never_written_and_bad_targets_refused(code_dir: Path, tmp_path: Path) -> None:
    """The code dir is untouched; a target inside it, equal to it, or non-empty is refused."""
    files = CASES["AC-5"][0]
    write_files(code_dir, files)
    before = {p: p.read_bytes() for p in code_dir.rglob("*") if p.is_file()}
    for target in (code_dir, code_dir / "out", code_dir / "pkg"):
        with pytest.raises(AnnotationError, match="inside the code directory"):
            expand(code_dir, target)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    with pytest.raises(AnnotationError, match="not empty"):
        expand(code_dir, tmp_path / "full")
    expand(code_dir, tmp_path / "ok")
    assert {p: p.read_bytes() for p in code_dir.rglob("*") if p.is_file()} == before
    assert (tmp_path / "ok/pkg/sub/cell.py").exists()


def _run(script: Path, env_extra: dict[str, str], *, isolated: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NASTUNE_")}
    env.update(env_extra)
    args = [sys.executable, "-I", "-S", str(script)] if isolated else [sys.executable, str(script)]
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=script.parent, timeout=60, check=False)


RUN_AC1 = CASES["AC-1"][0]["trial.py"] + "\nimport json\nprint(json.dumps(build('img')))\n"


def test_compiled_trial_runs_standalone_with_parameters(code_dir: Path, tmp_path: Path) -> None:
    """`NASTUNE_PARAMETERS=choice.json python OUT/trial.py` runs the chosen op; without it, a clear error."""
    write_files(code_dir, {"trial.py": RUN_AC1})
    expand(code_dir, tmp_path / "out")
    choice = tmp_path / "choice.json"
    choice.write_text(json.dumps({"trial/mutable_block_16": {"mutable_layer_0": {"chosen_layer": "conv(ch=256)", "chosen_inputs": []}}}))
    done = _run(tmp_path / "out/trial.py", {"NASTUNE_PARAMETERS": str(choice)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["conv", 256, [["img"], []]]
    done = _run(tmp_path / "out/trial.py", {})
    assert done.returncode != 0 and "NASTUNE_PARAMETERS=choice.json python trial.py" in done.stderr
    assert "Cannot call nni.mutable_layer in this mode" in done.stderr
    choice.write_text(json.dumps({"trial/mutable_block_16": {"mutable_layer_0": {"chosen_layer": "conv(ch=512)", "chosen_inputs": []}}}))
    done = _run(tmp_path / "out/trial.py", {"NASTUNE_PARAMETERS": str(choice)})
    assert "trial/mutable_block_16/mutable_layer_0: chosen_layer 'conv(ch=512)' is not one of ['conv(ch=128)', 'conv(ch=256)', 'pool()']" in done.stderr


def test_codegen_ac1_ac4_ac9(tmp_path: Path) -> None:
    """§16.1 codegen lines, from native parameters."""
    cases = {
        "AC-1": ({"trial/mutable_block_16": {"mutable_layer_0": {"chosen_layer": "conv(ch=256)", "chosen_inputs": []}}},
                 ["    out = conv([[image], []], ch=256)\n"]),
        "AC-4": ({"trial/mutable_block_24": {"mutable_layer_0": {"chosen_layer": "conv5()", "chosen_inputs": []},
                                             "mutable_layer_1": {"chosen_layer": "max_pool()", "chosen_inputs": ["x"]}}},
                 ["    l0 = conv5([[x], []])\n    l1 = max_pool([[l0], [x]])\n"]),
        "AC-9": ({"trial/lr/choice": 0.01, "trial/mutable_block_13": {"mutable_layer_0": {"chosen_layer": "conv(k=5)", "chosen_inputs": []}}},
                 ["    lr = 0.01\n", "    y = conv([[x], []], k=5)\n", "    print('nni.report_final_result: ', lr)\n"]),
    }
    for case, (params, lines) in cases.items():
        code = write_files(tmp_path / case, CASES[case][0])
        out = codegen(code, params, tmp_path / f"{case}_out")
        text = (out / "trial.py").read_text()
        for line in lines:
            assert line in text, (case, text)
        assert "nni" not in text.replace("nni.report_final_result: ", "")


def test_codegen_from_converted_parameters_and_file(tmp_path: Path) -> None:
    """Converted format (AC-2: size 2, state 5 → out2, out1), from a JSON Lines file (last phase by default)."""
    code = write_files(tmp_path / "c", CASES["AC-2"][0])
    p = "_mutable_layer/trial/mutable_block_13/mutable_layer_0"
    first = {f"{p}/layer_choice": "concat()", f"{p}/optional_input_size": 2, f"{p}/optional_input_chosen_state": 0}
    last = dict(first, **{f"{p}/optional_input_chosen_state": 5})
    choice = tmp_path / "choice.jsonl"
    choice.write_text(json.dumps({"parameter_id": 0, "parameters": first}) + "\n" + json.dumps(last) + "\n")
    text = (codegen(code, choice, tmp_path / "o") / "trial.py").read_text()
    assert "    cat_out = concat([[out3], [out2, out1]])\n" in text
    text = (codegen(code, choice, tmp_path / "o0", phase=0) / "trial.py").read_text()
    assert "    cat_out = concat([[out3], [out0, out0]])\n" in text


def test_codegen_rejects_stale_and_bad_choices(tmp_path: Path) -> None:
    """A block id not in the current code (code changed) and an unknown op are reported, nothing written."""
    code = write_files(tmp_path / "c", CASES["AC-1"][0])
    stale = {"trial/mutable_block_15": {"mutable_layer_0": {"chosen_layer": "pool()", "chosen_inputs": []}}}
    with pytest.raises(ChoiceError, match=r"mutable_block_15.*not in the current code"):
        codegen(code, stale, tmp_path / "o1")
    bad = {"trial/mutable_block_16": {"mutable_layer_0": {"chosen_layer": "conv(ch=512)", "chosen_inputs": []}}}
    with pytest.raises(ChoiceError, match=r'\["mutable_layer_0"\]\["chosen_layer"\]: chosen_layer "conv\(ch=512\)" '
                                          r"is not one of \['conv\(ch=128\)'"):
        codegen(code, bad, tmp_path / "o2")
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()


def test_codegen_output_runs_without_nastune(code_dir: Path, tmp_path: Path) -> None:
    """The standalone copy runs with `python -I -S` (no site-packages: neither nni nor nastune importable)."""
    source = RUN_AC1 + '"""@nni.report_final_result(0.5)"""\n"""@nni.training_update(tf=None)"""\n"""@nni.get_next_parameter()"""\n'
    write_files(code_dir, {"trial.py": source})
    choice = {"trial/mutable_block_16": {"mutable_layer_0": {"chosen_layer": "pool()", "chosen_inputs": []}}}
    out = codegen(code_dir, choice, tmp_path / "out")
    done = _run(out / "trial.py", {}, isolated=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ['["pool", [["img"], []]]', "nni.report_final_result:  0.5",
                                        "Training update here...", "Get next parameter here..."]


def test_cli_annotate_and_codegen(code_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`nastune annotate` and `nastune trial codegen --code-dir --choice -o`; EXP without -T is a usage error."""
    write_files(code_dir, CASES["AC-1"][0])
    assert main(["annotate", str(code_dir), "-o", str(tmp_path / "a"), "--nas-mode", "darts_mode",
                 "--search-space", str(tmp_path / "s.json")]) == 0
    assert "'darts_mode', tensorflow)" in (tmp_path / "a/trial.py").read_text()
    assert list(json.loads((tmp_path / "s.json").read_text())) == ["trial/mutable_block_16"]
    choice = tmp_path / "c.json"
    choice.write_text(json.dumps({"trial/mutable_block_16": {"mutable_layer_0": {"chosen_layer": "pool()", "chosen_inputs": []}}}))
    assert main(["trial", "codegen", "--code-dir", str(code_dir), "--choice", str(choice), "-o", str(tmp_path / "g")]) == 0
    assert "    out = pool([[image], []])\n" in (tmp_path / "g/trial.py").read_text()
    assert main(["trial", "codegen", "exp1"]) == 2
    assert "--trial-id" in capsys.readouterr().err


def test_cli_unwritable_space_file_is_refused_before_any_output(code_dir: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`annotate --search-space` / `space generate -o` into a missing folder or onto a directory: exit 2 with
    the flag and the fix, and the compiled directory is not created (nothing half-written)."""
    write_files(code_dir, CASES["AC-1"][0])
    out = tmp_path / "a"
    assert main(["annotate", str(code_dir), "-o", str(out), "--search-space", str(tmp_path / "no/such/s.json")]) == 2
    err = capsys.readouterr().err
    assert "--search-space" in err and "does not exist; create it first" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["space", "generate", str(code_dir), "-o", str(tmp_path)]) == 2
    assert "is a directory; give a file name" in capsys.readouterr().err
    assert main(["space", "generate", str(code_dir), "-o", str(tmp_path / "s.json")]) == 0
    assert list(json.loads((tmp_path / "s.json").read_text())) == ["trial/mutable_block_16"]
