"""Parse and validate one annotation string (nni-compat §2–§4); every error carries ``file:line:col``.

NNI's messages are kept verbatim (tests match substrings), sometimes followed by a hint.
"""

from __future__ import annotations

import ast
import numbers
import warnings
from typing import NoReturn

from ..exceptions import AnnotationError
from ._model import ANNOTATIONS, DISTRIBUTIONS, Annotation, LayerSpec, Op
from ._source import AnnotationWarning, char_col, normalised, option_key, quote_width

__all__ = ["AnnotationWarning", "Locator", "parse"]

_FIELDS = ("layer_choice", "fixed_inputs", "optional_inputs", "optional_input_size", "layer_output")


class Locator:
    """Maps positions in an annotation's text to ``path:line:col`` in its file."""

    def __init__(self, path: str, lines: list[str], stmt: ast.Expr, text: str) -> None:
        self.path = path
        self.value = stmt.value
        self.text = text
        first = lines[self.value.lineno - 1]
        col = char_col(first, self.value.col_offset)
        self.first_col = col + quote_width(first, col) + 1  # + 1: the '@' dropped from the text
        self.text_lines = text.splitlines() or [""]

    def where(self, node: ast.AST | None) -> tuple[int, int, str]:
        """``(file line, 1-based column, offending text)`` of ``node`` (the whole annotation for ``None``)."""
        if node is None or not hasattr(node, "lineno") or not hasattr(node, "col_offset"):
            return self.value.lineno, self.first_col, self.text_lines[0]
        text_line = node.lineno
        raw = self.text_lines[text_line - 1] if text_line <= len(self.text_lines) else ""
        tcol = char_col(raw, node.col_offset)
        line = min(self.value.lineno + text_line - 1, self.value.end_lineno or self.value.lineno)
        col = (self.first_col + tcol if text_line == 1 else tcol) + 1
        segment = ast.get_source_segment(self.text, node) or raw
        return line, col, segment.splitlines()[0] if segment else raw

    def error(self, message: str, node: ast.AST | None = None) -> AnnotationError:
        line, col, text = self.where(node)
        return AnnotationError(message, path=self.path, line=line, col=col, text=text)

    def fail(self, message: str, node: ast.AST | None = None) -> NoReturn:
        raise self.error(message, node) from None

    def warn(self, message: str, node: ast.AST | None = None) -> None:
        line, _col, _text = self.where(node)
        warnings.warn(AnnotationWarning(f"{self.path}:{line}: {message}"), stacklevel=2)


