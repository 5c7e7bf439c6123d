"""The trial's current parameters (one architecture at a time; multi-phase trials fetch several).

Internal API for ``trial_runtime.tensorflow`` and the classic runtime:

* :func:`fetch_next` fetches the next architecture from the platform and makes it current (``prefetch=True``:
  and asks the platform for the one after it without waiting, when the platform can);
* :func:`current` returns the current parameters (or ``None`` before the first fetch);
* :func:`current_parameter_id` returns the id reports are attributed to (``None`` before the first fetch);
* :func:`ensure` returns the current parameters, fetching the first architecture if none is current.
"""

from __future__ import annotations

from typing import Any

from trial_runtime._platform import NoParametersError, current_platform

__all__ = ["clear", "current", "current_parameter_id", "ensure", "fetch_next"]

_parameter_id: int | None = None
_parameters: dict[str, Any] | None = None


def fetch_next(*, prefetch: bool = False) -> dict[str, Any]:
    """Fetch the next architecture and make it current; ``NoMoreTrialError`` when the tuner has none left.

    ``prefetch``: also request the architecture after it now (platforms with ``can_prefetch``, i.e. the
    experiment channel), so the next fetch does not wait for the runner.
    """
    global _parameter_id, _parameters
    platform = current_platform()
    if prefetch and getattr(platform, "can_prefetch", False):
        pid, params = platform.fetch(prefetch=True)  # type: ignore[call-arg]
    else:
        pid, params = platform.fetch()
    _parameter_id, _parameters = pid, params
    return params


def current() -> dict[str, Any] | None:
    """The current parameters, or ``None`` if none were fetched yet."""
    return _parameters


def current_parameter_id() -> int | None:
    """The id of the current parameters (reports go to it), or ``None`` if none were fetched yet."""
    return _parameter_id


def ensure(context: str) -> dict[str, Any]:
    """The current parameters, fetching the first architecture if needed; ``context`` names the caller."""
    if _parameters is not None:
        return _parameters
    try:
        return fetch_next()
    except NoParametersError as exc:
        msg = f"Cannot call {context} in this mode: {exc}"
        raise NoParametersError(msg) from None


def clear() -> None:
    """Forget the current parameters (tests)."""
    global _parameter_id, _parameters
    _parameter_id, _parameters = None, None
