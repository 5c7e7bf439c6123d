"""Direct SDK calls in plain code: ``nni.choice({...}, name='x')``, ``nni.uniform(0, 1)``, ``mutable_layer``.

NNI 1.1 generated the search space from the *expanded* code, visiting every ``nni.<f>(...)`` call with ``<f>``
a search-space function, so calls written directly in the trial count as much as annotations. Its rules:

* ``choice`` / ``function_choice``: one positional argument, a dict literal whose keys are number or string
  literals (the options, in order); ``_type`` ``choice``;
* the other distributions: number literals (``-1``, ``True`` and parentheses allowed), kept as evaluated;
* ``name``: the only keyword, a string literal. Without it the name is ``__line<N>``, ``N`` the line of
  the last positional argument, and two such calls on one line are an error;
* key ``<module>/<name>/<f>``; the compiled copy gets ``key='<module>/<name>/<f>'`` appended;
* ``mutable_layer(block, layer, funcs, funcs_args, fixed_inputs, optional_inputs, size, ...)``: block id
  ``<module>/<block>`` (written back as the first argument), ``layer_choice`` = the keys of ``funcs``,
  ``optional_inputs`` = the keys of the inputs dict, size as written (first two elements of a list).

The standalone form ``nni.choice(1, 2, 3)`` (NNI's SDK outside an experiment) was rejected by NNI's generator
and is rejected here, with a hint.
"""

from __future__ import annotations

import ast
import numbers
from dataclasses import dataclass
from typing import Any

from ..exceptions import AnnotationError
from ._model import DISTRIBUTIONS

SS_FUNCS = (*DISTRIBUTIONS, "function_choice", "mutable_layer")


@dataclass
class DirectCall:
    """One direct ``nni.<f>(...)`` call and its search-space entry."""

    call: ast.Call
    func: str
    key: str  # the search-space key ('<module>/<block>' for mutable_layer)
    value: Any  # the JSON value ({'_type', '_value'}; mutable_layer: one layer's dict)
    named: bool = True
    layer: str = ""  # mutable_layer: the layer id
    options: list[tuple[Any, ast.expr]] | None = None  # choice / function_choice: (key, value expression)

    @property
    def line(self) -> int:
        return self.call.lineno


def is_ss_call(node: ast.AST) -> bool:
    """An ``nni.<f>(...)`` call with ``<f>`` a search-space function."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "nni"
            and node.func.attr in SS_FUNCS)


class _Reader:
    def __init__(self, path: str, lines: list[str], module: str) -> None:
        self.path, self.lines, self.module = path, lines, module

    def fail(self, node: ast.AST, message: str) -> AnnotationError:
        line = getattr(node, "lineno", 1)
        return AnnotationError(message, path=self.path, line=line, col=getattr(node, "col_offset", 0) + 1,
                               text=self.lines[line - 1] if line <= len(self.lines) else "")

    def read(self, call: ast.Call) -> DirectCall:
        func = call.func.attr  # type: ignore[attr-defined]
        if func == "mutable_layer":
            return self._layer(call)
        if len(call.keywords) > 1:
            raise self.fail(call, f'Smart parameter has keyword argument other than "name": nni.{func} takes '
                            "its options positionally and at most name='...'")
        named = bool(call.keywords)
        if named:
            keyword = call.keywords[0]
            if keyword.arg != "name":
                raise self.fail(call, f'Smart parameter\'s keyword argument is not "name" (nni.{func}(..., '
                                f"{keyword.arg or '**'}=...); key= is added by the compiler)")
            if not (isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str)):
                raise self.fail(keyword.value, "Smart parameter's name must be string literal")
            name = keyword.value.value
        else:
            if not call.args:
                raise self.fail(call, f"nni.{func}() has no arguments")
            name = f"__line{call.args[-1].lineno}"
        key = f"{self.module}/{name}/{func}"
        if func in ("choice", "function_choice"):
            options = self._options(call, func)
            value = {"_type": "choice", "_value": [k for k, _ in options]}
            return DirectCall(call, func, key, value, named, options=options)
        values = []
        for arg in call.args:
            try:
                number = ast.literal_eval(arg)
            except ValueError:
                number = None
            if isinstance(arg, ast.Starred) or not isinstance(number, numbers.Real):
                raise self.fail(arg, "Smart parameter's arguments must be number literals")
            values.append(number)
        return DirectCall(call, func, key, {"_type": func, "_value": values}, named)

    def _options(self, call: ast.Call, func: str) -> list[tuple[Any, ast.expr]]:
        if len(call.args) != 1 or not isinstance(call.args[0], ast.Dict):
            shape = "value" if func == "choice" else "lambda: call"
            annotation = "variable(nni.choice" if func == "choice" else func
            msg = (f"Smart parameter has arguments other than dict: a direct nni.{func} call takes one dict "
                   f"literal {{option key: {shape}, ...}} (the compiled form), or write the annotation "
                   f'"""@nni.{annotation}(...)"""')
            raise self.fail(call, msg)
        options = []
        for key, value in zip(call.args[0].keys, call.args[0].values, strict=True):
            if not (isinstance(key, ast.Constant) and type(key.value) in (int, float, str)):
                raise self.fail(key or value, f"nni.{func}: option keys must be number or string literals")
            options.append((key.value, value))
        return options

    def _layer(self, call: ast.Call) -> DirectCall:
        args = call.args
        if len(args) < 7 or any(isinstance(a, ast.Starred) for a in args[:7]):
            raise self.fail(call, "nni.mutable_layer needs its first 7 arguments positionally: (block_id, "
                            "layer_id, funcs, funcs_args, fixed_inputs, optional_inputs, input_size)")
        for index, what in ((0, "block id"), (1, "layer id")):
            arg = args[index]
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                raise self.fail(arg, f"nni.mutable_layer: the {what} must be a string literal")
        choices = self._str_keys(args[2], "funcs")
        inputs = self._str_keys(args[5], "optional_inputs")
        size = args[6]
        if isinstance(size, ast.Constant) and type(size.value) is int:
            size_json: Any = size.value
        elif (isinstance(size, ast.List) and len(size.elts) >= 2
              and all(isinstance(e, ast.Constant) and type(e.value) is int for e in size.elts[:2])):
            size_json = [size.elts[0].value, size.elts[1].value]  # type: ignore[attr-defined]
        else:
            raise self.fail(size, "Value of optional_input_size should be a number or list [lo, hi]")
        block = args[0].value  # type: ignore[attr-defined]
        layer = {"layer_choice": choices, "optional_inputs": inputs, "optional_input_size": size_json}
        return DirectCall(call, "mutable_layer", f"{self.module}/{block}", layer,
                          layer=args[1].value)  # type: ignore[attr-defined]

    def _str_keys(self, node: ast.expr, what: str) -> list[str]:
        if not isinstance(node, ast.Dict) or not all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
            raise self.fail(node, f"nni.mutable_layer: {what} must be a dict literal with string keys")
        return [k.value for k in node.keys]  # type: ignore[union-attr]


def collect(tree: ast.AST, path: str, lines: list[str], module: str, skip: set[int]) -> list[DirectCall]:
    """Every direct search-space call in ``tree``, in source order, except those whose ``id`` is in ``skip``
    (calls inside code that an annotation replaces)."""
    reader = _Reader(path, lines, module)
    found = [node for node in ast.walk(tree) if is_ss_call(node) and id(node) not in skip]
    found.sort(key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]
    return [reader.read(node) for node in found]  # type: ignore[arg-type]
