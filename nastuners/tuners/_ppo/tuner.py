"""``PPOTuner``: NNI's PPO tuner arguments and verbs over a torch policy that covers every size form."""

from __future__ import annotations

import base64
import gc
import io
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...exceptions import ChoiceError, NoSuggestionYet
from ...space import SearchSpace
from ...tuner import OptimizeMode, Tuner

if TYPE_CHECKING:
    from .agent import PPOAgent

__all__ = ["PPOTuner"]

Vector = tuple[int, ...]


_FROZEN = False


def _freeze_import_garbage() -> None:
    """Once per process: move every object alive now (torch's ~170,000 included) out of the cyclic GC's reach.

    Importing torch leaves the collector a debt: its next full collection traverses all of torch's objects
    (about 0.1 s), whoever happens to allocate at that moment, and so does every later full collection.
    ``gc.freeze()`` puts the objects alive now in the permanent generation: they are still freed by reference
    counting, only never traversed again (a reference cycle among them that later becomes garbage is not
    reclaimed). Process-wide, like ``torch.set_num_threads``; documented in ``docs/ppo.md``.
    """
    global _FROZEN
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"PPOTuner: {name} must be an integer >= 1, got {value!r}"
        raise ValueError(msg)
    return value


def _number(name: str, value: Any, lo: float, hi: float, *, lo_open: bool = False) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if ok:
        ok = (value > lo if lo_open else value >= lo) and value <= hi
    if not ok:
        bracket = "(" if lo_open else "["
        msg = f"PPOTuner: {name} must be a number in {bracket}{lo}, {hi}], got {value!r}"
        raise ValueError(msg)
    return float(value)


