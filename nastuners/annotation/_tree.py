"""Walk a code directory: which files to read, how to read and write them, where output may go."""

from __future__ import annotations

import io
import os
import re
import shutil
import tokenize
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import AnnotationError
from ._parse import AnnotationWarning
from ._scan import FileUnit, module_name, scan

_SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
_MAYBE_NNI = re.compile(rb"@nni\.|\bnni\s*\.|\bimport\s[^\n]*\bnni\b|\bfrom\s+nni\s+import\b")


@dataclass
class SourceFile:
    """One file of the code directory."""

    path: Path
    rel: str  # '/' separators
    unit: FileUnit | None = None  # parsed ``.py`` files that may contain annotations or `import nni`
    encoding: str = "utf-8"


def walk(code_dir: Path) -> Iterator[tuple[Path, str]]:
    """``(path, relative path)`` of every file, sorted, skipping caches, VCS folders and virtual envs."""
    for root, dirs, files in os.walk(code_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS
                         and not (Path(root, d) / "pyvenv.cfg").exists())
        rel_root = Path(root).relative_to(code_dir).as_posix()
        for name in sorted(files):
            rel = name if rel_root == "." else f"{rel_root}/{name}"
            yield Path(root, name), rel


def read(path: Path, rel: str) -> SourceFile:
    """Read one file; ``.py`` files that may hold annotations (or ``import nni``) are parsed."""
    item = SourceFile(path, rel)
    if not rel.endswith(".py"):
        return item
    data = path.read_bytes()
    if not _MAYBE_NNI.search(data):
        return item
    try:
        item.encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        source = data.decode(item.encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        if b"@nni." in data:
            msg = f"Bad Python code: cannot decode the file ({exc})"
            raise AnnotationError(msg, path=rel, line=1) from None
        warnings.warn(AnnotationWarning(f"{rel}: cannot decode ({exc}); copied unchanged"), stacklevel=2)
        return item
    try:
        item.unit = scan(source, rel, module_name(rel))
    except AnnotationError as exc:
        if exc.message.startswith("Bad Python code") and "@nni." not in source:
            warnings.warn(AnnotationWarning(f"{exc}; the file has no annotation and is copied unchanged"),
                          stacklevel=2)
            return item
        raise
    return item


def read_tree(code_dir: str | os.PathLike[str]) -> tuple[Path, list[SourceFile]]:
    """Check ``code_dir`` and read every file in it (sorted)."""
    root = Path(code_dir)
    if not root.is_dir():
        msg = f"code directory {str(root)!r} does not exist or is not a directory"
        raise AnnotationError(msg)
    return root, [read(path, rel) for path, rel in walk(root)]


def check_target(code_dir: Path, out_dir: str | os.PathLike[str], what: str) -> Path:
    """Refuse an output directory that is inside the code directory or not empty; create it."""
    target = Path(out_dir)
    src, dst = code_dir.resolve(), target.resolve()
    if dst == src or src in dst.parents:
        msg = (f"{what}: output directory {str(target)!r} is inside the code directory {str(code_dir)!r}; "
               "the user's code is never written, choose a directory outside it")
        raise AnnotationError(msg)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        msg = (f"{what}: output directory {str(target)!r} already exists and is not empty; "
               "nothing is overwritten")
        raise AnnotationError(msg)
    target.mkdir(parents=True, exist_ok=True)
    return target


def write_tree(files: list[SourceFile], target: Path, texts: dict[str, str]) -> None:
    """Copy every file to ``target``; files in ``texts`` (by relative path) get that text instead."""
    for item in files:
        dst = target / item.rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if item.rel in texts:
            with open(dst, "w", encoding=item.encoding, newline="") as handle:
                handle.write(texts[item.rel])
            shutil.copymode(item.path, dst)
        elif item.path.is_symlink():
            os.symlink(os.readlink(item.path), dst)
        else:
            shutil.copy2(item.path, dst)
