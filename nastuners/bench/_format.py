"""The compact table format nastune ships its benchmarks in (``*.table.zip``).

A table file is a zip archive with

* ``meta.json``: ``{"format": "nastune-table", "format_version": 1, "space": <search space JSON>,
  "rows": N, "metrics": {name: {"file": "<name>.npy", "per_seed": bool, "encoding": {...},
  "description": str}}, "index_file": "index.npy" | null, ...free-form attribution keys}``;
* one ``.npy`` array per metric: shape ``(N,)`` for a scalar metric, ``(N, K)`` for per-seed values
  (missing seeds padded);
* ``index.npy`` (optional): the mixed-radix rank (``SearchSpace.index``) of each row's architecture. Without
  it the table is complete and row ``i`` is the architecture of rank ``i``.

Encodings keep the files small and the values exact: ``{"dtype": "float32"}`` when every value is a float32,
``{"dtype": "int32", "scale": 10**d}`` when every value has at most ``d`` decimals (value = int / scale;
``-2**31`` marks a missing value), else ``{"dtype": "float64"}`` (NaN marks a missing value). Decoding
always yields float64 arrays with NaN for missing values, bit-equal to the values that were written.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._errors import BenchmarkError

FORMAT = "nastune-table"
FORMAT_VERSION = 1
_MISSING_INT = np.iinfo(np.int32).min


@dataclass
class CompactTable:
    """The decoded content of a table file: the space JSON, float64 metric arrays and the row index."""

    space: dict[str, Any]
    metrics: dict[str, np.ndarray]
    index: np.ndarray | None = None
    descriptions: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """Number of architectures in the table."""
        return len(next(iter(self.metrics.values()))) if self.metrics else 0


def _choose_encoding(values: np.ndarray) -> dict[str, Any]:
    finite = values[np.isfinite(values)]
    if np.array_equal(finite.astype(np.float32).astype(np.float64), finite):
        return {"dtype": "float32"}
    for decimals in range(7):
        scale = 10**decimals
        scaled = np.round(finite * scale)
        if np.abs(scaled).max(initial=0) >= 2**31 - 1:
            break
        if np.array_equal(scaled / scale, finite):
            return {"dtype": "int32", "scale": scale}
    return {"dtype": "float64"}


def _encode(values: np.ndarray, encoding: dict[str, Any]) -> np.ndarray:
    if encoding["dtype"] == "float32":
        return values.astype(np.float32)
    if encoding["dtype"] == "int32":
        out = np.full(values.shape, _MISSING_INT, dtype=np.int32)
        ok = np.isfinite(values)
        out[ok] = np.round(values[ok] * encoding["scale"]).astype(np.int32)
        return out
    return values.astype(np.float64)


def _decode(raw: np.ndarray, encoding: dict[str, Any]) -> np.ndarray:
    if encoding["dtype"] == "int32":
        out = raw.astype(np.float64) / float(encoding["scale"])
        out[raw == _MISSING_INT] = np.nan
        return out
    return raw.astype(np.float64)


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def write_compact(path: str | Path, table: CompactTable) -> None:
    """Write ``table`` to ``path`` (deterministic bytes: fixed member order and timestamps)."""
    meta: dict[str, Any] = dict(table.meta)
    meta.update({"format": FORMAT, "format_version": FORMAT_VERSION, "space": table.space,
                 "rows": table.rows, "metrics": {}, "index_file": None})
    members: list[tuple[str, bytes]] = []
    for name, values in table.metrics.items():
        values = np.asarray(values, dtype=np.float64)
        if values.ndim not in (1, 2) or len(values) != table.rows:
            msg = f"metric {name!r} has shape {values.shape}; expected ({table.rows},) or ({table.rows}, K)"
            raise ValueError(msg)
        encoding = _choose_encoding(values)
        fname = f"{name}.npy"
        meta["metrics"][name] = {"file": fname, "per_seed": values.ndim == 2, "encoding": encoding,
                                 "description": table.descriptions.get(name, "")}
        members.append((fname, _npy_bytes(_encode(values, encoding))))
    if table.index is not None:
        meta["index_file"] = "index.npy"
        members.append(("index.npy", _npy_bytes(np.asarray(table.index, dtype=np.int64))))
    members.insert(0, ("meta.json", json.dumps(meta, indent=1, sort_keys=True).encode()))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=9)


def read_compact(path: str | Path) -> CompactTable:
    """Read a table file written by :func:`write_compact`; raise ``BenchmarkError`` naming what is wrong."""
    try:
        with zipfile.ZipFile(path) as zf:
            meta = json.loads(zf.read("meta.json"))
            if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
                msg = (f"{path}: not a {FORMAT} v{FORMAT_VERSION} file (format={meta.get('format')!r}, "
                       f"version={meta.get('format_version')!r}); "
                       "rebuild it with benchmarks/rebuild_tables.py")
                raise BenchmarkError(msg)
            metrics: dict[str, np.ndarray] = {}
            descriptions: dict[str, str] = {}
            for name, info in meta["metrics"].items():
                raw = np.load(io.BytesIO(zf.read(info["file"])), allow_pickle=False)
                metrics[name] = _decode(raw, info["encoding"])
                descriptions[name] = info.get("description", "")
            index = None
            if meta.get("index_file"):
                index = np.load(io.BytesIO(zf.read(meta["index_file"])), allow_pickle=False)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        if isinstance(exc, BenchmarkError):
            raise
        msg = f"{path}: cannot read table file: {exc}"
        raise BenchmarkError(msg) from None
    extra = {k: v for k, v in meta.items()
             if k not in ("format", "format_version", "space", "rows", "metrics", "index_file")}
    return CompactTable(space=meta["space"], metrics=metrics, index=index, descriptions=descriptions,
                        meta=extra)
