"""Reading search-space files strictly: errors name the file and the JSON path (repeated keys included)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from ..exceptions import Issue, SearchSpaceError
from ._parse import json_path
from ._space import SearchSpace


class _Object(dict[str, Any]):
    """A JSON object as read by :func:`read_space_json`: remembers the keys the document repeats."""

    repeated: dict[str, int]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    counts = Counter(key for key, _ in pairs)
    obj.repeated = {key: n for key, n in counts.items() if n > 1}
    return obj


def _plain(value: Any, path: str, issues: list[Issue]) -> Any:
    """``value`` with plain dicts, an issue for each repeated key (depth first, document order)."""
    if isinstance(value, list):
        return [_plain(item, json_path(path, i), issues) for i, item in enumerate(value)]
    if not isinstance(value, _Object):
        return value
    for key, n in value.repeated.items():
        issues.append(Issue(json_path(path, key), f"duplicate key {json.dumps(key)} ({n} times in this "
                                                  "object): JSON keeps only the last, so the others would be "
                                                  "silently dropped; merge them or rename one"))
    return {key: _plain(item, json_path(path, key), issues) for key, item in value.items()}


def read_space_json(path: str | Path) -> Any:
    """The JSON document of a search-space file, unvalidated but strictly read.

    Raises ``SearchSpaceError`` naming the file when it cannot be read, is not UTF-8 JSON, or repeats a key in
    any object (``{"a": 1, "a": 2}``, which ``json.loads`` would silently reduce to its last value).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        issue = Issue("$", f"cannot read the file: {exc.strerror or exc}; check the path")
        raise SearchSpaceError([issue], source=str(p)) from None
    except UnicodeDecodeError as exc:
        issue = Issue("$", f"the file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                           "save it as UTF-8 JSON")
        raise SearchSpaceError([issue], source=str(p)) from None
    try:
        raw = json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        issue = Issue("$", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}; "
                           "fix the syntax")
        raise SearchSpaceError([issue], source=str(p)) from None
    issues: list[Issue] = []
    doc = _plain(raw, "$", issues)
    if issues:
        raise SearchSpaceError(issues, source=str(p))
    return doc


def load_space(path: str | Path) -> SearchSpace:
    """Read (:func:`read_space_json`) and validate a search-space JSON file; errors name the file."""
    return SearchSpace.from_json(read_space_json(path), source=str(Path(path)))
