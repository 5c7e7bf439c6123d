"""Turn a scanned file into compiled code: runtime calls (``expand``) or one architecture (``codegen``)."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from ..exceptions import ChoiceError, Issue
from ._edits import Edits
from ._emit_direct import codegen_direct, codegen_sdk_statements, expand_direct
from ._model import Annotation, LayerSpec
from ._scan import FileUnit, _string_stmt

MODES = ("classic_mode", "enas_mode", "oneshot_mode", "darts_mode")


def _nni(attr: str) -> ast.Attribute:
    return ast.Attribute(value=ast.Name("nni", ast.Load()), attr=attr, ctx=ast.Load())


def _str(value: Any) -> ast.Constant:
    return ast.Constant(value)


def _assign(target: ast.Name, value: ast.expr) -> str:
    return ast.unparse(ast.Assign(targets=[ast.Name(target.id, ast.Store())], value=value, lineno=0))


def _print(*args: ast.expr) -> str:
    return ast.unparse(ast.Expr(ast.Call(ast.Name("print", ast.Load()), list(args), [])))


def _runtime_layer(block_id: str, layer: LayerSpec, mode: str) -> str:
    funcs = ast.Dict([_str(op.key) for op in layer.ops], [op.call.func for op in layer.ops])
    kwargs = ast.Dict([_str(op.key) for op in layer.ops],
                      [ast.Dict([_str(kw.arg) for kw in op.call.keywords],
                                [kw.value for kw in op.call.keywords]) for op in layer.ops])
    fixed = layer.fixed if layer.fixed is not None else ast.List([], ast.Load())
    if layer.inputs is not None:
        inputs: ast.expr = ast.Dict([_str(k) for k, _ in layer.inputs], [e for _, e in layer.inputs])
        size: ast.expr = layer.size if layer.size is not None else _str(0)
    else:
        inputs, size = ast.Dict([], []), _str(0)
    args = [_str(block_id), _str(layer.layer_id), funcs, kwargs, fixed, inputs, size, _str(mode)]
    if mode != "classic_mode":
        args.append(ast.Name("tensorflow", ast.Load()))
    return _assign(layer.output, ast.Call(_nni("mutable_layer"), args, []))


def _lambda(body: ast.expr) -> ast.Lambda:
    return ast.Lambda(ast.arguments([], [], None, [], [], None, []), body)


def _smart_call(ann: Annotation) -> ast.Call:
    """The compiled ``nni.choice(...)``/``nni.function_choice(...)``/``nni.<dist>(...)`` call."""
    assert ann.var is not None
    name = ast.keyword("name", _str(ast.unparse(ann.var)))
    key = ast.keyword("key", _str(ann.key))
    if ann.func == "function_choice":
        options = ast.Dict([_str(k) for k in ann.keys], [_lambda(a) for a in ann.args])
        return ast.Call(_nni("function_choice"), [options], [name, key])
    if ann.func == "choice":
        return ast.Call(_nni("choice"), [ast.Dict([_str(k) for k in ann.keys], list(ann.args))], [name, key])
    return ast.Call(_nni(ann.func), list(ann.args), [name, key])


def _import_line(mode: str) -> list[str]:
    return ["import tensorflow", "import trial_runtime as nni"] if mode != "classic_mode" else [
        "import trial_runtime as nni"]


def _header_line(unit: FileUnit) -> int:
    """The line after which the runtime import goes: after the docstring and ``__future__`` imports."""
    body = unit.tree.body
    anchor: ast.stmt | None = None
    for index, stmt in enumerate(body):
        text = _string_stmt(stmt)
        docstring = index == 0 and text is not None and not text.startswith("@nni.")
        if docstring or (isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"):
            anchor = stmt
        else:
            break
    if anchor is not None:
        return anchor.end_lineno or anchor.lineno
    return body[0].lineno - 1 if body else 0


def expand_unit(unit: FileUnit, mode: str) -> str | None:
    """The compiled text of ``unit`` in ``mode``; ``None`` when the file needs no change."""
    if not unit.annotations and not unit.nni_imports and not unit.direct:
        return None
    edits = Edits(unit.lines)
    expand_direct(edits, unit)
    for stmt in unit.nni_imports:
        if isinstance(stmt, ast.Import):
            names = [ast.alias("trial_runtime", a.asname or "nni") if a.name == "nni" else a
                     for a in stmt.names]
            edits.replace(stmt, ast.unparse(ast.Import(names)))
        else:
            edits.replace(stmt, ast.unparse(ast.ImportFrom("trial_runtime", stmt.names, 0)))
    for ann in unit.annotations:
        call = ann.call
        if ann.name == "mutable_layers":
            edits.replace_stmt(ann.stmt, [_runtime_layer(ann.block_id, layer, mode) for layer in ann.layers])
        elif ann.name == "training_update":
            compiled = ast.Call(call.func, [_str(mode), *call.args], call.keywords)
            edits.replace_stmt(ann.stmt, [ast.unparse(ast.Expr(compiled))])
        elif ann.name in ("report_intermediate_result", "report_final_result", "get_next_parameter"):
            edits.replace_stmt(ann.stmt, [ast.unparse(ast.Expr(call))])
        else:
            edits.replace_stmt(ann.stmt, [], deletable=True)
            _replace_target(edits, ann, ast.unparse(_smart_call(ann)))
    if unit.annotations:
        imported = any(isinstance(s, ast.Import) and any(a.name == "nni" and a.asname in (None, "nni")
                                                         for a in s.names) for s in unit.tree.body)
        lines = _import_line(mode)[: -1 if imported else None]
        if lines:
            edits.insert_after_line(_header_line(unit), edits.newline.join(lines))
    return edits.apply()


def _replace_target(edits: Edits, ann: Annotation, text: str) -> None:
    if ann.name == "variable":
        assert isinstance(ann.target, ast.Assign)
        edits.replace(ann.target.value, text)
        return
    for match in ann.matches:
        edits.replace(match, text)


def _codegen_layer(ann: Annotation, layer: LayerSpec, params: Mapping[str, Any]) -> str:
    from trial_runtime.classic import layer_choice

    inputs = layer.inputs or []
    size = layer.size_json if layer.inputs is not None else 0
    chosen_layer, chosen_inputs = layer_choice(params, ann.block_id, layer.layer_id,
                                               [op.key for op in layer.ops], [k for k, _ in inputs], size)
    op = next(op for op in layer.ops if op.key == chosen_layer)
    exprs = dict(reversed(inputs))  # the first occurrence of a repeated input string wins
    fixed = list(layer.fixed.elts) if layer.fixed is not None else []
    pair = ast.List([ast.List(fixed, ast.Load()), ast.List([exprs[n] for n in chosen_inputs], ast.Load())],
                    ast.Load())
    return _assign(layer.output, ast.Call(op.call.func, [pair], op.call.keywords))


def _chosen_option(ann: Annotation, params: Mapping[str, Any]) -> str:
    if ann.key not in params:
        raise ChoiceError([Issue(ann.key, f"the choice has no value for @nni.{ann.name} on line {ann.line}")])
    value = params[ann.key]
    if ann.func not in ("choice", "function_choice"):
        return ast.unparse(ast.Constant(value)) if isinstance(value, (int, float, str)) else repr(value)
    for key, option in zip(ann.keys, ann.args, strict=True):
        if key == value and isinstance(key, str) == isinstance(value, str):
            text = ast.unparse(option)
            atomic = isinstance(option, (ast.Call, ast.Name, ast.Attribute, ast.Subscript, ast.Constant))
            return text if atomic else f"({text})"
    raise ChoiceError([Issue(ann.key, f"value {value!r} is not one of {ann.keys}")])


def codegen_unit(unit: FileUnit, params: Mapping[str, Any]) -> str | None:
    """The standalone text of ``unit`` for the architecture ``params``; ``None`` when nothing changes."""
    if not unit.annotations and not unit.nni_imports and not unit.direct:
        return None
    edits = Edits(unit.lines)
    codegen_direct(edits, unit, params)
    codegen_sdk_statements(edits, unit, params)
    for stmt in unit.nni_imports:
        if isinstance(stmt, ast.Import):
            names = [a for a in stmt.names if a.name != "nni"]
            edits.replace_stmt(stmt, [ast.unparse(ast.Import(names))] if names else ["pass"])
    for ann in unit.annotations:
        args = ann.call.args
        if ann.name == "mutable_layers":
            edits.replace_stmt(ann.stmt, [_codegen_layer(ann, layer, params) for layer in ann.layers])
        elif ann.name in ("report_intermediate_result", "report_final_result"):
            edits.replace_stmt(ann.stmt, [_print(_str(f"nni.{ann.name}: "), *args)])
        elif ann.name == "training_update":
            edits.replace_stmt(ann.stmt, [_print(_str("Training update here..."))])
        elif ann.name == "get_next_parameter":
            edits.replace_stmt(ann.stmt, [_print(_str("Get next parameter here..."))])
        else:
            edits.replace_stmt(ann.stmt, [], deletable=True)
            _replace_target(edits, ann, _chosen_option(ann, params))
    return edits.apply()
