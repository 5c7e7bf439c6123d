"""trial_runtime.datasets: scikit-learn's digits split, idx/MNIST files read back exactly, clear errors."""

from __future__ import annotations

import gzip
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from trial_runtime.datasets import MNIST_FILES, DatasetError, load, load_digits, load_mnist, read_idx

_CODES = {np.dtype("u1"): 0x08, np.dtype("i1"): 0x09, np.dtype("i2"): 0x0B, np.dtype("i4"): 0x0C,
          np.dtype("f4"): 0x0D, np.dtype("f8"): 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """The idx encoding of ``array``, written independently of the reader (header by hand, big-endian)."""
    header = bytes([0, 0, _CODES[array.dtype], array.ndim])
    header += b"".join(struct.pack(">I", n) for n in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_mnist(directory: Path, *, gz: bool, n_train: int = 5, n_test: int = 3) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    arrays = [rng.integers(0, 256, (n_train, 4, 3), dtype=np.uint8),
              rng.integers(0, 10, n_train, dtype=np.uint8),
              rng.integers(0, 256, (n_test, 4, 3), dtype=np.uint8),
              rng.integers(0, 10, n_test, dtype=np.uint8)]
    directory.mkdir(parents=True, exist_ok=True)
    for stem, array in zip(MNIST_FILES, arrays, strict=True):
        data = idx_bytes(array)
        (directory / (stem + ".gz" if gz else stem)).write_bytes(gzip.compress(data) if gz else data)
    return arrays


# -- digits ----------------------------------------------------------------------------------------------
def test_digits_shapes_dtypes_and_ranges() -> None:
    pytest.importorskip("sklearn")
    x_train, y_train, x_test, y_test = load_digits()
    assert x_train.shape == (1437, 8, 8, 1) and x_test.shape == (360, 8, 8, 1)  # 1797 digits, 80/20
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert x_train.dtype == x_test.dtype == np.float32 and y_train.dtype == y_test.dtype == np.int64
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0
        np.testing.assert_array_equal(x * 16, np.round(x * 16))  # pixels were integers 0..16
    assert set(np.unique(y_train)) == set(range(10)) and set(np.unique(y_test)) == set(range(10))


def test_digits_split_is_a_seeded_partition() -> None:
    """Same seed: same split; another seed: another split of the same 1797 (image, label) pairs."""
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits as sk_digits

    a, b, c = load_digits(seed=0), load_digits(seed=0), load_digits(seed=1)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[0], c[0])
    digits = sk_digits()
    expected = sorted((img.astype(np.float32) / 16).tobytes() + bytes([t]) for img, t in
                      zip(digits.images, digits.target, strict=True))
    for x_train, y_train, x_test, y_test in (a, c):
        pairs = [img[..., 0].tobytes() + bytes([int(t)]) for img, t in
                 zip(np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test]), strict=True)]
        assert sorted(pairs) == expected
    np.testing.assert_array_equal(load()[1], a[1])  # load() without a directory is digits, seed 0


def test_digits_test_fraction() -> None:
    pytest.importorskip("sklearn")
    x_train, _, x_test, _ = load_digits(test_fraction=0.5)
    assert (len(x_train), len(x_test)) == (898, 899)
    with pytest.raises(DatasetError, match=r"test_fraction=1\.5; expected a number strictly between 0 and 1"):
        load_digits(test_fraction=1.5)


# -- idx and MNIST files -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", list(_CODES))
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_read_idx_round_trips_every_type(tmp_path: Path, dtype: np.dtype, gz: bool) -> None:
    array = (np.arange(24).reshape(2, 3, 4) * (-1) ** np.arange(24).reshape(2, 3, 4)).astype(dtype)
    if dtype.kind == "u":
        array = np.arange(24, dtype=dtype).reshape(2, 3, 4)
    data = idx_bytes(array)
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(data) if gz else data)  # gzip is recognised without a .gz suffix
    out = read_idx(path)
    assert out.dtype == dtype and out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, array)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_mnist_files_read_back_exactly(tmp_path: Path, gz: bool) -> None:
    arrays = write_mnist(tmp_path / "mnist", gz=gz)
    x_train, y_train, x_test, y_test = load(tmp_path / "mnist")
    assert x_train.shape == (5, 4, 3, 1) and x_test.shape == (3, 4, 3, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_array_equal(np.round(x_train[..., 0] * 255).astype(np.uint8), arrays[0])
    np.testing.assert_array_equal(np.round(x_test[..., 0] * 255).astype(np.uint8), arrays[2])
    np.testing.assert_array_equal(y_train, arrays[1])
    np.testing.assert_array_equal(y_test, arrays[3])
    assert x_train.min() >= 0.0 and x_train.max() <= 1.0


def test_header_byte_layout_known_answer(tmp_path: Path) -> None:
    """A file written byte by byte: uint8, 2 dimensions (2, 3), then 6 elements."""
    path = tmp_path / "tiny"
    path.write_bytes(bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255]))
    np.testing.assert_array_equal(read_idx(path), [[1, 2, 3], [4, 5, 255]])
    path.write_bytes(bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE]))  # big-endian int16
    np.testing.assert_array_equal(read_idx(path), [258, -2])


