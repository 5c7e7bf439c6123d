"""Search-space generation (nni-compat §5–§7): AC-1…AC-9 against NNI 1.1's output, and the rules behind them."""

# ruff: noqa: E501

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from nastuners.annotation import AnnotationWarning, generate_search_space
from nastuners.cli.main import main

from .cases import CASES
from .conftest import write_files


@pytest.mark.parametrize("case", sorted(CASES))
def test_acceptance_case_space(code_dir: Path, case: str) -> None:
    """AC-1…AC-9: the generated space equals NNI's (as a dict)."""
    files, expected = CASES[case]
    write_files(code_dir, files)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AnnotationWarning)
        assert generate_search_space(code_dir) == expected


def test_ac8_warns_about_both_normalisations(code_dir: Path) -> None:
    """AC-8: NNI was silent; we emit the same JSON plus two warnings."""
    write_files(code_dir, CASES["AC-8"][0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        generate_search_space(code_dir)
    messages = [str(w.message) for w in caught if issubclass(w.category, AnnotationWarning)]
    assert len(messages) == 2
    assert "trial.py:9:" in messages[0] and "ignored" in messages[0]
    assert "trial.py:15:" in messages[1] and "[0, 2]" in messages[1]


def _layer(code_dir: Path, body: str) -> dict:
    write_files(code_dir, {"t.py": '"""@nni.mutable_layers(' + body + ')"""\n'})
    space = generate_search_space(code_dir)
    return space["t/mutable_block_1"]["_value"]["mutable_layer_0"]


@pytest.mark.parametrize(("inputs", "expected"), [
    ("[a + b, -x, not y, a if b else c]", ["(a + b)", "(-x)", "(not y)", "(a if b else c)"]),
    ("[a < b, a and b, x ** 2]", ["(a < b)", "(a and b)", "(x ** 2)"]),
    ("[x[0], x.y, f(x), (a, b), [a, b], x[1:2]]", ["x[0]", "x.y", "f(x)", "(a, b)", "[a, b]", "x[1:2]"]),
    ("[1, 2.5, 'x', True]", ["(1)", "(2.5)", "'x'", "True"]),
])
def test_top_level_operator_expressions_get_astor_parentheses(code_dir: Path, inputs: str,
                                                               expected: list[str]) -> None:
    """astor wrapped a top-level operator expression (and a number) in parentheses; ast.unparse does not."""
    layer = _layer(code_dir, f"{{layer_choice: [f()], optional_inputs: {inputs}, optional_input_size: 1, "
                             "layer_output: y}")
    assert layer["optional_inputs"] == expected


def test_choice_strings_inside_calls_are_not_wrapped(code_dir: Path) -> None:
    """Operator expressions inside a call keep ast.unparse's (= astor's) text."""
    layer = _layer(code_dir, "{layer_choice: [f(a=x+1, b=-1, c=(a+b)*c, d=a<b<c, e={'k': [1,2]})], "
                             "layer_output: y}")
    assert layer["layer_choice"] == ["f(a=x + 1, b=-1, c=(a + b) * c, d=a < b < c, e={'k': [1, 2]})"]


def test_block_id_is_the_end_line_and_module_is_dotted(code_dir: Path) -> None:
    """`<module>/mutable_block_<end line>`; sub-packages and __init__ give dotted module names."""
    annotation = '"""@nni.mutable_layers(\n{layer_choice: [f()],\nlayer_output: y}\n)"""\n'
    write_files(code_dir, {"a/b/__init__.py": "\n" + annotation, "a/c.py": annotation, "z.py": annotation})
    assert sorted(generate_search_space(code_dir)) == [
        "a.b.__init__/mutable_block_5", "a.c/mutable_block_4", "z/mutable_block_4"]


def test_empty_optional_inputs_keep_the_written_size(code_dir: Path) -> None:
    """`optional_inputs: []` is written, so NNI kept the written size; no inputs written gives 0."""
    with pytest.warns(AnnotationWarning, match="optional_inputs is empty"):
        layer = _layer(code_dir, "{layer_choice: [f()], optional_inputs: [], optional_input_size: [0, 1], "
                                 "layer_output: y}")
    assert layer == {"layer_choice": ["f()"], "optional_inputs": [], "optional_input_size": [0, 1]}


def test_duplicates_and_mutable_layers_keywords_are_kept_with_warnings(code_dir: Path) -> None:
    """Duplicate choices stay in the JSON; keyword arguments of mutable_layers are ignored; both warn."""
    with pytest.warns(AnnotationWarning) as record:
        layer = _layer(code_dir, "{layer_choice: [f(), f()], optional_inputs: [a, a], optional_input_size: 3, "
                                 "layer_output: y}, name='x'")
    assert layer == {"layer_choice": ["f()", "f()"], "optional_inputs": ["a", "a"], "optional_input_size": 3}
    text = " ".join(str(w.message) for w in record)
    assert "ignored" in text and "repeats" in text and "only 2 are declared" in text


def test_variable_and_function_choice_entries(code_dir: Path) -> None:
    """@nni.variable maps to `<module>/<name>/<func>`; function_choice to a `choice` of source strings."""
    write_files(code_dir, {"m.py": (
        '"""@nni.variable(nni.choice(0.1, \'adam\', x + 1, -1, None), name=opt)"""\nopt = 0\n'
        '"""@nni.variable(nni.uniform(-0.5, 2), name=self.lr)"""\nself.lr = 0\n'
        '"""@nni.function_choice(max_pool(h), avg_pool(h, k=2), name=pool)"""\nh = max_pool(h)\n')})
    assert generate_search_space(code_dir) == {
        "m/opt/choice": {"_type": "choice", "_value": [0.1, "adam", "(x + 1)", "(-1)", "None"]},
        "m/self.lr/uniform": {"_type": "uniform", "_value": [-0.5, 2]},
        "m/pool/function_choice": {"_type": "choice", "_value": ["max_pool(h)", "avg_pool(h, k=2)"]},
    }


def test_annotations_everywhere_statements_may_appear(code_dir: Path) -> None:
    """Module level, methods, nested blocks, try/except/with and match bodies are all searched."""
    ann = '"""@nni.mutable_layers({layer_choice: [f()], layer_output: y})"""'
    source = (f"{ann}\nclass A:\n    def m(self):\n        if x:\n            pass\n        else:\n"
              f"            for i in r:\n                {ann}\n"
              f"try:\n    {ann}\nexcept E:\n    {ann}\nfinally:\n    {ann}\n"
              f"with c:\n    {ann}\nmatch v:\n    case 1:\n        {ann}\n")
    write_files(code_dir, {"t.py": source})
    lines = sorted(int(k.rsplit("_", 1)[1]) for k in generate_search_space(code_dir))
    assert lines == [1, 8, 10, 12, 14, 16, 19]


def test_skips_caches_vcs_and_virtualenvs(code_dir: Path) -> None:
    """__pycache__, .git and folders holding pyvenv.cfg are not searched."""
    ann = '"""@nni.mutable_layers({layer_choice: [f()], layer_output: y})"""\n'
    write_files(code_dir, {"t.py": ann, ".git/x.py": ann, "env/pyvenv.cfg": "", "env/lib/y.py": ann})
    assert list(generate_search_space(code_dir)) == ["t/mutable_block_1"]


def test_cli_space_generate(code_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`nastune space generate CODE_DIR [-o FILE]` prints or writes the JSON; errors exit 2."""
    files, expected = CASES["AC-5"]
    write_files(code_dir, files)
    assert main(["space", "generate", str(code_dir)]) == 0
    assert json.loads(capsys.readouterr().out) == expected
    out = tmp_path / "space.json"
    assert main(["space", "generate", str(code_dir), "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == expected
    (code_dir / "bad.py").write_text('"""@nni.mutable_layers({layer_choice: [f], layer_output: y})"""\n')
    assert main(["space", "generate", str(code_dir)]) == 2
    assert "bad.py:1:" in capsys.readouterr().err
