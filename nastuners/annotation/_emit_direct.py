"""Compile direct ``nni.<f>(...)`` calls (see :mod:`._direct`): ``key=`` for the runtime, or the choice."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from ..exceptions import ChoiceError, Issue
from ._direct import DirectCall
from ._edits import Edits
from ._scan import FileUnit


def _insert_key(edits: Edits, call: ast.Call, key: str) -> None:
    """Append ``key=...`` as the call's last argument (after a trailing comma, if there is one)."""
    close = edits.offset(call.end_lineno or call.lineno, (call.end_col_offset or 1) - 1)
    parts: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    comma = ""
    if parts:
        last = max(parts, key=lambda p: (p.end_lineno or 0, p.end_col_offset or 0))
        between = edits.source[edits.offset(last.end_lineno or 1, last.end_col_offset or 0):close]
        code = "".join(line.split("#", 1)[0] for line in between.splitlines())
        comma = "" if "," in code else ", "
    edits.insert(close, f"{comma}key={key!r}")


def expand_direct(edits: Edits, unit: FileUnit) -> None:
    """What NNI's generator wrote back: ``key='<module>/<name>/<f>'`` appended, full block ids."""
    for direct in unit.direct:
        if direct.func == "mutable_layer":
            edits.replace(direct.call.args[0], repr(direct.key))
        else:
            _insert_key(edits, direct.call, direct.key)


def _text(node: ast.expr) -> str:
    text = ast.unparse(node)
    atomic = isinstance(node, ast.Call | ast.Name | ast.Attribute | ast.Subscript | ast.Constant | ast.List
                        | ast.Dict | ast.Tuple)
    return text if atomic else f"({text})"


def _layer(direct: DirectCall, params: Mapping[str, Any]) -> str:
    from trial_runtime.classic import layer_choice

    args = direct.call.args
    funcs, kwargs, fixed, inputs = args[2], args[3], args[4], args[5]
    assert isinstance(funcs, ast.Dict) and isinstance(inputs, ast.Dict)
    value = direct.value
    chosen, chosen_inputs = layer_choice(params, direct.key, direct.layer, value["layer_choice"],
                                         value["optional_inputs"], value["optional_input_size"])
    index = value["layer_choice"].index(chosen)
    exprs = dict(reversed(list(zip(value["optional_inputs"], inputs.values, strict=True))))
    pair = f"[{ast.unparse(fixed)}, [{', '.join(ast.unparse(exprs[k]) for k in chosen_inputs)}]]"
    keywords = ""
    if isinstance(kwargs, ast.Dict) and chosen in [getattr(k, "value", None) for k in kwargs.keys]:
        node = kwargs.values[[getattr(k, "value", None) for k in kwargs.keys].index(chosen)]
        if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str)
                                              and k.value.isidentifier() for k in node.keys):
            keywords = "".join(f", {k.value}={ast.unparse(v)}"  # type: ignore[union-attr]
                               for k, v in zip(node.keys, node.values, strict=True))
        else:
            keywords = f", **{_text(node)}"
    else:
        keywords = f", **{_text(kwargs)}[{chosen!r}]"
    return f"{_text(funcs.values[index])}({pair}{keywords})"


def _value(direct: DirectCall, params: Mapping[str, Any]) -> str:
    if direct.func == "mutable_layer":
        return _layer(direct, params)
    if direct.key not in params:
        raise ChoiceError([Issue(direct.key, f"the choice has no value for nni.{direct.func} on line "
                                             f"{direct.line}")])
    value = params[direct.key]
    if direct.options is None:
        return repr(value)
    for key, option in direct.options:
        if key == value and isinstance(key, str) == isinstance(value, str):
            return _text(option) + ("()" if direct.func == "function_choice" else "")
    raise ChoiceError([Issue(direct.key, f"value {value!r} is not one of {[k for k, _ in direct.options]}")])


def codegen_direct(edits: Edits, unit: FileUnit, params: Mapping[str, Any]) -> None:
    """Replace each direct call by the chosen option (outermost calls only: an inner one is in the option)."""
    spans = [(d.call.lineno, d.call.col_offset, d.call.end_lineno, d.call.end_col_offset)
             for d in unit.direct]
    for direct, (line, col, end_line, end_col) in zip(unit.direct, spans, strict=True):
        inside = any((o[0], o[1]) <= (line, col) and (end_line, end_col) <= (o[2], o[3])
                     and (o[0], o[1], o[2], o[3]) != (line, col, end_line, end_col) for o in spans)
        if not inside:
            edits.replace(direct.call, _value(direct, params))


_REPORTS = ("report_intermediate_result", "report_final_result")


def codegen_sdk_statements(edits: Edits, unit: FileUnit, params: Mapping[str, Any]) -> None:
    """Direct ``nni.report_*(x)`` statements print, ``nni.get_next_parameter()`` gives the architecture, so
    the standalone copy needs no ``nni`` (statements and plain assignments only)."""
    for stmt in ast.walk(unit.tree):
        if not isinstance(stmt, ast.Expr | ast.Assign):
            continue
        call = stmt.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name) and call.func.value.id == "nni"):
            continue
        if call.func.attr in _REPORTS:
            args = ", ".join(ast.unparse(a) for a in call.args)
            edits.replace(call, f"print({f'nni.{call.func.attr}: '!r}, {args})")
        elif call.func.attr == "get_next_parameter":
            edits.replace(call, repr(dict(params)))
