"""Small image data sets for trial code and the examples, with nothing downloaded at run time.

- ``load(mnist_dir=None, seed=0)``: ``load_mnist(mnist_dir)`` when a directory is given, else
  ``load_digits(seed)``;
- ``load_digits(seed=0, test_fraction=0.2)``: scikit-learn's 8x8 digits (shipped inside scikit-learn),
  shuffled by ``seed`` and split;
- ``load_mnist(directory)``: the four MNIST idx files NNI's example downloaded (each plain or gzipped);
- ``read_idx(path)``: one idx file (any idx element type; gzip recognised from the content) as an array.

The loaders return ``(x_train, y_train, x_test, y_test)``: float32 images ``[N, H, W, 1]`` scaled to
[0, 1] and int64 labels. A missing, truncated or malformed file raises :class:`DatasetError` naming the file,
what is wrong, what was expected and how to fix it. scikit-learn is imported only by ``load_digits``.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from nastuners.exceptions import NastunersError

__all__ = ["MNIST_FILES", "DatasetError", "load", "load_digits", "load_mnist", "read_idx"]

#: the MNIST file stems (train images, train labels, test images, test labels); ``.gz`` is also accepted
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
# idx element type code -> big-endian NumPy dtype
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class DatasetError(NastunersError, ValueError):
    """A data file or directory that cannot be read as the expected data set."""


def read_idx(path: str | Path) -> np.ndarray:
    """Read one idx file (the MNIST format) into an array of its shape and element type.

    Layout: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
    0x0E float64), the number of dimensions, one big-endian uint32 per dimension, then the elements. Gzip
    compression is recognised from the first bytes, whatever the file is called.
    """
    path = Path(path)
    fix = "re-download or re-extract the file (MNIST: train-images-idx3-ubyte.gz etc.)"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        msg = f"{path}: no such file; expected an idx file; check the path"
        raise DatasetError(msg) from None
    except IsADirectoryError:
        msg = f"{path}: is a directory; expected an idx file; give the file's path"
        raise DatasetError(msg) from None
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            msg = (f"{path}: corrupt gzip data ({exc}); expected a gzip-compressed idx file; "
                   f"{fix}")
            raise DatasetError(msg) from None
    if len(raw) < 4 or raw[:2] != b"\0\0":
        msg = (f"{path}: not an idx file (header {raw[:4].hex() or 'empty'}); expected two zero "
               f"bytes, a type code and a dimension count; {fix}")
        raise DatasetError(msg)
    type_code, ndim = raw[2], raw[3]
    if type_code not in _IDX_TYPES:
        known = ", ".join(f"{c:#04x}" for c in _IDX_TYPES)
        msg = f"{path}: unknown idx type code {type_code:#04x}; expected one of {known}; {fix}"
        raise DatasetError(msg)
    if ndim == 0 or len(raw) < 4 + 4 * ndim:
        msg = (f"{path}: idx header declares {ndim} dimensions but the file has {len(raw)} bytes; "
               f"expected at least one dimension and its sizes; {fix}")
        raise DatasetError(msg)
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    dtype = np.dtype(_IDX_TYPES[type_code])
    expected = 4 + 4 * ndim + math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        kind = "truncated" if len(raw) < expected else "has trailing bytes"
        msg = (f"{path}: {kind}: {len(raw)} bytes, expected {expected} for shape {shape} of "
               f"{dtype.name}; {fix}")
        raise DatasetError(msg)
    data = np.frombuffer(raw, dtype=dtype, offset=4 + 4 * ndim).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _find(directory: Path, stem: str) -> Path:
    for candidate in (directory / stem, directory / (stem + ".gz")):
        if candidate.is_file():
            return candidate
    present = sorted(p.name for p in directory.iterdir())[:8]
    msg = (f"{directory}: missing {stem} (or {stem}.gz); expected the four MNIST idx files "
           f"{list(MNIST_FILES)} (found {present}); point --mnist-dir at the folder holding them")
    raise DatasetError(msg)


def load_mnist(directory: str | Path) -> Split:
    """The MNIST train and test sets from the four idx files in ``directory`` (plain or ``.gz``)."""
    directory = Path(directory)
    if not directory.is_dir():
        what = "is a file" if directory.exists() else "does not exist"
        msg = (f"{directory}: {what}; expected a directory with the four MNIST idx files "
               f"{list(MNIST_FILES)}; check the path")
        raise DatasetError(msg)
    arrays = [read_idx(_find(directory, stem)) for stem in MNIST_FILES]
    out: list[np.ndarray] = []
    for images, labels, (image_stem, label_stem) in ((arrays[0], arrays[1], MNIST_FILES[:2]),
                                                     (arrays[2], arrays[3], MNIST_FILES[2:])):
        if images.ndim != 3 or images.dtype != np.uint8:
            msg = (f"{directory / image_stem}: images of shape {images.shape} ({images.dtype}); "
                   "expected [N, rows, cols] uint8; check that the files are not swapped")
            raise DatasetError(msg)
        if labels.ndim != 1 or len(labels) != len(images):
            msg = (f"{directory / label_stem}: labels of shape {labels.shape} for "
                   f"{len(images)} images; expected [{len(images)}]; check that the files "
                   "belong together")
            raise DatasetError(msg)
        out += [images.astype(np.float32)[..., None] / np.float32(255.0), labels.astype(np.int64)]
    return out[0], out[1], out[2], out[3]


def load_digits(seed: int = 0, test_fraction: float = 0.2) -> Split:
    """scikit-learn's 1797 8x8 digits, shuffled with ``seed``; the last ``test_fraction`` is the test set."""
    if not 0.0 < test_fraction < 1.0:
        msg = f"test_fraction={test_fraction!r}; expected a number strictly between 0 and 1"
        raise DatasetError(msg)
    try:
        from sklearn.datasets import load_digits as sk_digits
    except ImportError as exc:
        msg = ("the digits data set needs scikit-learn, which is not installed; "
               "pip install 'nastune[examples]' (or scikit-learn)")
        raise DatasetError(msg) from exc
    digits = sk_digits()
    x = digits.images.astype(np.float32)[..., None] / np.float32(16.0)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    split = int((1.0 - test_fraction) * len(x))
    return x[:split], y[:split], x[split:], y[split:]


def load(mnist_dir: str | Path | None = None, seed: int = 0) -> Split:
    """Real MNIST from ``mnist_dir`` when given (``seed`` unused: MNIST has a fixed split), else digits."""
    return load_mnist(mnist_dir) if mnist_dir else load_digits(seed)
