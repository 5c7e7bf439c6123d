"""Find the annotations of one file and pair ``@nni.variable``/``@nni.function_choice`` with their targets."""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field

from ..exceptions import AnnotationError
from ._direct import DirectCall, collect
from ._model import Annotation
from ._parse import AnnotationWarning, Locator, parse
from ._source import normalised, split_lines


@dataclass
class FileUnit:
    """One parsed ``.py`` file and what the compiler found in it."""

    path: str  # relative to the code directory, '/' separators
    module: str
    source: str
    lines: list[str]
    tree: ast.Module
    annotations: list[Annotation] = field(default_factory=list)
    nni_imports: list[ast.Import | ast.ImportFrom] = field(default_factory=list)
    direct: list[DirectCall] = field(default_factory=list)  # direct nni.<f>(...) calls (see _direct)


def module_name(relpath: str) -> str:
    """``pkg/sub/cell.py`` → ``pkg.sub.cell``; ``pkg/__init__.py`` → ``pkg.__init__``."""
    return relpath[:-3].replace("/", ".") if relpath.endswith(".py") else relpath.replace("/", ".")


def _string_stmt(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return stmt.value.value if isinstance(stmt.value.value, str) else None
    return None


def scan(source: str, path: str, module: str | None = None) -> FileUnit:
    """Parse ``source`` and collect its annotations (raises ``AnnotationError`` on the first invalid one)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        msg = f"Bad Python code: {exc.msg}"
        raise AnnotationError(msg, path=path, line=exc.lineno,
                              col=exc.offset, text=exc.text) from None
    unit = FileUnit(path, module or module_name(path), source, split_lines(source), tree)
    _Scanner(unit).block(tree.body)
    unit.direct = collect(tree, path, unit.lines, unit.module, _replaced(unit.annotations))
    return unit


def _replaced(annotations: list[Annotation]) -> set[int]:
    """``id`` of every node that compiling the annotations replaces (NNI never saw calls inside them)."""
    roots: list[ast.AST] = []
    for ann in annotations:
        if ann.name == "variable" and isinstance(ann.target, ast.Assign):
            roots.append(ann.target.value)
        roots.extend(ann.matches)
    return {id(node) for root in roots for node in ast.walk(root)}


class _Scanner:
    def __init__(self, unit: FileUnit) -> None:
        self.unit = unit

    def _annotation(self, stmt: ast.stmt) -> Annotation | None:
        text = _string_stmt(stmt)
        if text is None:
            return None
        if not text.startswith("@nni."):
            if text.lstrip().startswith("@nni."):
                warnings.warn(AnnotationWarning(
                    f"{self.unit.path}:{stmt.lineno}: this string looks like an annotation but does not "
                    "start with '@nni.' (leading whitespace or newline); it is NOT compiled. Remove the "
                    "whitespace before '@' to make it an annotation"), stacklevel=4)
            return None
        assert isinstance(stmt, ast.Expr)
        loc = Locator(self.unit.path, self.unit.lines, stmt, text[1:])
        return parse(stmt, loc, self.unit.module)

    def block(self, stmts: list[ast.stmt]) -> None:
        pending: Annotation | None = None
        for stmt in stmts:
            ann = self._annotation(stmt)
            if pending is not None:
                if ann is not None:
                    self._fail(ann, "Annotating an annotation: an annotation cannot be the target of "
                               f"@nni.{pending.name} (line {pending.line})")
                self._attach(pending, stmt)
                pending = None
            elif ann is not None:
                self.unit.annotations.append(ann)
                if ann.name in ("variable", "function_choice"):
                    pending = ann
                continue
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                if _imports_nni(stmt):
                    self.unit.nni_imports.append(stmt)
                continue
            self.nested(stmt)
        if pending is not None:
            self._fail(pending, f"Annotation has no target: @nni.{pending.name} must be followed by the "
                       "statement it annotates, in the same block")

    def nested(self, node: ast.AST) -> None:
        for _name, value in ast.iter_fields(node):
            if isinstance(value, list) and value:
                if isinstance(value[0], ast.stmt):
                    self.block(value)
                else:
                    for item in value:
                        if isinstance(item, ast.excepthandler | ast.match_case):
                            self.nested(item)

    def _fail(self, ann: Annotation, message: str) -> None:
        line = ann.stmt.lineno
        raise AnnotationError(message, path=self.unit.path, line=line, col=ann.stmt.col_offset + 1,
                              text=self.unit.lines[line - 1])

    def _attach(self, ann: Annotation, stmt: ast.stmt) -> None:
        path, line = self.unit.path, stmt.lineno
        text = self.unit.lines[line - 1]
        ann.target = stmt
        if ann.name == "variable":
            if not isinstance(stmt, ast.Assign):
                raise AnnotationError("nni.variable is not annotating assignment expression", path=path,
                                      line=line, col=stmt.col_offset + 1, text=text)
            if len(stmt.targets) != 1:
                raise AnnotationError("Annotated assignment has more than one left-hand value", path=path,
                                      line=line, col=stmt.col_offset + 1, text=text)
            assert ann.var is not None
            want, got = normalised(ann.var), normalised(stmt.targets[0])
            if want != got:
                msg = (
                    f"Annotated variable has wrong name: the annotation names {want!r}, the "
                                      f"assignment sets {got!r}"
                )
                raise AnnotationError(msg, path=path, line=line,
                                      col=stmt.col_offset + 1, text=text)
            self.nested(stmt)
            return
        dumps = {ast.dump(option) for option in ann.args}
        ann.matches = _matching_calls(stmt, dumps)
        if not ann.matches:
            warnings.warn(AnnotationWarning(
                f"{path}:{line}: @nni.function_choice (line {ann.line}) matches no call in the statement it "
                "annotates (calls nested in another call are not looked at); nothing is replaced and, as in "
                "NNI, it adds nothing to the search space"), stacklevel=4)
        self.nested(stmt)


def _matching_calls(stmt: ast.AST, dumps: set[str]) -> list[ast.Call]:
    """Calls in ``stmt`` equal (as ASTs) to one of the options and not inside another call.

    NNI's replacer never looked inside a call: in ``print(f(a))`` or ``g(f(a)).h()`` nothing is replaced.
    """
    found: list[ast.Call] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Call):
            if ast.dump(node) in dumps:
                found.append(node)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(stmt)
    return found


def _imports_nni(stmt: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(stmt, ast.Import):
        return any(alias.name == "nni" for alias in stmt.names)
    return stmt.module == "nni" and not stmt.level
