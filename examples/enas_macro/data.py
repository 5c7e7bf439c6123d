"""Data for the examples: scikit-learn's digits (8x8, ships with the dependency) or real MNIST files.

``load(mnist_dir=None)`` returns ``(x_train, y_train, x_test, y_test)`` as float32 images ``[N, H, W, 1]`` in
[0, 1] and int64 labels. With ``mnist_dir`` it reads the four idx files NNI's example downloaded
(``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``, optionally ``.gz``).
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def _read_idx(directory: Path, stem: str) -> np.ndarray:
    for path in (directory / stem, directory / (stem + ".gz")):
        if path.exists():
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            _, _, dtype_code, ndim = struct.unpack(">BBBB", raw[:4])
            if dtype_code != 0x08:
                msg = f"{path}: not an unsigned-byte idx file (type code {dtype_code:#x})"
                raise ValueError(msg)
            shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
    msg = f"{directory}: missing {stem} (or {stem}.gz); expected the four MNIST idx files {list(_FILES)}"
    raise FileNotFoundError(msg)


def load(mnist_dir: str | None = None,
         seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if mnist_dir:
        d = Path(mnist_dir)
        xs = [_read_idx(d, _FILES[0]), _read_idx(d, _FILES[2])]
        ys = [_read_idx(d, _FILES[1]), _read_idx(d, _FILES[3])]
        x_train, x_test = (x.astype(np.float32)[..., None] / 255.0 for x in xs)
        return x_train, ys[0].astype(np.int64), x_test, ys[1].astype(np.int64)
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.images.astype(np.float32)[..., None] / 16.0
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    split = int(0.8 * len(x))
    return x[:split], y[:split], x[split:], y[split:]
