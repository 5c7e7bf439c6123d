"""A small Adam, global gradient-norm clipping, and a module's parameters as one flat tensor.

Our own few lines rather than ``torch.optim``: building ``torch.optim.Adam`` imports ``torch._dynamo`` (and
sympy), which costs about a second and 70 MB of memory, more than the whole rest of the tuner. With the
parameters as views of one flat tensor (:class:`FlatParameters`), an Adam step and a clip are a handful of
operations on a single tensor instead of a handful per parameter.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

__all__ = ["Adam", "FlatParameters", "clip_grad_norm"]


class FlatParameters:
    """Parameters re-pointed to views of one flat tensor, their gradients to views of its ``.grad``.

    ``tensor`` is the flat tensor: hand ``[tensor]`` to :class:`Adam` and :func:`clip_grad_norm`. The
    backward pass accumulates into the gradient views in place (a defined ``.grad`` is added to, never
    replaced), so the flat ``.grad`` is every parameter's gradient; :meth:`zero_grad` zeroes it and re-links
    any parameter whose ``.grad`` was replaced from outside.
    """

    def __init__(self, params: Iterable[torch.nn.Parameter]) -> None:
        self.params = list(params)
        total = sum(p.numel() for p in self.params)
        self.tensor = torch.zeros(total)
        self.tensor.grad = torch.zeros(total)
        self._views: list[tuple[torch.Tensor, torch.Tensor]] = []
        offset = 0
        with torch.no_grad():
            for p in self.params:
                n = p.numel()
                data = self.tensor[offset:offset + n].view_as(p)
                grad = self.tensor.grad[offset:offset + n].view_as(p)
                data.copy_(p)
                p.data = data
                p.grad = grad
                self._views.append((data, grad))
                offset += n

    def zero_grad(self) -> None:
        assert self.tensor.grad is not None
        self.tensor.grad.zero_()
        for p, (data, grad) in zip(self.params, self._views, strict=True):
            if p.grad is not grad:
                if p.data.data_ptr() != data.data_ptr():
                    raise RuntimeError("a parameter was replaced after FlatParameters was built")
                p.grad = grad


class Adam:
    """Adam (Kingma & Ba 2015) over a list of tensors (their ``.grad``)."""

    def __init__(self, params: list[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params = list(params)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.steps = 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        """Zero the gradients in place (so gradients that are views, see :class:`FlatParameters`, stay so)."""
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()

    @torch.no_grad()
    def step(self) -> None:
        """One update from the parameters' ``.grad`` (a missing gradient counts as zero)."""
        self.steps += 1
        b1, b2 = self.betas
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.params]
        torch._foreach_lerp_(self.m, grads, 1.0 - b1)
        torch._foreach_mul_(self.v, b2)
        torch._foreach_addcmul_(self.v, grads, grads, value=1.0 - b2)
        denom = torch._foreach_sqrt(self.v)
        torch._foreach_div_(denom, (1.0 - b2 ** self.steps) ** 0.5)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.m, denom, value=-self.lr / (1.0 - b1 ** self.steps))

    def state_dict(self) -> dict[str, object]:
        return {"steps": self.steps, "m": [t.clone() for t in self.m], "v": [t.clone() for t in self.v]}

    def load_state_dict(self, state: dict[str, object]) -> None:
        m, v = state["m"], state["v"]
        assert isinstance(m, list) and isinstance(v, list)
        if len(m) != len(self.params) or any(a.shape != p.shape for a, p in zip(m, self.params, strict=True)):
            raise ValueError("optimizer state does not match the network (built with other arguments?)")
        self.steps = int(state["steps"])  # type: ignore[call-overload]
        self.m = [t.clone() for t in m]
        self.v = [t.clone() for t in v]


def clip_grad_norm(params: list[torch.Tensor], max_norm: float) -> float:
    """Scale the gradients so their global L2 norm is at most ``max_norm``; returns the norm before."""
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    if len(grads) == 1:   # a flat gradient (FlatParameters): two operations
        norm = float(torch.linalg.vector_norm(grads[0]))
    else:
        norm = float(torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads))))
    scale = max_norm / (norm + 1e-6)
    if scale < 1.0:
        torch._foreach_mul_(grads, scale)
    return norm


