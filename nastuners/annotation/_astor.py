"""Source text as NNI 1.1 wrote it: ``astor.to_source(node)`` (astor 0.8), emulated on ``ast.unparse``.

NNI keyed every choice by astor's text, so the keys must match it character for character. astor and
``ast.unparse`` agree except for parentheses in a few places, measured against astor 0.8.1:

* astor wraps a number, an operator expression (``a + b``, ``-x``, ``not a``, ``a < b``, ``a or b``),
  a conditional expression, a lambda or an ``await`` in parentheses where no enclosing construct sets a
  precedence: the whole expression, dict keys (``{(1): 2}``), the element of a list/set comprehension
  and the key and value of a dict comprehension (``[(0) for _ in x]``), but not a generator's element;
* it keeps ``*(a + b)``, writes ``f(a for a in b)`` (a sole generator argument, no second parentheses),
  ``(1).real``, ``lambda : 1`` (a space before the colon when there are
  no parameters), ``2 ** -1`` and ``a or b and c`` without the extra parentheses of ``ast.unparse``.

``bool`` constants were ``NameConstant`` nodes on the Pythons NNI 1.1 ran on, never wrapped; so are they here.
Lines longer than 79 characters, which astor also wraps, are handled in :mod:`._source`.
"""

from __future__ import annotations

import ast
from typing import Any

# node types astor wraps when no enclosing construct set a precedence
_WRAPPED = (ast.BinOp, ast.BoolOp, ast.Compare, ast.UnaryOp, ast.IfExp, ast.Lambda, ast.Await)


def needs_parens(node: ast.AST) -> bool:
    """Whether astor wraps ``node`` in parentheses where no precedence is set (top level, dict keys…)."""
    if isinstance(node, _WRAPPED):
        return True
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, complex)


_Base: Any = getattr(ast, "_Unparser", None)


if _Base is not None:
    _Prec: Any = getattr(ast, "_Precedence")  # noqa: B009 - private, present on every supported Python

    class _Unparser(_Base):  # type: ignore[misc, valid-type]
        """``ast._Unparser`` with astor 0.8's parentheses (see the module docstring)."""

        def _bare(self, node: ast.AST) -> None:
            """Write ``node`` where astor sets no precedence: wrapped like a top-level expression."""
            if needs_parens(node):
                with self.delimit("(", ")"):
                    self.set_precedence(_Prec.TEST, node)
                    self.traverse(node)
            else:
                self.traverse(node)

        def visit_Dict(self, node: ast.Dict) -> None:
            def item(pair: tuple[ast.expr | None, ast.expr]) -> None:
                key, value = pair
                if key is None:
                    self.write("**")
                    self.set_precedence(_Prec.EXPR, value)
                    self.traverse(value)
                    return
                self._bare(key)
                self.write(": ")
                self.traverse(value)

            with self.delimit("{", "}"):
                self.interleave(lambda: self.write(", "), item, zip(node.keys, node.values, strict=True))

        def _comprehension(self, start: str, end: str, elts: list[ast.expr], gens: list[ast.comprehension],
                           ) -> None:
            with self.delimit(start, end):
                for index, elt in enumerate(elts):
                    if index:
                        self.write(": ")
                    self._bare(elt)
                for gen in gens:
                    self.traverse(gen)

        def visit_ListComp(self, node: ast.ListComp) -> None:
            self._comprehension("[", "]", [node.elt], node.generators)

        def visit_SetComp(self, node: ast.SetComp) -> None:
            self._comprehension("{", "}", [node.elt], node.generators)

        def visit_DictComp(self, node: ast.DictComp) -> None:
            self._comprehension("{", "}", [node.key, node.value], node.generators)

        def visit_Starred(self, node: ast.Starred) -> None:
            self.write("*")
            if isinstance(node.value, ast.BinOp | ast.BoolOp | ast.Compare | ast.IfExp | ast.Lambda):
                with self.delimit("(", ")"):
                    self.traverse(node.value)
            else:
                self.set_precedence(_Prec.EXPR, node.value)
                self.traverse(node.value)

        def visit_Call(self, node: ast.Call) -> None:
            if len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.GeneratorExp):
                # astor: f(a for a in b) (the generator's own parentheses); ast.unparse: f((a for a in b))
                self.set_precedence(_Prec.ATOM, node.func)
                self.traverse(node.func)
                self.traverse(node.args[0])
                return
            super().visit_Call(node)

        def visit_Attribute(self, node: ast.Attribute) -> None:
            value = node.value
            if isinstance(value, ast.Constant) and type(value.value) in (int, float, complex):
                self.write(f"({ast.unparse(value)}).{node.attr}")
                return
            super().visit_Attribute(node)

        def visit_Constant(self, node: ast.Constant) -> None:
            value = node.value
            if type(value) is complex and not value.real:
                self.write(f"{value.imag!r}j")  # astor: 1.0j
                return
            super().visit_Constant(node)

        def visit_Lambda(self, node: ast.Lambda) -> None:
            if ast.unparse(node.args):
                super().visit_Lambda(node)
                return
            with self.require_parens(_Prec.TEST, node):
                self.write("lambda : ")
                self.set_precedence(_Prec.TEST, node.body)
                self.traverse(node.body)

        def visit_BinOp(self, node: ast.BinOp) -> None:
            if isinstance(node.op, ast.Pow) and isinstance(node.right, ast.UnaryOp):
                self.set_precedence(_Prec.POWER, node.left)
                with self.require_parens(_Prec.POWER, node):
                    self.set_precedence(_Prec.POWER.next(), node.left)
                    self.traverse(node.left)
                    self.write(" ** ")
                    self.set_precedence(_Prec.FACTOR, node.right)
                    self.traverse(node.right)
                return
            super().visit_BinOp(node)

        def visit_BoolOp(self, node: ast.BoolOp) -> None:
            own = _Prec.AND if isinstance(node.op, ast.And) else _Prec.OR
            word = " and " if isinstance(node.op, ast.And) else " or "
            with self.require_parens(own, node):
                for index, value in enumerate(node.values):
                    if index:
                        self.write(word)
                    nested_same = isinstance(value, ast.BoolOp) and type(value.op) is type(node.op)
                    self.set_precedence(own.next() if nested_same else own, value)
                    self.traverse(value)


def unparse(node: ast.AST) -> str:
    """``node`` as astor 0.8 wrote it inside an expression (no top-level parentheses, no line wrapping)."""
    if _Base is None:  # pragma: no cover - every supported Python has ast._Unparser
        return ast.unparse(node)
    return _Unparser().visit(node)  # type: ignore[no-any-return]


def to_source(node: ast.AST) -> str:
    """``astor.to_source(node).strip()`` for an expression, before line wrapping."""
    text = unparse(node)
    return f"({text})" if needs_parens(node) else text
