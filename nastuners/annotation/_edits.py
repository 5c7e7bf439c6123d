"""Source edits on the original text, so comments and formatting outside annotations survive."""

from __future__ import annotations

import ast

from ._source import char_col


class Edits:
    """Collects replacements (file coordinates) and applies them back to front."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.newline = next((ln[len(ln.rstrip("\r\n")):] for ln in lines if ln.endswith(("\n", "\r"))), "\n")
        self._starts = [0]
        for line in lines:
            self._starts.append(self._starts[-1] + len(line))
        self._items: list[tuple[int, int, str]] = []

    def offset(self, line: int, byte_col: int) -> int:
        """Absolute character offset of an ``ast`` position (1-based line, UTF-8 byte column)."""
        return self._starts[line - 1] + char_col(self.lines[line - 1], byte_col)

    @property
    def source(self) -> str:
        return "".join(self.lines)

    def insert(self, offset: int, text: str) -> None:
        """Insert ``text`` at an absolute character offset."""
        self._items.append((offset, offset, text))

    def span(self, node: ast.AST) -> tuple[int, int]:
        """Absolute character offsets of ``node`` (a node of this file's tree)."""
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def replace(self, node: ast.AST, text: str) -> None:
        """Replace an expression (or a statement) by ``text`` (one line)."""
        start, end = self.span(node)
        self._items.append((start, end, text))

    def replace_stmt(self, stmt: ast.stmt, statements: list[str], *, deletable: bool = False) -> None:
        """Replace a statement by ``statements``; on its own lines each gets its own line, else ``; ``-joined.

        With no statements the statement is deleted (``deletable``: the block keeps other statements) or
        becomes ``pass``.
        """
        start, end = self.span(stmt)
        first, last = self.lines[stmt.lineno - 1], self.lines[stmt.end_lineno - 1]  # type: ignore[operator]
        prefix = first[: start - self._starts[stmt.lineno - 1]]
        suffix = last[end - self._starts[stmt.end_lineno - 1]:]  # type: ignore[operator]
        alone = not prefix.strip() and (not suffix.strip() or suffix.lstrip().startswith("#"))
        if not statements:
            if deletable and alone and not suffix.strip():
                line_start = self._starts[stmt.lineno - 1]
                line_end = self._starts[stmt.end_lineno]  # type: ignore[index]
                self._items.append((line_start, line_end, ""))
                return
            statements = ["pass"]
        joiner = (self.newline + prefix) if alone else "; "
        self._items.append((start, end, joiner.join(statements)))

    def insert_after_line(self, line: int, text: str) -> None:
        """Insert ``text`` as a new line after line ``line`` (0: at the top)."""
        offset = self._starts[line] if line < len(self.lines) else self._starts[-1]
        needs_newline = line >= len(self.lines) and self.lines and not self.lines[-1].endswith(("\n", "\r"))
        self._items.append((offset, offset, (self.newline if needs_newline else "") + text + self.newline))

    def apply(self) -> str:
        text = "".join(self.lines)
        out: list[str] = []
        pos = 0
        for start, end, new in sorted(self._items, key=lambda item: (item[0], item[1])):
            if start < pos:
                msg = f"internal error: overlapping source edits at offset {start}"
                raise RuntimeError(msg)
            out += [text[pos:start], new]
            pos = end
        out.append(text[pos:])
        return "".join(out)
