"""Input decisions: the categories of one layer's optional-input subset, and moves between them.

For an allowed count ``c <= n`` a category is a ``c``-combination of the ``n`` optional inputs; for ``c > n``
(legal in NNI, whose tuners repeat inputs) a multiset of size ``c``. Categories are ranked by count, then
lexicographically by the sorted input indices (see :mod:`._combinatorics`).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from operator import index

from ._combinatorics import count_subsets, rank_subset, unrank_subset
from ._model import Decision, Layer


def inputs_decision(layer: Layer) -> Decision:
    """The ``inputs`` decision of a layer with optional inputs."""
    n = len(layer.optional_inputs)
    counts = tuple(range(layer.size_lo, layer.size_hi + 1))
    offsets = []
    total = 0
    for c in counts:
        offsets.append(total)
        total += count_subsets(n, c)
    return Decision("inputs", total, layer=layer, counts=counts, offsets=tuple(offsets))


def _n_inputs(d: Decision) -> int:
    if d.kind != "inputs" or d.layer is None:
        msg = f"decision {d.label} is a {d.kind!r} decision, not an 'inputs' decision"
        raise ValueError(msg)
    return len(d.layer.optional_inputs)


def subset(d: Decision, category: int) -> tuple[int, ...]:
    """Sorted input indices of ``category`` (repeats only when its count exceeds the number of inputs)."""
    n = _n_inputs(d)
    category = index(category)
    if not 0 <= category < d.n:
        msg = f"category {category} out of range for {d.label}: expected 0 <= category < {d.n}"
        raise ValueError(msg)
    k = bisect_right(d.offsets, category) - 1
    return unrank_subset(category - d.offsets[k], n, d.counts[k])


def category(d: Decision, indices: Iterable[int]) -> int:
    """Category of input ``indices`` (any order); distinct unless the count exceeds the number of inputs."""
    n = _n_inputs(d)
    chosen = tuple(sorted(index(i) for i in indices))
    c = len(chosen)
    if c not in d.counts:
        msg = (f"{d.label}: {c} inputs chosen {list(chosen)}, allowed counts are {list(d.counts)}; "
               "choose that many input indices")
        raise ValueError(msg)
    if chosen and not (chosen[0] >= 0 and chosen[-1] < n):
        msg = f"{d.label}: input indices {list(chosen)} out of range; expected 0 <= index < {n}"
        raise ValueError(msg)
    if c <= n and len(set(chosen)) != c:
        msg = (f"{d.label}: input indices {list(chosen)} repeat; with {c} <= {n} inputs the category is a "
               "set of distinct inputs")
        raise ValueError(msg)
    return d.offsets[d.counts.index(c)] + rank_subset(chosen, n)


def sample_category(d: Decision, rng: random.Random) -> int:
    """Uniform over the allowed counts, then uniform over the subsets of that count."""
    k = rng.randrange(len(d.counts))
    end = d.offsets[k + 1] if k + 1 < len(d.counts) else d.n
    return d.offsets[k] + rng.randrange(end - d.offsets[k])


def _moves(n: int, current: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    for j in range(n):  # add one input
        yield tuple(sorted((*current, j)))
    for pos in range(len(current)):
        rest = current[:pos] + current[pos + 1:]
        yield rest  # drop one input
        for j in range(n):  # swap one input for another
            if j != current[pos]:
                yield tuple(sorted((*rest, j)))


def neighbour_categories(d: Decision, cat: int) -> list[int]:
    """Categories one input away from ``cat`` (add, drop or swap one input), sorted, ``cat`` excluded."""
    n = _n_inputs(d)
    current = subset(d, cat)
    allowed = set(d.counts)
    found: set[int] = set()
    for s in _moves(n, current):
        c = len(s)
        if c in allowed and (c > n or len(set(s)) == c):
            found.add(d.offsets[d.counts.index(c)] + rank_subset(s, n))
    found.discard(cat)
    return sorted(found)
