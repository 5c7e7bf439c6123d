"""Normalised source strings and file positions.

One string plays four roles (JSON entry, runtime dict key, tuner answer, codegen lookup key), so it
must be what NNI 1.1 produced: ``astor.to_source(node).strip()``. :mod:`._astor` emulates astor's
parentheses. astor also wrapped lines longer than 79 characters (``"f(a=1, ...,\\n    z=2)"``); for such
long strings the real ``astor`` is used when it is installed, otherwise a warning says that the key may
differ from NNI's.
"""

from __future__ import annotations

import ast
import io
import re
import warnings
from typing import Any

from ._astor import to_source

_QUOTE = re.compile(r"[rRuUbBfF]{0,2}('''|\"\"\"|'|\")")
_MAXLINE = 79  # astor's line length


class AnnotationWarning(UserWarning):
    """A leniency or a near-miss in annotated trial code (the code still compiles)."""


def _astor_source(node: ast.AST) -> str | None:
    try:
        import astor  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return None
    return str(astor.to_source(node))


def normalised(node: ast.AST, strip: str | None = None) -> str:
    """``astor.to_source(node).strip(strip)``: the key NNI 1.1 gave ``node`` (see the module docstring)."""
    text = to_source(node)
    if len(text) > _MAXLINE:
        real = _astor_source(node)
        if real is not None:
            return real.strip(strip)
        warnings.warn(AnnotationWarning(
            f"{text[:40]}...: NNI's astor wrapped expressions longer than {_MAXLINE} characters over "
            "several lines; install astor==0.8.1 to reproduce its key exactly (this key is unwrapped)"),
            stacklevel=2)
    return text.strip(strip)


def is_literal(node: ast.AST) -> bool:
    """A number or string literal (NNI's ``ast.Num``/``ast.Str``): kept as itself in JSON and dict keys."""
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, str)


def option_key(node: ast.expr) -> Any:
    """The key of one ``nni.choice``/``nni.function_choice`` option: a literal, or its normalised source.

    NNI used ``astor.to_source(arg).strip('\\n"')``: the stripped characters are newlines and double quotes.
    """
    if is_literal(node):
        return node.value  # type: ignore[attr-defined]
    return normalised(node, '\n"')


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