def _nni_func(node: ast.AST) -> str | None:
    """``<name>`` when ``node`` is a call ``nni.<name>(...)``, else ``None``."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "nni"):
        return node.func.attr
    return None


def parse(stmt: ast.Expr, loc: Locator, module: str) -> Annotation:
    """Parse the annotation in ``stmt`` (its string starts with ``@nni.``)."""
    text = loc.text
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        bad = ast.Constant(0)
        bad.lineno, bad.col_offset = exc.lineno or 1, max((exc.offset or 1) - 1, 0)
        loc.fail(f"Bad Python code in annotation: {exc.msg}", bad)
    first = tree.body[0] if tree.body else None
    if len(tree.body) != 1:
        plural = ((isinstance(first, ast.Expr) and _nni_func(first.value) == "mutable_layers")
                  or text.startswith("nni.mutable_layers"))
        what = "Annotation mutable_layers contains" if plural else "Annotation contains"
        loc.fail(f"{what} more than one expression", tree.body[1] if len(tree.body) > 1 else None)
    if not isinstance(first, ast.Expr):
        loc.fail("Annotation is not expression", first)
    call = first.value
    if not isinstance(call, ast.Call) or (name := _nni_func(call)) is None:
        loc.fail("Unexpected annotation function: expected a call nni.<name>(...) with <name> one of "
                        + ", ".join(ANNOTATIONS), call)
    if name not in ANNOTATIONS:
        hint = " (did you mean nni.mutable_layers?)" if name == "mutable_layer" else (
            f" (expected one of {', '.join(ANNOTATIONS)})")
        loc.fail(f"Unexpected annotation function: nni.{name}{hint}", call.func)
    ann = Annotation(name=name, stmt=stmt, call=call)
    if name == "mutable_layers":
        ann.block_id = f"{module}/mutable_block_{stmt.end_lineno}"
        for keyword in call.keywords:
            loc.warn(f"keyword argument {keyword.arg or '**'!s} of nni.mutable_layers is ignored", keyword)
        if not call.args:
            loc.warn("@nni.mutable_layers() has no layer and produces nothing")
        ann.layers = [_layer(arg, i, loc) for i, arg in enumerate(call.args)]
    elif name in ("variable", "function_choice"):
        _smart(ann, loc, module)
    return ann


def _size(value: ast.expr, loc: Locator, *, warn: bool = True) -> int | list[int]:
    def int_literal(node: ast.expr) -> bool:
        return isinstance(node, ast.Constant) and type(node.value) is int

    if int_literal(value):
        return value.value  # type: ignore[attr-defined, no-any-return]
    if not isinstance(value, ast.List):
        loc.fail("Value of optional_input_size should be a number or list "
                        "(an int k >= 0, or a range [lo, hi])", value)
    elts = value.elts
    bad = "optional_input_size range should be [lo, hi] with 0 <= lo <= hi"
    if len(elts) < 2:
        loc.fail(bad, value)
    for elt in elts[:2]:
        if not int_literal(elt):
            loc.fail(bad, elt)
    lo, hi = elts[0].value, elts[1].value  # type: ignore[attr-defined]
    if lo > hi:
        loc.fail(bad, value)
    if len(elts) > 2 and warn:
        loc.warn(f"optional_input_size has {len(elts)} elements; only the first two [{lo}, {hi}] are used",
                 value)
    return [lo, hi]


def _layer(arg: ast.expr, index: int, loc: Locator) -> LayerSpec:
    if not isinstance(arg, ast.Dict):
        loc.fail("Argument of mutable_layers should be a dict literal "
                        "({layer_choice: [...], layer_output: name, ...})", arg)
    seen: dict[str, ast.expr] = {}
    for key, value in zip(arg.keys, arg.values, strict=True):
        if not isinstance(key, ast.Name):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                loc.fail("Field name should be a bare identifier, not a string: "
                                f"{key.value!r}", key)
            shown = "**" + ast.unparse(value) if key is None else ast.unparse(key)
            loc.fail(f"Field name should be a bare identifier, not {shown}", key or value)
        field = key.id
        if field not in _FIELDS:
            loc.fail(f"Unexpected field in mutable layer: {field} (expected one of {', '.join(_FIELDS)})",
                     key)
        if field in seen:
            loc.fail(f"Duplicated field: {field}", key)
        seen[field] = value
        _check_field(field, value, loc)
    if "layer_choice" not in seen:
        loc.fail("layer_choice must exist", arg)
    if "layer_output" not in seen:
        loc.fail("layer_output must exist", arg)
    if "optional_inputs" in seen and "optional_input_size" not in seen:
        loc.fail("optional_input_size must exist when optional_inputs exists", arg)
    ops = [Op(normalised(call), call) for call in seen["layer_choice"].elts]  # type: ignore[attr-defined]
    _warn_duplicates([op.key for op in ops], "layer_choice", seen["layer_choice"], loc)
    inputs = None
    size: ast.expr | None = None
    size_json: int | list[int] = 0
    if "optional_inputs" in seen:
        inputs = [(normalised(e), e) for e in seen["optional_inputs"].elts]  # type: ignore[attr-defined]
        _warn_duplicates([k for k, _ in inputs], "optional_inputs", seen["optional_inputs"], loc)
        size = seen["optional_input_size"]
        size_json = _size(size, loc)
        hi = size_json[1] if isinstance(size_json, list) else size_json
        if not inputs:
            loc.warn("optional_inputs is empty: the layer gets no optional inputs", seen["optional_inputs"])
        elif hi > len(inputs):
            loc.warn(f"optional_input_size allows {hi} inputs but only {len(inputs)} are declared; "
                     "inputs will repeat", size)
    elif "optional_input_size" in seen:
        loc.warn("optional_input_size without optional_inputs is ignored", seen["optional_input_size"])
    fixed = seen.get("fixed_inputs")
    return LayerSpec(f"mutable_layer_{index}", ops, fixed, inputs, size,  # type: ignore[arg-type]
                     size_json, seen["layer_output"])  # type: ignore[arg-type]


def _check_field(field: str, value: ast.expr, loc: Locator) -> None:
    if field == "layer_choice":
        if not isinstance(value, ast.List):
            loc.fail("Value of layer_choice should be a list", value)
        if not value.elts:
            loc.fail("layer_choice should not be empty", value)
        for call in value.elts:
            if not isinstance(call, ast.Call):
                loc.fail("Element in layer_choice should be function call "
                                "(write op(), not op; the inputs argument is supplied at run time)", call)
            if call.args:
                loc.fail("Number of args without keyword should be zero "
                                "(the inputs argument is supplied at run time; name the others)", call)
            if any(kw.arg is None for kw in call.keywords):
                loc.fail("Keyword arguments in layer_choice should be named", call)
    elif field in ("fixed_inputs", "optional_inputs"):
        if not isinstance(value, ast.List):
            loc.fail(f"Value of {field} should be a list", value)
    elif field == "optional_input_size":
        _size(value, loc, warn=False)
    elif field == "layer_output" and not isinstance(value, ast.Name):
        loc.fail("Value of layer_output should be ast.Name type (a plain variable name)", value)


def _warn_duplicates(keys: list[str], field: str, node: ast.expr, loc: Locator) -> None:
    dups = sorted({k for k in keys if keys.count(k) > 1})
    if dups:
        loc.warn(f"{field} repeats {dups}; the repeats share one runtime key", node)


def _smart(ann: Annotation, loc: Locator, module: str) -> None:
    call = ann.call
    if len(call.keywords) != 1 or call.keywords[0].arg != "name":
        loc.fail(f'Annotation keyword argument is not "name" (write nni.{ann.name}(..., '
                 'name=<variable>))', call)
    ann.var = call.keywords[0].value
    name = normalised(ann.var).strip()
    if ann.name == "function_choice":
        if not call.args or any(isinstance(a, ast.Starred) for a in call.args):
            loc.fail("nni.function_choice needs its options as positional arguments", call)
        ann.func, ann.args = "function_choice", list(call.args)
        ann.keys = [option_key(a) for a in ann.args]
        ann.key = f"{module}/{name}/function_choice"
        return
    if len(call.args) != 1:
        loc.fail("nni.variable contains more than one arguments", call)
    dist = call.args[0]
    if not isinstance(dist, ast.Call):
        loc.fail("Value of nni.variable is not a function call", dist)
    func = _nni_func(dist)
    if func is None or func not in DISTRIBUTIONS:
        loc.fail(f"nni.variable value is not a NNI function (expected nni.<f>(...) with <f> one of "
                        f"{', '.join(DISTRIBUTIONS)})", dist)
    if dist.keywords or any(isinstance(a, ast.Starred) for a in dist.args):
        loc.fail("Arguments of the distribution should be positional literals", dist)
    ann.func, ann.args = func, list(dist.args)
    if not ann.args:
        loc.fail(f"nni.{ann.func} needs arguments", dist)
    if ann.func == "choice":
        ann.keys = [option_key(a) for a in ann.args]
    else:
        for arg in ann.args:  # NNI: literal_eval(source) must be a real number (so -1, +2, True pass)
            try:
                number = ast.literal_eval(arg)
            except ValueError:
                number = None
            if not isinstance(number, numbers.Real):
                loc.fail("Smart parameter's arguments must be number literals", arg)
    ann.key = f"{module}/{name}/{ann.func}"
