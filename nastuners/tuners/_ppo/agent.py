"""``PPOAgent``: batches of sampled architectures, the result cache, and the PPO update between batches.

The agent knows nothing of parameter ids: it hands out vectors (:meth:`propose`) and takes back scores
(:meth:`record`, :meth:`record_failure`). Each round it draws a pool of ``pool_factor * trials_per_update``
samples in one pass of the policy and keeps the prefix of the pool that holds ``trials_per_update``
architectures never evaluated (an on-policy sample that stops at a count of new ones). Samples already
evaluated take their cached score as reward and cost no trial; repeats inside a batch are issued once and
share the result. When the pool holds too few new architectures (the policy has converged), the batch is
topped up with unseen neighbours of the best architectures found (else random unseen ones), scored by the
current policy so PPO learns from them too. When every sample has a reward the policy is updated and the next
round begins, so each update costs exactly ``trials_per_update`` trials until the space is exhausted.
"""

from __future__ import annotations

import base64
import math
import random
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

from ...exceptions import NoMoreTrialError
from ...space import SearchSpace
from .algorithm import PPOConfig, ppo_update
from .optim import Adam, FlatParameters
from .policy import Policy
from .process import DecisionProcess

__all__ = ["PPOAgent"]

Vector = tuple[int, ...]
_NEIGHBOURHOODS = 5          # how many of the best architectures' neighbourhoods injection looks into
_ENUMERATE_LIMIT = 2_000_000


class _Batch:
    """One rollout batch: the samples, their rewards as they arrive, and what is left to issue."""

    def __init__(self, actions: np.ndarray, masks: np.ndarray, vectors: list[Vector]) -> None:
        self.actions, self.masks = actions, masks
        self.vectors = vectors
        self.rewards = np.full(len(vectors), np.nan)
        self.todo: list[Vector] = []                 # new architectures not yet issued, in sample order
        self.waiting: dict[Vector, list[int]] = {}   # architecture -> sample indices awaiting its score

    @property
    def complete(self) -> bool:
        return not self.todo and not self.waiting


