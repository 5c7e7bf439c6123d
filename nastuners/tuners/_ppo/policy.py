"""The autoregressive policy: action embeddings → a recurrent core → a masked head per step, and a value head.

Two cores share everything else. ``lstm`` is NNI's network (action embedding 32, one 128-unit LSTM over the
decision steps). ``mlp`` (the default) gives step ``t`` the context ``tanh(W (p_t + sum of the embeddings of
the actions before t))``: every earlier decision still conditions every later one, at less than half the cost
of a backward pass through the LSTM. Each step has its own output layer (not one shared vocabulary), invalid
actions get probability exactly 0, and a whole batch of architectures is sampled in one pass over the steps.

Cost notes (the network is tiny, so the number of operations, not their size, is what costs): training runs
step-major (``[T, B, ...]``) so the per-step heads are one ``baddbmm``; a batch is prepared once per update
(:class:`Prepared`: the mlp core's sums of earlier embeddings as a count matrix times the embedding table,
the masks as an additive bias) and reused by every epoch and minibatch; the mlp core backpropagates by hand
(:meth:`Policy.backward_prepared`, about 15 operations where autograd's graph has about 25 nodes; the tests
check it against autograd) and samples in numpy on views of the parameters (no autograd, no per-op
dispatch), several times cheaper than torch calls on a ``[32, 128]`` batch. The lstm core uses autograd.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

__all__ = ["Outputs", "Policy", "Prepared"]

#: logit given to forbidden actions: its softmax weight underflows to exactly 0 in float32
_FORBIDDEN = -1e9

MaskFn = Callable[[int, np.ndarray], np.ndarray]


@dataclass
class Prepared:
    """A batch of complete action sequences in the step-major layout :meth:`Policy.forward_prepared` reads.

    ``actions [T, B, 1]`` (long), ``bias [T, B, W]`` (0 for an allowed action, ``-1e9`` for a forbidden one),
    and the core's input: ``counts [T, B, V]`` (mlp: how often each token occurred up to step ``t``) or
    ``tokens [B, T]`` (lstm).
    """

    actions: torch.Tensor
    bias: torch.Tensor
    inputs: torch.Tensor

    def select(self, index: torch.Tensor) -> Prepared:
        """The samples ``index`` (a minibatch)."""
        inputs = self.inputs[:, index] if self.inputs.dim() == 3 else self.inputs[index]
        return Prepared(self.actions[:, index], self.bias[:, index], inputs)


class Outputs(NamedTuple):
    """:meth:`Policy.forward_prepared`'s result (``context`` and ``hidden``: mlp core, without autograd)."""

    logp_all: torch.Tensor
    logp: torch.Tensor
    values: torch.Tensor
    context: torch.Tensor | None = None
    hidden: torch.Tensor | None = None


def _grad(param: torch.Tensor) -> torch.Tensor:
    """``param.grad``, created (zeros) if missing: written in place, so flat gradient views stay linked."""
    if param.grad is None:
        param.grad = torch.zeros_like(param)
    return param.grad


