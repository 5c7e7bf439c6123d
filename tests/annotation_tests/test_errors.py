"""Validation errors (nni-compat §4, §16.2): each rule gives its message with ``path:line:col``, never a traceback."""
# ruff: noqa: E501

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from nastuners.annotation import AnnotationWarning, generate_search_space
from nastuners.exceptions import AnnotationError

from .conftest import write_files

BASE = '''def f(inputs, k=1):
    return inputs

def build(x, a, b):
    """@nni.mutable_layers(
    {
        layer_choice: [f(k=1), f(k=2)],
        fixed_inputs: [x],
        optional_inputs: [a, b],
        optional_input_size: 1,
        layer_output: y
    }
    )"""
    return y
'''


def _with(line: int, new: str | None) -> str:
    lines = BASE.splitlines(keepends=True)
    if new is None:
        del lines[line - 1]
    else:
        lines[line - 1] = new + "\n"
    return "".join(lines)


def _error(code_dir: Path, source: str) -> AnnotationError:
    write_files(code_dir, {"e.py": source})
    with pytest.raises(AnnotationError) as info:
        generate_search_space(code_dir)
    return info.value


def test_base_file_is_valid(code_dir: Path) -> None:
    """The base file compiles to block e/mutable_block_13."""
    write_files(code_dir, {"e.py": BASE})
    assert list(generate_search_space(code_dir)) == ["e/mutable_block_13"]


CASES = [
    ("E-1", 7, "        layer_choice: [f(3), f(k=2)],", 7, "Number of args without keyword should be zero"),
    ("E-2", 7, "        layer_choice: [f, f(k=2)],", 7, "Element in layer_choice should be function call"),
    ("E-3", 11, None, 6, "layer_output must exist"),
    ("E-4", 10, None, 6, "optional_input_size must exist when optional_inputs exists"),
    ("E-5", 10, "        optional_input_size: (0, 1),", 10, "Value of optional_input_size should be a number or list"),
    ("E-5b", 10, "        optional_input_size: -1,", 10, "Value of optional_input_size should be a number or list"),
    ("E-5c", 10, "        optional_input_size: '1',", 10, "Value of optional_input_size should be a number or list"),
    ("E-6", 11, "        layer_output: self.y", 11, "Value of layer_output should be ast.Name type"),
    ("E-7", 8, "        fixed_inputs: x,", 8, "Value of fixed_inputs should be a list"),
    ("E-8", 8, "        inputs: [x],", 8, "Unexpected field in mutable layer"),
    ("E-9", 8, "        layer_choice: [f(k=3)],", 8, "Duplicated field: layer_choice"),
    ("E-10", 5, '    """@nni.mutable_layer(', 5, "Unexpected annotation function"),
    ("E-11", 9, "        optional_inputs: a,", 9, "Value of optional_inputs should be a list"),
    ("E-12", 7, "        'layer_choice': [f(k=1), f(k=2)],", 7,
     "Field name should be a bare identifier, not a string: 'layer_choice'"),
    ("E-13", 7, "        layer_choice: [],", 7, "layer_choice should not be empty"),
    ("E-14", 10, "        optional_input_size: [2, 1],", 10,
     "optional_input_size range should be [lo, hi] with 0 <= lo <= hi"),
    ("E-14b", 10, "        optional_input_size: [1],", 10, "optional_input_size range should be [lo, hi]"),
    ("E-14c", 10, "        optional_input_size: [0, -1],", 10, "optional_input_size range should be [lo, hi]"),
    ("E-14d", 10, "        optional_input_size: [0, 1.5],", 10, "optional_input_size range should be [lo, hi]"),
    ("E-15", 5, '    """@nni.mutable_layers(f(k=1),', 5, "Argument of mutable_layers should be a dict literal"),
    ("V7", 7, "        layer_choice: [f(*a), f(k=2)],", 7, "Number of args without keyword should be zero"),
    ("V22", 7, "        layer_choice: [f(**a), f(k=2)],", 7, "Keyword arguments in layer_choice should be named"),
    ("V5", 7, "        layer_choice: f(k=1),", 7, "Value of layer_choice should be a list"),
]


@pytest.mark.parametrize(("case", "line", "new", "want_line", "message"), CASES, ids=[c[0] for c in CASES])
def test_error_case(code_dir: Path, case: str, line: int, new: str | None, want_line: int, message: str) -> None:
    """Each §16.2 change fails with `e.py:<line>:<col>: <message>` and shows the offending text."""
    err = _error(code_dir, _with(line, new))
    assert message in str(err)
    assert str(err).startswith(f"e.py:{want_line}:")
    assert (err.path, err.line) == ("e.py", want_line)
    assert err.text  # the offending source is shown
    if new is not None:
        assert err.text.strip() in new or new.strip().startswith(err.text.strip())


def test_error_columns_point_at_the_element(code_dir: Path) -> None:
    """The column is 1-based and points at the offending element, on the annotation's first line too."""
    err = _error(code_dir, _with(7, "        layer_choice: [f(k=1), f(3)],"))
    assert (err.line, err.col, err.text) == (7, 32, "f(3)")
    err = _error(code_dir, _with(5, '    """@nni.mutable_layers(f(k=1),'))
    assert (err.line, err.col, err.text) == (5, 28, "f(k=1)")