# -- errors ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("content", "expected"), [
    (b"", r"not an idx file \(header empty\); expected two zero bytes"),
    (b"P5\n28 28\n255\n", r"not an idx file \(header 50350a32\)"),
    (bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 9]), r"unknown idx type code 0x07; expected one of 0x08"),
    (bytes([0, 0, 8, 0]), r"declares 0 dimensions"),
    (bytes([0, 0, 8, 3, 0, 0, 0, 2]), r"declares 3 dimensions but the file has 8 bytes"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 4, 1, 2]), r"truncated: 10 bytes, expected 12 for shape \(4,\) of uint8"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 1, 1, 2]), r"has trailing bytes: 10 bytes, expected 9"),
    (b"\x1f\x8b\x08\x00garbage", r"corrupt gzip data .*expected a gzip-compressed idx file"),
], ids=["empty", "pgm", "type", "ndim0", "short-header", "truncated", "trailing", "bad-gzip"])
def test_bad_idx_files_say_what_where_and_how_to_fix(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=expected) as info:
        read_idx(path)
    assert str(info.value).startswith(f"{path}: ") and "re-download" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_truncated_gzip_file(tmp_path: Path) -> None:
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.arange(10, dtype=np.uint8)))[:-12])
    with pytest.raises(DatasetError, match=rf"^{path}: corrupt gzip data"):
        read_idx(path)


def test_bad_mnist_directories(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"nope: does not exist; expected a directory with the four MNIST"):
        load(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(DatasetError, match=r"file: is a file; expected a directory"):
        load_mnist(tmp_path / "file")
    with pytest.raises(DatasetError, match=r"no such file; expected an idx file"):
        read_idx(tmp_path / "missing")
    with pytest.raises(DatasetError, match=r"is a directory; expected an idx file"):
        read_idx(tmp_path)
    write_mnist(tmp_path / "partial", gz=True)
    (tmp_path / "partial" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match=r"partial: missing t10k-labels-idx1-ubyte \(or t10k-labels-"
                                           r"idx1-ubyte\.gz\); expected the four MNIST .*--mnist-dir"):
        load(tmp_path / "partial")


def test_mismatched_mnist_files(tmp_path: Path) -> None:
    directory = tmp_path / "mnist"
    write_mnist(directory, gz=False)
    (directory / MNIST_FILES[1]).write_bytes(idx_bytes(np.zeros(4, dtype=np.uint8)))  # 4 labels, 5 images
    with pytest.raises(DatasetError, match=r"labels of shape \(4,\) for 5 images; expected \[5\]"):
        load_mnist(directory)
    write_mnist(directory, gz=False)
    (directory / MNIST_FILES[0]).write_bytes(idx_bytes(np.zeros(5, dtype=np.uint8)))  # labels as images
    with pytest.raises(DatasetError, match=r"images of shape \(5,\) \(uint8\); expected \[N, rows, cols\]"):
        load_mnist(directory)


# -- import cost -------------------------------------------------------------------------------------------
def test_imports_stay_lazy() -> None:
    """``import trial_runtime`` loads neither this module nor numpy; importing it loads no scikit-learn."""
    code = ("import sys, trial_runtime\n"
            "first = [m for m in ('trial_runtime.datasets', 'numpy', 'sklearn') if m in sys.modules]\n"
            "import trial_runtime.datasets\n"
            "print(first, 'sklearn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          check=True)
    assert done.stdout.strip() == "[] False"
