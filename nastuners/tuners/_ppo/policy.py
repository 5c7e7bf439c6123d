"""The autoregressive policy: action embeddings → a recurrent core → a masked head per step, and a value head.

Two cores share everything else. ``lstm`` is NNI's network (action embedding 32, one 128-unit LSTM over the
decision steps). ``mlp`` (the default) gives step ``t`` the context ``tanh(W (p_t + sum of the embeddings of
the actions before t))``: every earlier decision still conditions every later one, at less than half the cost
of a backward pass through the LSTM. Each step has its own output layer (not one shared vocabulary), invalid
actions get probability exactly 0, and a whole batch of architectures is sampled in one pass over the steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["Policy"]

#: logit given to forbidden actions: its softmax weight underflows to exactly 0 in float32
_FORBIDDEN = -1e9


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
        offsets = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        self.register_buffer("offsets", torch.as_tensor(offsets, dtype=torch.long), persistent=False)
        self.embed = nn.Embedding(1 + sum(self.sizes), embedding)
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

    def _tokens(self, actions: torch.Tensor) -> torch.Tensor:
        tokens = torch.zeros_like(actions)
        tokens[:, 1:] = 1 + self.offsets[:-1] + actions[:, :-1]
        return tokens

    def evaluate(self, actions: torch.Tensor, masks: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Log-probabilities, entropies and values ``[B, T]`` of complete action sequences (teacher forcing).

        ``actions`` is a long tensor ``[B, T]``; ``masks`` a bool tensor ``[B, T, width]`` of allowed actions.
        """
        inputs = self.embed(self._tokens(actions))
        if self.core == "lstm":
            out, _ = self.lstm(inputs)
        else:
            out = torch.tanh(self.mix(inputs.cumsum(1) + self.position))
        logits = torch.einsum("bth,tha->bta", out, self.head_w) + self.head_b
        logp_all = logits.masked_fill(~masks, _FORBIDDEN).log_softmax(-1)
        logp = logp_all.gather(-1, actions.unsqueeze(-1)).squeeze(-1)
        entropy = -(logp_all.exp() * logp_all).sum(-1)
        return logp, entropy, self.value(out).squeeze(-1)

    @torch.no_grad()
    def sample(self, batch: int, mask_fn: Callable[[int, np.ndarray], np.ndarray],
               generator: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Sample ``batch`` sequences at once: one step of the core per decision for the whole batch.

        ``mask_fn(t, actions)`` returns the bool mask ``[B, width]`` of step ``t`` given the actions so far.
        Returns ``(actions [B, T] int64, masks [B, T, width] bool)`` as numpy arrays; log-probabilities and
        values come from :meth:`evaluate` (one batched pass) when they are needed.
        """
        steps, width = len(self.sizes), max(self.sizes)
        actions = np.zeros((batch, steps), dtype=np.int64)
        masks = np.zeros((batch, steps, width), dtype=bool)
        # Gumbel-max sampling: argmax(logits + G) is a draw from softmax(logits). All the noise is drawn at
        # once; u >= 1e-10 bounds G to [-3.1, 16.7], so a forbidden action (logit -1e9) can never win
        u = torch.rand(batch, steps, width, generator=generator).clamp_(min=1e-10)
        gumbel = u.log_().neg_().log_().neg_()
        token = torch.zeros(batch, dtype=torch.long)
        lstm = self.lstm if self.core == "lstm" else None
        h = torch.zeros(batch, self.hidden_size)
        # LSTM cell state, or the running sum of action embeddings (mlp core)
        c = torch.zeros(batch, self.hidden_size if lstm is not None else self.embed.embedding_dim)
        for t in range(steps):
            if lstm is not None:
                # one cell step of the same LSTM that evaluate() runs over whole sequences
                w_ih, w_hh, b_ih, b_hh = lstm.all_weights[0]
                h, c = torch.lstm_cell(self.embed(token), (h, c), w_ih, w_hh, b_ih, b_hh)
            else:
                c = c + self.embed(token)
                h = torch.tanh(self.mix(c + self.position[t]))
            mask = mask_fn(t, actions)
            masks[:, t] = mask
            logits = torch.addmm(self.head_b[t], h, self.head_w[t])
            logits.masked_fill_(torch.from_numpy(~mask), _FORBIDDEN)
            action = (logits + gumbel[:, t]).argmax(-1)
            actions[:, t] = action.numpy()
            token = self.offsets[t] + 1 + action
        return actions, masks
