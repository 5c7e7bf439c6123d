"""Ranking and unranking of input subsets (combinations, and multisets when the count exceeds the inputs).

Categories of an ``inputs`` decision are ordered first by count, then lexicographically by the sorted input
indices. Ranking uses the combinatorial number system, so huge spaces never enumerate anything.
"""

from __future__ import annotations

from functools import lru_cache
from math import comb


def count_subsets(n: int, c: int) -> int:
    """Number of categories with exactly ``c`` inputs out of ``n`` (multisets when ``c > n``)."""
    if c <= n:
        return comb(n, c)
    if n == 0:
        return 0
    return comb(n + c - 1, c)


def _rank_combination(indices: tuple[int, ...], n: int) -> int:
    """Lexicographic rank of an increasing tuple among all ``len(indices)``-subsets of ``range(n)``."""
    c = len(indices)
    rank = 0
    prev = -1
    for i, idx in enumerate(indices):
        for skipped in range(prev + 1, idx):
            rank += comb(n - skipped - 1, c - i - 1)
        prev = idx
    return rank


def _unrank_combination(rank: int, n: int, c: int) -> tuple[int, ...]:
    """Inverse of :func:`_rank_combination`."""
    out: list[int] = []
    x = 0
    for i in range(c):
        while True:
            block = comb(n - x - 1, c - i - 1)
            if rank < block:
                break
            rank -= block
            x += 1
        out.append(x)
        x += 1
    return tuple(out)


def rank_subset(indices: tuple[int, ...], n: int) -> int:
    """Rank of sorted ``indices`` among subsets of its size (a multiset when ``len(indices) > n``)."""
    c = len(indices)
    if c <= n:
        return _rank_combination(indices, n)
    # multiset a_0 <= a_1 <= ... maps to the combination a_i + i of range(n + c - 1)
    return _rank_combination(tuple(a + i for i, a in enumerate(indices)), n + c - 1)


@lru_cache(maxsize=65536)
def unrank_subset(rank: int, n: int, c: int) -> tuple[int, ...]:
    """Inverse of :func:`rank_subset` for subsets of size ``c``."""
    if c <= n:
        return _unrank_combination(rank, n, c)
    combo = _unrank_combination(rank, n + c - 1, c)
    return tuple(b - i for i, b in enumerate(combo))
