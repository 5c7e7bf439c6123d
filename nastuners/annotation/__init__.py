"""The annotation compiler: ``\"\"\"@nni.mutable_layers(...)\"\"\"`` in trial code → search space and code.

* :func:`generate_search_space` — the search-space JSON, equal (as a dict) to NNI 1.1's for the same files;
* :func:`expand` — a compiled copy of the code directory whose annotations call ``trial_runtime``;
* :func:`codegen` — a standalone copy for one architecture (no ``nni``/``trial_runtime`` needed).

The user's directory is never written. Errors are :class:`~nastuners.exceptions.AnnotationError` with
``path:line:col``; leniencies and near-misses are :class:`AnnotationWarning` warnings. The rules are those of
nni-compat.md §2–§9 and §13.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..exceptions import AnnotationError, ChoiceError, Issue
from ._emit import MODES, codegen_unit, expand_unit
from ._parse import AnnotationWarning
from ._scan import FileUnit, module_name, scan
from ._tree import SourceFile, check_target, read_tree, write_tree

__all__ = ["MODES", "AnnotationWarning", "codegen", "expand", "generate_search_space", "load_choice",
           "module_name", "scan", "space_of"]


def _units(files: list[SourceFile]) -> list[FileUnit]:
    return [f.unit for f in files if f.unit is not None]


def _rewritten(files: list[SourceFile], rewrite: Callable[[FileUnit], str | None]) -> dict[str, str]:
    """``{relative path: new text}`` of the annotated files ``rewrite`` changes (``None``: kept as is)."""
    texts = {}
    for item in files:
        if item.unit is not None:
            text = rewrite(item.unit)
            if text is not None:
                texts[item.rel] = text
    return texts


def _entries(unit: FileUnit) -> list[tuple[int, int, str, dict[str, Any], bool, str]]:
    """``(line, col, key, value, named, layer)`` of a file's search-space entries, in source order."""
    entries = []
    for ann in unit.annotations:
        entry = ann.space_entry()
        if entry is not None:
            entries.append((ann.stmt.end_lineno or ann.line, ann.stmt.col_offset, *entry, True, ""))
    for direct in unit.direct:
        entries.append((direct.call.lineno, direct.call.col_offset, direct.key, direct.value, direct.named,
                        direct.layer))
    return sorted(entries, key=lambda e: (e[0], e[1]))


def space_of(units: list[FileUnit]) -> dict[str, Any]:
    """Merge the search-space entries of scanned files (in order) into one dict, with NNI's rules: layers of
    one block id merge; a named parameter may repeat only with the same value; an unnamed one
    (``__line<N>``) may not repeat."""
    space: dict[str, Any] = {}
    for unit in units:
        for line, _col, key, value, named, layer in _entries(unit):
            old = space.get(key)
            if layer:  # a direct nni.mutable_layer call: one layer
                space.setdefault(key, {"_type": "mutable_layer", "_value": {}})["_value"][layer] = value
            elif old is not None and value["_type"] == "mutable_layer" == old["_type"]:
                old["_value"].update(value["_value"])  # two annotations ending on one line (NNI merged them)
            elif old is not None and not named:
                msg = f"Only one smart parameter is allowed in a line: {key} (give each a name='...')"
                raise AnnotationError(msg, path=unit.path, line=line)
            elif old is not None and old != value:
                msg = f"Different smart parameters have same name: {key}"
                raise AnnotationError(msg, path=unit.path, line=line)
            else:
                space[key] = value
    return space


def _check_nonempty(space: dict[str, Any], code_dir: Path) -> None:
    if not space:
        msg = (f"Generated search space is empty: no @nni.mutable_layers, @nni.variable or "
               f"@nni.function_choice annotation (nor a direct nni.choice({{...}})/nni.mutable_layer(...) "
               f"call) under {str(code_dir)!r}; an annotation is a string statement that starts exactly "
               "with '@nni.' (`nastune space generate --allow-empty` accepts an empty space)")
        raise AnnotationError(msg)


def generate_search_space(code_dir: str | os.PathLike[str], *, allow_empty: bool = False) -> dict[str, Any]:
    """The search space of every annotation under ``code_dir`` (V25 if empty unless ``allow_empty``)."""
    root, files = read_tree(code_dir)
    space = space_of(_units(files))
    if not allow_empty:
        _check_nonempty(space, root)
    return space


def expand(code_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
           nas_mode: str = "classic_mode", allow_empty: bool = True) -> dict[str, Any]:
    """Copy ``code_dir`` to ``out_dir`` (new or empty, outside ``code_dir``), compiling every annotation.

    Returns the search space. Annotated files get ``import trial_runtime as nni`` (and ``import tensorflow``
    outside classic_mode); ``import nni`` becomes ``import trial_runtime as nni`` in every file.
    """
    if nas_mode not in MODES:
        msg = f"unknown nas mode {nas_mode!r}; expected one of {', '.join(MODES)}"
        raise AnnotationError(msg)
    root, files = read_tree(code_dir)
    space = space_of(_units(files))
    if not allow_empty:
        _check_nonempty(space, root)
    texts = _rewritten(files, lambda unit: expand_unit(unit, nas_mode))
    write_tree(files, check_target(root, out_dir, "annotate"), texts)
    return space


