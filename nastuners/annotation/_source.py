"""Normalised source strings and file positions.

One string plays four roles (JSON entry, runtime dict key, tuner answer, codegen lookup key), so it
must be what NNI 1.1 produced: ``astor.to_source(node).strip()``. ``ast.unparse`` gives the same text except
at the top level, where astor parenthesises operator expressions and numbers: ``a + b`` → ``(a + b)``,
``-x`` → ``(-x)``. Only ``optional_inputs`` entries and ``@nni.variable``/``@nni.function_choice`` options
can hit that case.
"""

from __future__ import annotations

import ast
import io
import re
from typing import Any

# node types astor wraps in parentheses when they are the whole expression
_WRAPPED = (ast.BinOp, ast.BoolOp, ast.Compare, ast.UnaryOp, ast.IfExp, ast.Lambda, ast.Await, ast.NamedExpr)
_QUOTE = re.compile(r"[rRuUbBfF]{0,2}('''|\"\"\"|'|\")")


def normalised(node: ast.AST) -> str:
    """The normalised source of an expression: ``ast.unparse`` with astor's top-level parentheses."""
    text = ast.unparse(node)
    if isinstance(node, _WRAPPED) or (
        isinstance(node, ast.Constant) and type(node.value) in (int, float, complex)
    ):
        return f"({text})"
    return text


def is_literal(node: ast.AST) -> bool:
    """A number or string literal (NNI's ``ast.Num``/``ast.Str``): kept as itself in JSON and dict keys."""
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, str)


def option_key(node: ast.expr) -> Any:
    """The key of one ``nni.choice``/``nni.function_choice`` option: a literal, or its normalised source.

    NNI used ``astor.to_source(arg).strip('\\n"')``: the stripped characters are newlines and double quotes.
    """
    if is_literal(node):
        return node.value  # type: ignore[attr-defined]
    return normalised(node).strip('\n"')


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split as Python's tokenizer splits them (``\\n``, ``\\r\\n``, ``\\r``)."""
    return io.StringIO(text, newline="").readlines()


def char_col(line: str, byte_col: int) -> int:
    """Convert an ``ast`` column (UTF-8 bytes) on ``line`` to a character index."""
    if line.isascii():
        return byte_col
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


def quote_width(line: str, col: int) -> int:
    """Characters of the string prefix and opening quotes at ``line[col:]`` (``\"\"\"`` → 3, ``r'`` → 2)."""
    match = _QUOTE.match(line, col)
    return len(match.group(0)) if match else 1