class Policy(nn.Module):
    """A policy over ``len(sizes)`` steps; step ``t`` has ``sizes[t]`` actions (padded to ``max(sizes)``)."""

    offsets: torch.Tensor   # a buffer: where each step's actions start among the embedding tokens

    def __init__(self, sizes: Sequence[int], *, embedding: int = 32, hidden: int = 128,
                 core: str = "lstm") -> None:
        super().__init__()
        if not sizes:
            raise ValueError("a policy needs at least one step")
        self.sizes = tuple(int(s) for s in sizes)
        steps, width = len(self.sizes), max(self.sizes)
        # token 0 starts the sequence; the action a of step t is token 1 + offset[t] + a
        offsets = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        self._offsets_np = offsets
        self.register_buffer("offsets", torch.as_tensor(offsets, dtype=torch.long), persistent=False)
        self.tokens = 1 + sum(self.sizes)
        self.embed = nn.Embedding(self.tokens, embedding)
        if core not in ("lstm", "mlp"):
            msg = f"policy core must be 'lstm' or 'mlp', got {core!r}"
            raise ValueError(msg)
        self.core = core
        self.hidden_size = hidden
        if core == "lstm":
            self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        else:
            # context of step t: a position embedding plus the sum of the embeddings of the actions before it
            self.position = nn.Parameter(torch.zeros(steps, embedding))
            self.mix = nn.Linear(embedding, hidden)
        self.head_w = nn.Parameter(torch.randn(steps, hidden, width) * 0.01)
        self.head_b = nn.Parameter(torch.zeros(steps, width))
        self.value = nn.Linear(hidden, 1)
        nn.init.zeros_(self.value.weight)
        nn.init.zeros_(self.value.bias)

    # -- training (teacher forcing) ----------------------------------------------------------------------
    def _token_array(self, actions: np.ndarray) -> np.ndarray:
        """Input token of every step ``[B, T]``: the start token, then the previous step's action."""
        tokens = np.zeros(actions.shape, dtype=np.int64)
        tokens[:, 1:] = 1 + self._offsets_np[:-1] + actions[:, :-1]
        return tokens

    def prepare(self, actions: np.ndarray, masks: np.ndarray) -> Prepared:
        """Step-major inputs of complete sequences ``actions [B, T]``, allowed actions ``masks [B, T, W]``."""
        actions = np.asarray(actions, dtype=np.int64)
        batch, steps = actions.shape
        tokens = self._token_array(actions)
        bias = np.where(np.asarray(masks, dtype=bool).transpose(1, 0, 2), np.float32(0.0),
                        np.float32(_FORBIDDEN))
        inputs: torch.Tensor
        if self.core == "mlp":
            counts = np.zeros((steps, batch, self.tokens), dtype=np.float32)
            np.put_along_axis(counts, tokens.T[:, :, None], 1.0, axis=2)
            inputs = torch.from_numpy(counts.cumsum(0, dtype=np.float32))
        else:
            inputs = torch.from_numpy(tokens)
        return Prepared(torch.from_numpy(np.ascontiguousarray(actions.T[:, :, None])),
                        torch.from_numpy(bias), inputs)

    def forward_prepared(self, batch: Prepared) -> Outputs:
        """Log-probabilities ``logp_all [T, B, W]``, ``logp [T, B]`` and ``values [T, B]`` of a batch.

        Differentiable by autograd. For the mlp core under ``torch.no_grad()`` it also keeps the context and
        hidden state, which :meth:`backward_prepared` needs.
        """
        context = None
        if self.core == "lstm":
            out, _ = self.lstm(self.embed(batch.inputs))
            hidden = out.transpose(0, 1)
        else:
            context = torch.matmul(batch.inputs, self.embed.weight) + self.position.unsqueeze(1)
            hidden = torch.tanh(self.mix(context))
        logits = torch.baddbmm(self.head_b.unsqueeze(1), hidden, self.head_w) + batch.bias
        logp_all = logits.log_softmax(-1)
        logp = logp_all.gather(-1, batch.actions).squeeze(-1)
        values = self.value(hidden).squeeze(-1)
        if torch.is_grad_enabled():
            return Outputs(logp_all, logp, values)
        return Outputs(logp_all, logp, values, context, hidden)

    @torch.no_grad()
    def backward_prepared(self, batch: Prepared, out: Outputs, grad_logits: torch.Tensor,
                          grad_values: torch.Tensor) -> None:
        """Backpropagate by hand through the mlp core: set every parameter's ``.grad`` (in place if defined).

        ``out`` is :meth:`forward_prepared`'s result under ``no_grad`` (with the context and hidden state);
        ``grad_logits [T, B, W]`` and ``grad_values [T, B]`` are the loss's gradient with respect to the
        (masked) logits and the values. This is autograd's result (checked against it in the tests) in about
        15 tensor operations instead of a graph of about 25 nodes: the update's dominant cost.
        """
        if self.core != "mlp" or out.context is None or out.hidden is None:
            raise ValueError("backward_prepared needs the mlp core's forward_prepared under no_grad")
        steps, batch_size, hidden_size = out.hidden.shape
        hidden = out.hidden
        flat_hidden = hidden.reshape(-1, hidden_size)
        flat_gv = grad_values.reshape(-1)
        torch.bmm(hidden.transpose(1, 2), grad_logits, out=_grad(self.head_w))
        torch.sum(grad_logits, 1, out=_grad(self.head_b))
        torch.mv(flat_hidden.t(), flat_gv, out=_grad(self.value.weight)[0])
        torch.sum(flat_gv, 0, keepdim=True, out=_grad(self.value.bias))
        # through the heads and the value head to the hidden state, then through tanh
        grad_h = torch.baddbmm(grad_values.unsqueeze(-1) * self.value.weight, grad_logits,
                               self.head_w.transpose(1, 2))
        grad_z = grad_h.mul_(1.0 - hidden * hidden).reshape(-1, hidden_size)
        torch.mm(grad_z.t(), out.context.reshape(-1, out.context.shape[-1]), out=_grad(self.mix.weight))
        torch.sum(grad_z, 0, out=_grad(self.mix.bias))
        grad_context = torch.mm(grad_z, self.mix.weight)
        counts = batch.inputs.reshape(-1, batch.inputs.shape[-1])
        torch.mm(counts.t(), grad_context, out=_grad(self.embed.weight))
        torch.sum(grad_context.view(steps, batch_size, -1), 1, out=_grad(self.position))

    def evaluate(self, actions: torch.Tensor, masks: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Log-probabilities, entropies and values ``[B, T]`` of complete action sequences (teacher forcing).

        ``actions`` is a long tensor ``[B, T]``; ``masks`` a bool tensor ``[B, T, width]`` of allowed actions.
        """
        logp_all, logp, values, _, _ = self.forward_prepared(self.prepare(actions.numpy(), masks.numpy()))
        entropy = -(logp_all.exp() * logp_all).sum(-1)
        return logp.t(), entropy.t(), values.t()

    # -- sampling ----------------------------------------------------------------------------------------
    def sample(self, batch: int, mask_fn: MaskFn, generator: torch.Generator
               ) -> tuple[np.ndarray, np.ndarray]:
        """Sample ``batch`` sequences at once: one step of the core per decision for the whole batch.

        ``mask_fn(t, actions)`` returns the bool mask ``[B, width]`` of step ``t`` given the actions so far.
        Returns ``(actions [B, T] int64, masks [B, T, width] bool)`` as numpy arrays; log-probabilities and
        values come from :meth:`evaluate` (one batched pass) when they are needed.
        """
        steps, width = len(self.sizes), max(self.sizes)
        # Gumbel-max sampling: argmax over the allowed actions of logits + G is a draw from the masked
        # softmax. All the noise is drawn at once from the private generator
        u = torch.rand(batch, steps, width, generator=generator).numpy()
        gumbel = -np.log(-np.log(np.maximum(u, np.float32(1e-10))))
        actions = np.zeros((batch, steps), dtype=np.int64)
        masks = np.zeros((batch, steps, width), dtype=bool)
        if self.core == "mlp":
            self._sample_mlp(actions, masks, gumbel, mask_fn)
        else:
            with torch.inference_mode():
                self._sample_lstm(actions, masks, gumbel, mask_fn)
        return actions, masks

    def _sample_mlp(self, actions: np.ndarray, masks: np.ndarray, gumbel: np.ndarray,
                    mask_fn: MaskFn) -> None:
        # numpy views of the parameters (no copy; the optimizer updates them in place). The context of step
        # t is tanh(mix(e_start + sum_{s<t} e(a_s) + p_t)) = tanh(sum of the rows of E W' + (P W' + b))
        with torch.no_grad():
            mix_w = self.mix.weight.detach().numpy().T
            token_h = self.embed.weight.detach().numpy() @ mix_w                  # [V, H]
            position_h = self.position.detach().numpy() @ mix_w + self.mix.bias.detach().numpy()
            head_w, head_b = self.head_w.detach().numpy(), self.head_b.detach().numpy()
        running = np.repeat(token_h[:1], actions.shape[0], axis=0)                # the start token
        for t in range(actions.shape[1]):
            hidden = np.tanh(running + position_h[t])
            logits = hidden @ head_w[t] + head_b[t] + gumbel[:, t]
            mask = mask_fn(t, actions)
            masks[:, t] = mask
            action = np.where(mask, logits, -np.inf).argmax(1)
            actions[:, t] = action
            running += token_h[1 + self._offsets_np[t] + action]

    def _sample_lstm(self, actions: np.ndarray, masks: np.ndarray, gumbel: np.ndarray,
                     mask_fn: MaskFn) -> None:
        batch = actions.shape[0]
        noise = torch.from_numpy(gumbel)
        w_ih, w_hh, b_ih, b_hh = self.lstm.all_weights[0]
        token = torch.zeros(batch, dtype=torch.long)
        h = torch.zeros(batch, self.hidden_size)
        c = torch.zeros(batch, self.hidden_size)
        for t in range(actions.shape[1]):
            # one cell step of the same LSTM that training runs over whole sequences
            h, c = torch.lstm_cell(self.embed(token), (h, c), w_ih, w_hh, b_ih, b_hh)
            mask = mask_fn(t, actions)
            masks[:, t] = mask
            logits = torch.addmm(self.head_b[t], h, self.head_w[t]) + noise[:, t]
            logits.masked_fill_(torch.from_numpy(~mask), -torch.inf)
            action = logits.argmax(-1)
            actions[:, t] = action.numpy()
            token = self.offsets[t] + 1 + action