def test_singular_mutable_layer_hint(code_dir: Path) -> None:
    """`@nni.mutable_layer` (singular) is V3 with a did-you-mean hint."""
    err = _error(code_dir, _with(5, '    """@nni.mutable_layer('))
    assert "did you mean nni.mutable_layers?" in str(err)


def test_e16_leading_newline_is_not_an_annotation(code_dir: Path) -> None:
    """E-16: a string starting with a newline is no annotation: a warning, then V25 (empty space)."""
    lines = BASE.splitlines(keepends=True)
    lines[4:5] = ['    """\n', "    @nni.mutable_layers(\n"]
    write_files(code_dir, {"e.py": "".join(lines)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(AnnotationError, match="Generated search space is empty"):
            generate_search_space(code_dir)
        assert generate_search_space(code_dir, allow_empty=True) == {}
    near = [w for w in caught if issubclass(w.category, AnnotationWarning)]
    assert near and "e.py:5:" in str(near[0].message) and "NOT compiled" in str(near[0].message)


@pytest.mark.parametrize(("annotation", "message"), [
    ('"""@nni.mutable_layers({layer_choice: [f()], layer_output: y}); x = 1"""',
     "Annotation mutable_layers contains more than one expression"),
    ('"""@nni.report_final_result(1)\nnni.report_final_result(2)"""', "Annotation contains more than one expression"),
    ('"""@nni.x = 1"""', "Annotation is not expression"),
    ('"""@nni.report_final_results(1)"""', "Unexpected annotation function"),
    ('"""@nni.foo.bar(1)"""', "Unexpected annotation function"),
    ('"""@nni.report_final_result"""', "Unexpected annotation function"),
    ('"""@nni.report_final_result(1"""', "Bad Python code in annotation"),
])
def test_whole_annotation_errors(code_dir: Path, annotation: str, message: str) -> None:
    """V1, V2, V3 and unparsable annotation text report a line of the annotation."""
    err = _error(code_dir, "x = 0\n" + annotation + "\n")
    assert message in str(err) and 2 <= err.line <= 1 + annotation.count("\n") + 1


@pytest.mark.parametrize(("source", "message", "line"), [
    ('"""@nni.variable(nni.choice(1, 2), name=a)"""\n"""@nni.report_final_result(1)"""\n',
     "Annotating an annotation", 2),
    ('def f():\n    """@nni.variable(nni.choice(1, 2), name=a)"""\n', "Annotation has no target", 2),
    ('"""@nni.variable(nni.choice(1, 2), name=a)"""\nprint(a)\n',
     "nni.variable is not annotating assignment expression", 2),
    ('"""@nni.variable(nni.choice(1, 2), name=a)"""\nb = 1\n', "Annotated variable has wrong name", 2),
    ('"""@nni.variable(nni.choice(1, 2), nom=a)"""\na = 1\n', 'Annotation keyword argument is not "name"', 1),
    ('"""@nni.variable(nni.choice(1, 2))"""\na = 1\n', 'Annotation keyword argument is not "name"', 1),
    ('"""@nni.variable(1, name=a)"""\na = 1\n', "Value of nni.variable is not a function call", 1),
    ('"""@nni.variable(foo.choice(1), name=a)"""\na = 1\n', "nni.variable value is not a NNI function", 1),
    ('"""@nni.variable(nni.uniform(x, 1), name=a)"""\na = 1\n', "arguments must be number literals", 1),
    ('"""@nni.function_choice(name=h)"""\nh = f()\n', "nni.function_choice needs its options", 1),
    ('"""@nni.variable(nni.choice(1, 2), name=a)"""\na = 1\n'
     '"""@nni.variable(nni.choice(1, 3), name=a)"""\na = 1\n', "Different smart parameters have same name", 3),
])
def test_variable_and_function_choice_errors(code_dir: Path, source: str, message: str, line: int) -> None:
    """V16–V18 and the smart-parameter rules."""
    err = _error(code_dir, source)
    assert message in str(err) and err.line == line


def test_unparsable_file_with_annotation_is_v24(code_dir: Path) -> None:
    """V24: a .py file that does not parse and mentions @nni. is an error with the syntax error's position."""
    err = _error(code_dir, 'x = (\n"""@nni.report_final_result(1)"""\n')
    assert "Bad Python code" in str(err) and err.path == "e.py"


def test_unparsable_file_without_annotation_is_copied_with_warning(code_dir: Path) -> None:
    """A broken .py file without annotations (a template, Python 2 code) only warns."""
    write_files(code_dir, {"py2.py": "import nni\nprint 'hello'\n",
                           "ok.py": '"""@nni.variable(nni.choice(1, 2), name=a)"""\na = 1\n'})
    with pytest.warns(AnnotationWarning, match="py2.py"):
        assert generate_search_space(code_dir) == {"ok/a/choice": {"_type": "choice", "_value": [1, 2]}}