class PPOAgent:
    """PPO over a space's decision process; see the module docstring for the batch protocol."""

    def __init__(self, space: SearchSpace, *, trials_per_update: int, config: PPOConfig, lr: float,
                 gamma: float, lam: float, seed: int, embedding: int = 32, hidden: int = 128,
                 pool_factor: int = 4, core: str = "lstm") -> None:
        self.space = space
        self.process = DecisionProcess(space)
        self.trials_per_update = trials_per_update
        self.config = config
        self.gamma, self.lam = gamma, lam
        self.generator = torch.Generator().manual_seed(seed)
        self.np_rng = np.random.default_rng(seed)
        self.py_rng = random.Random(seed)
        self.policy: Policy | None = None
        self.optimizer: Adam | None = None
        self.flat: FlatParameters | None = None
        if len(self.process):
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                self.policy = Policy(self.process.sizes, embedding=embedding, hidden=hidden, core=core)
            # one flat tensor: Adam steps and gradient clipping are a few operations, not a few per parameter
            self.flat = FlatParameters(self.policy.parameters())
            self.optimizer = Adam([self.flat.tensor], lr=lr)
        self.cache: dict[Vector, float] = {}         # evaluated architecture -> score (to maximise)
        self.failed: set[Vector] = set()             # architectures whose trial ended without a result
        self.batch: _Batch | None = None
        #: samples drawn per pass; the batch is the prefix holding ``trials_per_update`` new architectures
        self.pool_size = pool_factor * trials_per_update
        self.injected = 0                            # architectures added by _unseen, for diagnostics
        self.updates = 0
        self._stats: Callable[[], dict[str, float]] | None = None

    @property
    def last_stats(self) -> dict[str, float]:
        """The last update's diagnostics (policy, value loss, entropy, clip fraction); ``{}`` before one."""
        return self._stats() if self._stats is not None else {}

    # -- issuing -----------------------------------------------------------------------------------------
    def propose(self) -> Vector | None:
        """The next architecture to evaluate, or ``None`` when the current batch waits for results.

        Raises ``NoMoreTrialError`` when every architecture of the space has been evaluated or issued.
        """
        if self.batch is not None and self.batch.todo:
            return self.batch.todo.pop(0)
        if self.batch is not None and not self.batch.complete:
            return None
        if self.batch is not None:
            self._learn(self.batch)
            self.batch = None
        if len(self.cache) + len(self.failed) >= self.space.cardinality:
            raise NoMoreTrialError("every architecture of the search space has been evaluated")
        if self.policy is None:  # nothing to decide: the space has one architecture
            self.batch = self._batch(np.zeros((0, 0), dtype=np.int64), [self.space.unindex(0)])
        else:
            self.batch = self._sample()
        if not self.batch.todo:
            raise NoMoreTrialError("every architecture of the search space has been evaluated")
        return self.batch.todo.pop(0)

    def _sample(self) -> _Batch:
        """A pool of samples in one pass; the batch is its prefix up to the ``trials_per_update``-th new."""
        assert self.policy is not None
        wanted = self.trials_per_update
        actions, masks = self.policy.sample(self.pool_size, self.process.mask, self.generator)
        vectors = self.process.to_vectors(actions)
        fresh: set[Vector] = set()
        keep = len(vectors)
        for i, vector in enumerate(vectors):
            if not self._known(vector) and vector not in fresh:
                fresh.add(vector)
                if len(fresh) == wanted:
                    keep = i + 1
                    break
        actions, masks = actions[:keep], masks[:keep]
        vectors = vectors[:keep]
        if len(fresh) < wanted:
            extra = self._unseen(wanted - len(fresh), fresh)
            if extra:
                more = np.stack([self.process.to_actions(v) for v in extra])
                actions = np.concatenate([actions, more])
                masks = np.concatenate([masks, self.process.masks(more)])
                vectors += extra
                self.injected += len(extra)
        return self._batch(actions, vectors, masks)

    def _batch(self, actions: np.ndarray, vectors: list[Vector], masks: np.ndarray | None = None) -> _Batch:
        if masks is None:
            masks = np.zeros((*actions.shape, self.process.width), dtype=bool)
        batch = _Batch(actions, masks, vectors)
        for i, vector in enumerate(vectors):
            if self._known(vector):
                batch.rewards[i] = self.cache.get(vector, np.nan)   # NaN: failed, rewarded when learning
                continue
            if vector not in batch.waiting:
                batch.waiting[vector] = []
                batch.todo.append(vector)
            batch.waiting[vector].append(i)
        return batch

    def _unseen(self, count: int, taken: set[Vector]) -> list[Vector]:
        """Up to ``count`` never evaluated architectures: unseen neighbours of the best ones, else random."""
        out: list[Vector] = []
        chosen = set(taken)

        def take(vector: Vector) -> None:
            if not self._known(vector) and vector not in chosen:
                chosen.add(vector)
                out.append(vector)

        for best in sorted(self.cache, key=self.cache.__getitem__, reverse=True)[:_NEIGHBOURHOODS]:
            candidates = self.space.neighbours(best)
            self.py_rng.shuffle(candidates)
            for vector in candidates:
                if len(out) == count:
                    return out
                take(vector)
        for _ in range(64 * count):
            if len(out) == count:
                return out
            take(self.space.sample(self.py_rng))
        if self.space.cardinality <= _ENUMERATE_LIMIT:  # a nearly exhausted small space
            for vector in self.space.enumerate():
                if len(out) == count:
                    break
                take(vector)
        return out

    # -- results -----------------------------------------------------------------------------------------
    def record(self, vector: Vector, score: float) -> None:
        """The score (to maximise) of an issued architecture."""
        self.cache[vector] = float(score)
        self.failed.discard(vector)
        if self.batch is not None:
            for i in self.batch.waiting.pop(vector, []):
                self.batch.rewards[i] = score

    def _known(self, vector: Vector) -> bool:
        return vector in self.cache or vector in self.failed

    def failure_score(self) -> float:
        """The reward of a failed trial: the worst score seen so far (0 before any score)."""
        return min(self.cache.values(), default=0.0)

    def record_failure(self, vector: Vector) -> None:
        """An issued architecture's trial ended without a result; it is rewarded when the batch is learned."""
        if vector in self.cache:
            return
        self.failed.add(vector)
        if self.batch is not None:
            self.batch.waiting.pop(vector, None)   # its samples keep a NaN reward until _learn

    def batch_scores(self, batch: _Batch) -> np.ndarray:
        """The scores of a complete batch's samples, failures given :meth:`failure_score`."""
        return np.where(np.isnan(batch.rewards), self.failure_score(), batch.rewards)

    def import_scores(self, items: Iterable[tuple[Vector, float]]) -> int:
        """Add already evaluated architectures to the cache (their samples become free); returns how many."""
        added = 0
        for vector, score in items:
            if vector not in self.cache:
                added += 1
            self.cache[vector] = float(score)
        return added

    # -- learning ----------------------------------------------------------------------------------------
    def _learn(self, batch: _Batch) -> None:
        if self.policy is None or self.optimizer is None:
            return
        raw = self.batch_scores(batch)
        scores = np.fromiter(self.cache.values(), dtype=np.float64) if self.cache else raw
        mean, std = scores.mean(), scores.std()
        final = (raw - mean) / (std if std > 1e-12 and math.isfinite(std) else 1.0)
        if self.flat is not None:
            self.flat.zero_grad()
        self._stats = ppo_update(self.policy, self.optimizer, self.config, batch.actions, batch.masks, final,
                                 gamma=self.gamma, lam=self.lam, rng=self.np_rng)
        self.updates += 1

    # -- state -------------------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """Everything but the network and optimizer (see the tuner's ``state_dict``), JSON-friendly."""
        batch = None
        if self.batch is not None:
            b = self.batch
            batch = {"vectors": [list(v) for v in b.vectors], "actions": b.actions.tolist(),
                     "rewards": [None if math.isnan(r) else r for r in b.rewards.tolist()],
                     "todo": [list(v) for v in b.todo],
                     "waiting": [[list(v), idx] for v, idx in b.waiting.items()]}
        return {"cache": [[list(v), s] for v, s in self.cache.items()], "batch": batch,
                "failed": [list(v) for v in self.failed],
                "updates": self.updates, "injected": self.injected,
                "generator": base64.b64encode(self.generator.get_state().numpy().tobytes()).decode("ascii"),
                "np_rng": self.np_rng.bit_generator.state, "py_rng": _py_state(self.py_rng)}

    def load(self, state: dict[str, Any]) -> None:
        """Inverse of :meth:`state`."""
        self.cache = {tuple(v): float(s) for v, s in state["cache"]}
        self.failed = {tuple(v) for v in state["failed"]}
        self.injected = int(state["injected"])
        self.updates = int(state["updates"])
        raw = np.frombuffer(base64.b64decode(state["generator"]), dtype=np.uint8).copy()
        self.generator.set_state(torch.from_numpy(raw))
        self.np_rng.bit_generator.state = state["np_rng"]
        self.py_rng.setstate((state["py_rng"][0], tuple(state["py_rng"][1]), state["py_rng"][2]))
        self.batch = None
        b = state["batch"]
        if b is not None:
            vectors = [tuple(v) for v in b["vectors"]]
            actions = np.asarray(b["actions"], dtype=np.int64).reshape(len(vectors), len(self.process))
            batch = _Batch(actions, self.process.masks(actions), vectors)
            batch.rewards = np.array([np.nan if r is None else r for r in b["rewards"]], dtype=np.float64)
            batch.todo = [tuple(v) for v in b["todo"]]
            batch.waiting = {tuple(v): list(idx) for v, idx in b["waiting"]}
            self.batch = batch


def _py_state(rng: random.Random) -> list[Any]:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]