_CHOICE_EXAMPLE = '{"<block id>": {"mutable_layer_0": {"chosen_layer": "...", "chosen_inputs": [...]}}}'


def load_choice(choice: Mapping[str, Any] | str | os.PathLike[str], *, phase: int = -1) -> dict[str, Any]:
    """A choice document from a dict or a file (JSON, a JSON list or JSON Lines: ``phase`` picks one, default
    the last); NNI's ``{"parameter_id", "parameters"}`` envelope is unwrapped."""
    listed = False  # a JSON list or JSON Lines: one architecture per phase
    if isinstance(choice, Mapping):
        docs: list[Any] = [choice]
        where = "choice"
    else:
        where = str(choice)
        try:
            text = Path(choice).read_text(encoding="utf-8")
        except OSError as exc:
            raise ChoiceError([Issue("$", f"cannot read the choice file ({exc.strerror or exc})")],
                              source=where) from None
        try:
            doc = json.loads(text)
            listed = isinstance(doc, list)
            docs = doc if listed else [doc]
        except json.JSONDecodeError:
            try:
                docs = [json.loads(line) for line in text.splitlines() if line.strip()]
                listed = True
            except json.JSONDecodeError as exc:
                raise ChoiceError([Issue("$", f"neither JSON nor JSON Lines: {exc}")], source=where) from None
    if not docs:
        raise ChoiceError([Issue("$", "no architecture in the choice file; expected a JSON object such as "
                                      f"{_CHOICE_EXAMPLE}")], source=where)
    try:
        doc = docs[phase]
    except IndexError:
        raise ChoiceError([Issue("$", f"phase {phase} does not exist ({len(docs)} architectures); "
                                      f"use --phase 0 to {len(docs) - 1} (or -1 for the last)")],
                          source=where) from None
    if isinstance(doc, Mapping) and "parameters" in doc and "parameter_id" in doc:
        doc = doc["parameters"]
    if not isinstance(doc, Mapping):
        which = f" (--phase {phase} of the {len(docs)} in the file)" if listed else ""
        issue = Issue("$", f"a choice must be a JSON object{which}, got {type(doc).__name__} "
                           f"{json.dumps(doc, default=repr)[:60]}; expected {_CHOICE_EXAMPLE}")
        raise ChoiceError([issue], source=where)
    return dict(doc)


def _stale(units: list[FileUnit], params: Mapping[str, Any]) -> list[Issue]:
    from ..space import split_converted_key

    blocks = {ann.block_id for u in units for ann in u.annotations if ann.name == "mutable_layers"}
    blocks |= {d.key for u in units for d in u.direct if d.func == "mutable_layer"}
    issues = []
    for key, value in params.items():
        parts = split_converted_key(key)
        native = isinstance(value, Mapping) and "/mutable_block_" in key
        block = parts[0] if parts else (key if native else None)
        if block is not None and block not in blocks:
            issues.append(Issue(f"$[{json.dumps(key)}]", f"block {block!r} is not in the current code (its "
                                f"blocks: {sorted(blocks)}); the code changed since this choice was made?"))
    return issues


def _check_layers(units: list[FileUnit], params: Mapping[str, Any], source: str | None) -> None:
    """Check the native mutable_layer part of ``params`` against the code's blocks with the space's choice
    checker (JSON paths, did-you-mean, unknown and missing keys). Converted or mixed documents, and spaces the
    strict parser refuses, are left to the per-layer checks of :func:`trial_runtime.classic.layer_choice`."""
    import warnings

    from ..exceptions import SearchSpaceError
    from ..space import SearchSpace, split_converted_key

    if any(isinstance(key, str) and split_converted_key(key) for key in params):
        return
    blocks = {key: value for key, value in space_of(units).items() if value["_type"] == "mutable_layer"}
    if not blocks:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the annotation compiler already warned about leniencies
            space = SearchSpace.from_json(blocks)
    except SearchSpaceError:
        return
    space.validate_choice({key: params[key] for key in blocks if key in params}, source=source)


def codegen(code_dir: str | os.PathLike[str], choice: Mapping[str, Any] | str | os.PathLike[str],
            out_dir: str | os.PathLike[str], *, phase: int = -1) -> Path:
    """Write a standalone copy of ``code_dir`` for one architecture to ``out_dir`` (new or empty)."""
    source = None if isinstance(choice, Mapping) else str(choice)
    params = load_choice(choice, phase=phase)
    root, files = read_tree(code_dir)
    units = _units(files)
    issues = _stale(units, params)
    if issues:
        raise ChoiceError(issues, source=source)
    _check_layers(units, params, source)
    try:
        texts = _rewritten(files, lambda unit: codegen_unit(unit, params))
    except ChoiceError as exc:
        if exc.source is not None or source is None:
            raise
        raise ChoiceError(exc.issues, source=source) from None
    target = check_target(root, out_dir, "trial codegen")
    write_tree(files, target, texts)
    return target