class PPOTuner(Tuner):
    """Proximal policy optimisation over the architecture decision process (see ``docs/ppo.md``).

    A torch policy samples architectures in one batched pass, with invalid actions masked so every sample is
    valid (every ``optional_input_size`` form; distinct inputs in declaration order). Samples already
    evaluated reuse their cached score and cost no trial. When the batch is issued and results are pending,
    ``generate_parameters`` raises ``NoSuggestionYet``. Once every sample has a reward the policy takes a
    clipped-PPO update (GAE, normalised advantages, gradient clipping) and the next batch is drawn.

    Args (NNI 1.1's names and meanings; defaults chosen on the offline benchmarks, NNI's in brackets):
        optimize_mode: ``"maximize"`` or ``"minimize"``.
        seed: seeds torch, numpy and Python randomness; same seed, same proposals (on CPU).
        trials_per_update: new architectures (trials) per policy update. 8 [20].
        epochs_per_update: passes over the batch per update. 2 [4].
        minibatch_size: **samples per minibatch**; ``None`` (default) is the whole batch. NNI's value was the
            *number* of minibatches [4]; an NNI config's value is accepted and read as a size. It need not
            divide the batch: the batch is split into near-equal minibatches.
        lr: Adam learning rate. 3e-3 [3e-4].
        ent_coef, vf_coef, max_grad_norm, gamma, lam, cliprange: as in NNI / ppo2, same defaults
            (0.0, 0.5, 0.5, 0.99, 0.95, 0.2).
        network: ``"mlp"`` (default) or ``"lstm"`` (NNI's network); ``hidden_size`` 128, ``embedding_size``
        32.

    A trial that ends without a result (failed) gets the worst score seen so far as its reward (0 before any
    result); one that was interrupted (``trial_end(pid, False, interrupted=True)``) is issued again.
    ``import_data`` records evaluated architectures, so the policy's samples of them are free.
    """

    def __init__(self, *, optimize_mode: OptimizeMode = "maximize", seed: int | None = None,
                 trials_per_update: int = 8, epochs_per_update: int = 2, minibatch_size: int | None = None,
                 ent_coef: float = 0.0, lr: float = 3e-3, vf_coef: float = 0.5, max_grad_norm: float = 0.5,
                 gamma: float = 0.99, lam: float = 0.95, cliprange: float = 0.2,
                 hidden_size: int = 128, embedding_size: int = 32, network: str = "mlp") -> None:
        super().__init__(optimize_mode=optimize_mode, seed=seed)
        try:
            import torch
        except ImportError:
            raise ImportError("the ppo tuner needs torch: pip install 'nastune[torch]'") from None
        torch.set_num_threads(1)
        _freeze_import_garbage()
        from .algorithm import PPOConfig

        self.trials_per_update = _positive_int("trials_per_update", trials_per_update)
        self.config = PPOConfig(
            epochs_per_update=_positive_int("epochs_per_update", epochs_per_update),
            minibatch_size=(None if minibatch_size is None
                            else _positive_int("minibatch_size", minibatch_size)),
            ent_coef=_number("ent_coef", ent_coef, 0.0, 1e3),
            vf_coef=_number("vf_coef", vf_coef, 0.0, 1e3),
            max_grad_norm=_number("max_grad_norm", max_grad_norm, 0.0, 1e6),
            cliprange=_number("cliprange", cliprange, 0.0, 10.0, lo_open=True))
        self.lr = _number("lr", lr, 0.0, 10.0, lo_open=True)
        self.gamma = _number("gamma", gamma, 0.0, 1.0)
        self.lam = _number("lam", lam, 0.0, 1.0)
        self.hidden_size = _positive_int("hidden_size", hidden_size)
        self.embedding_size = _positive_int("embedding_size", embedding_size)
        if network not in ("lstm", "mlp"):
            msg = f"PPOTuner: network must be 'lstm' or 'mlp', got {network!r}"
            raise ValueError(msg)
        self.network = network
        self.agent: PPOAgent | None = None
        self._issued: dict[int, Vector] = {}   # parameter id -> architecture, until its result or end

    # -- NNI verbs -------------------------------------------------------------------------------------
    def update_search_space(self, search_space: Mapping[str, Any] | SearchSpace) -> None:
        """Receive the space; a changed space starts a fresh policy, the same space keeps learning."""
        old = self.space
        super().update_search_space(search_space)
        if self.agent is None or old != self.space:
            self._issued.clear()
            self.agent = self._new_agent()

    def _new_agent(self) -> PPOAgent:
        from .agent import PPOAgent

        space = self._require_space()
        seed = self.seed if self.seed is not None else self.rng.getrandbits(63)
        return PPOAgent(space, trials_per_update=self.trials_per_update, config=self.config, lr=self.lr,
                        gamma=self.gamma, lam=self.lam, seed=seed, embedding=self.embedding_size,
                        hidden=self.hidden_size, core=self.network)

    def _require_agent(self) -> PPOAgent:
        self._require_space()
        assert self.agent is not None
        return self.agent

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        """The next architecture of the current batch; ``NoSuggestionYet`` while the batch awaits results."""
        agent = self._require_agent()
        vector = agent.propose()
        if vector is None:
            msg = (f"PPOTuner: all {agent.trials_per_update} samples of the current batch are issued; "
                   "waiting for their results before the next policy update")
            raise NoSuggestionYet(msg)
        self._issued[parameter_id] = vector
        return agent.space.decode(vector)

    def receive_trial_result(self, parameter_id: int, parameters: dict[str, Any], value: Any,
                             **kwargs: Any) -> None:
        """Record the score of ``parameter_id``'s architecture as the reward of every sample of it."""
        agent = self._require_agent()
        score = self.score(value)
        vector = self._issued.pop(parameter_id, None)
        if vector is None:  # not issued by this tuner (or already ended): learn from it if it fits the space
            try:
                vector = agent.space.encode(parameters)
            except (ChoiceError, TypeError, AttributeError):
                return
        agent.record(vector, score)

    def trial_end(self, parameter_id: int, success: bool, **kwargs: Any) -> None:
        """A parameter that ends without a result gets the failure reward (the worst score seen so far).

        With ``interrupted=True`` (the runner died, the experiment stopped, or a multi-phase trial moved on
        without a result for it) the architecture was not evaluated: it is issued again, never marked failed.
        """
        vector = self._issued.pop(parameter_id, None)
        if vector is None:
            return
        agent = self._require_agent()
        if not kwargs.get("interrupted"):
            agent.record_failure(vector)
        elif agent.batch is not None and vector in agent.batch.waiting and vector not in agent.batch.todo:
            agent.batch.todo.append(vector)   # its samples still wait for a reward: issue it again

    def import_data(self, data: list[dict[str, Any]]) -> None:
        """Cache evaluated architectures (``[{"parameter": doc, "value": result}]``); skip bad records."""
        agent = self._require_agent()
        items = []
        for record in data:
            try:
                items.append((agent.space.encode(record["parameter"]), self.score(record["value"])))
            except (ChoiceError, KeyError, TypeError, ValueError, AttributeError):
                continue
        agent.import_scores(items)
        batch = agent.batch
        if batch is not None:  # a result for a sample of the current batch (resume): it is its reward
            for vector, score in items:
                if vector in batch.waiting:
                    if vector in batch.todo:
                        batch.todo.remove(vector)
                    agent.record(vector, score)

    # -- state -----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Base state, the agent's batch and cache, and the network and optimizer (base64 ``torch.save``)."""
        state = super().state_dict()
        if self.agent is not None:
            ppo = self.agent.state()
            if self.agent.policy is not None and self.agent.optimizer is not None:
                ppo["policy"] = _pack(self.agent.policy.state_dict())
                ppo["optimizer"] = _pack(self.agent.optimizer.state_dict())
            ppo["issued"] = [[pid, list(v)] for pid, v in self._issued.items()]
            state["ppo"] = ppo
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict` on a tuner with the same arguments, after ``update_search_space``."""
        super().load_state_dict(state)
        ppo = state.get("ppo")
        if ppo is None:
            return
        agent = self._require_agent()
        agent.load(ppo)
        if agent.policy is not None and agent.optimizer is not None:
            agent.policy.load_state_dict(_unpack(ppo["policy"]))
            agent.optimizer.load_state_dict(_unpack(ppo["optimizer"]))
        self._issued = {int(pid): tuple(v) for pid, v in ppo.get("issued", [])}


def _pack(obj: Any) -> str:
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _unpack(text: str) -> Any:
    import torch

    return torch.load(io.BytesIO(base64.b64decode(text)), weights_only=True)
