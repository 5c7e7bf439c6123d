"""The architecture decision process: a search space unrolled into a fixed sequence of masked steps.

Every decision of a :class:`~nastuners.space.SearchSpace` with more than one category becomes steps:

* ``op`` / ``choice`` decisions: one step over the candidate ops (options).
* ``inputs`` decisions of a layer with ``n`` optional inputs and count range ``[lo, hi]``: a **count** step
  (actions ``0..hi``, only ``lo..hi`` allowed; left out when ``lo == hi``), then ``hi`` **slot** steps over
  the ``n`` inputs. Slot ``j`` picks the ``j``-th chosen input. With ``c`` the chosen count:

  - ``j >= c``: the slot is padding; only action 0 is allowed (probability 1, it carries no information);
  - ``c <= n`` (distinct inputs): the index must exceed the previous slot's and leave room for the remaining
    ``c - j - 1`` slots (``prev < a <= n - c + j``), so every ``c``-subset has exactly one path, in
    declaration order;
  - ``c > n`` (a multiset, legal in NNI): the index must not decrease (``a >= prev``), one path per multiset.

So every complete action sequence is a valid architecture, every architecture has exactly one sequence, and
the masks depend only on the actions taken so far. The step count ``T`` is the same for every architecture,
which lets the policy sample a whole batch in one pass over the steps. Masks are computed for a batch of
prefixes at once (numpy, no per-sample loops); the gymnasium
:class:`~nastuners.tuners._ppo.env.ArchitectureEnv` uses the same code with a batch of one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...space import SearchSpace

__all__ = ["DecisionProcess", "Step"]


@dataclass(frozen=True)
class Step:
    """One step: its ``kind`` (``op``, ``choice``, ``count``, ``slot``), the decision it belongs to, its size.

    ``slot`` is the position of a slot step within its layer's chosen inputs; ``count_step`` is the index of
    the layer's count step (``-1`` when the count is fixed at ``fixed_count``); ``first_slot`` the step of
    slot 0.
    """

    kind: str
    decision: int
    size: int
    slot: int = 0
    count_step: int = -1
    fixed_count: int = 0
    first_slot: int = -1


class DecisionProcess:
    """The steps of a search space, batched action masks, and the mapping between actions and vectors."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        steps: list[Step] = []
        for d_index, d in enumerate(space.decisions):
            if d.n <= 1:
                continue  # nothing to decide: the only category is 0
            if d.kind != "inputs":
                steps.append(Step(d.kind, d_index, d.n))
                continue
            assert d.layer is not None
            n = len(d.layer.optional_inputs)
            lo, hi = d.layer.size_lo, d.layer.size_hi
            count_step = -1
            if lo != hi:
                count_step = len(steps)
                steps.append(Step("count", d_index, hi + 1, fixed_count=lo))
            first = len(steps)
            for j in range(hi):
                steps.append(Step("slot", d_index, n, slot=j, count_step=count_step, fixed_count=lo,
                                  first_slot=first))
        self.steps: tuple[Step, ...] = tuple(steps)
        self.sizes: tuple[int, ...] = tuple(s.size for s in steps)
        #: the widest step: masks and logits are padded to this many actions
        self.width: int = max(self.sizes, default=1)
        self._arange = np.arange(self.width)
        # masks of op, choice and count steps do not depend on the prefix
        self._static = [(self._arange >= (s.fixed_count if s.kind == "count" else 0))
                        & (self._arange < s.size) for s in self.steps]
        #: memo (decision, input indices) -> category
        self._categories: dict[tuple[int, tuple[int, ...]], int] = {}

    def __len__(self) -> int:
        return len(self.steps)

    # -- masks -------------------------------------------------------------------------------------------
    def mask(self, t: int, prefix: np.ndarray) -> np.ndarray:
        """Allowed actions at step ``t`` for a batch of action prefixes.

        ``prefix`` is an int array ``[B, >= t]`` (columns ``0..t-1`` are the actions taken). Returns a bool
        array ``[B, width]`` (possibly a read-only view: copy it before writing); columns at or beyond the
        step's size are always ``False``.
        """
        step = self.steps[t]
        batch = prefix.shape[0]
        a = self._arange[None, :]
        if step.kind != "slot":   # the same for every prefix: a read-only view, no copy
            return np.broadcast_to(self._static[t], (batch, self.width))
        n, j = step.size, step.slot
        if step.count_step >= 0:
            count = prefix[:, step.count_step].astype(np.int64)[:, None]
        else:
            count = np.full((batch, 1), step.fixed_count, dtype=np.int64)
        prev = prefix[:, step.first_slot + j - 1][:, None] if j > 0 else np.full((batch, 1), -1)
        distinct = (a > prev) & (a <= n - count + j)
        multiset = (a >= prev) & (a < n)
        valid = np.where(count <= n, distinct, multiset)
        return np.where(j < count, valid, a == 0)

    def masks(self, actions: np.ndarray) -> np.ndarray:
        """Masks of every step for complete action sequences ``[B, T]``: a bool array ``[B, T, width]``."""
        out = np.zeros((actions.shape[0], len(self.steps), self.width), dtype=bool)
        for t in range(len(self.steps)):
            out[:, t] = self.mask(t, actions)
        return out

    # -- actions <-> vectors -----------------------------------------------------------------------------
    def to_vectors(self, actions: np.ndarray) -> list[tuple[int, ...]]:
        """Space vectors of complete action sequences ``[B, T]`` (valid sequences only)."""
        batch = actions.shape[0]
        columns: list[list[int]] = [[0] * batch for _ in self.space.decisions]
        slots: dict[int, list[int]] = {}
        for t, step in enumerate(self.steps):
            if step.kind in ("op", "choice"):
                columns[step.decision] = actions[:, t].tolist()
            elif step.kind == "slot" and step.slot == 0:
                slots[step.decision] = [t, step.count_step, step.fixed_count]
        for d_index, (first, count_step, fixed) in slots.items():
            counts = actions[:, count_step].tolist() if count_step >= 0 else [fixed] * batch
            rows = actions[:, first:first + max(counts, default=0)].tolist()
            columns[d_index] = [self._category(d_index, tuple(row[:c]))
                                for row, c in zip(rows, counts, strict=True)]
        # decisions whose count is variable but all of whose slots are padding are covered above; decisions
        # with one category stay 0
        return [tuple(v) for v in zip(*columns, strict=True)] if columns else [() for _ in range(batch)]

    def _category(self, d_index: int, indices: tuple[int, ...]) -> int:
        key = (d_index, indices)
        category = self._categories.get(key)
        if category is None:
            if len(self._categories) > 100_000:   # huge spaces: keep the memo bounded
                self._categories.clear()
            category = self._categories[key] = self.space.input_category(d_index, indices)
        return category

    def to_actions(self, vector: tuple[int, ...] | list[int]) -> np.ndarray:
        """The unique action sequence of a space vector, as an int array ``[T]``."""
        out = np.zeros(len(self.steps), dtype=np.int64)
        for t, step in enumerate(self.steps):
            if step.kind in ("op", "choice"):
                out[t] = vector[step.decision]
            elif step.kind == "count":
                out[t] = len(self.space.input_subset(step.decision, vector[step.decision]))
            else:
                subset = self.space.input_subset(step.decision, vector[step.decision])
                out[t] = subset[step.slot] if step.slot < len(subset) else 0
        return out
