"""The fixed determinism scenario, and running it in a fresh interpreter.

``python -m nastuners.testing._child`` is the child side.

The parent pickles the tuner factory (the tuner class, a ``functools.partial`` or ``registry_factory``: test
code of the caller, not tuner output) and reads back the proposals as JSON.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from . import spaces as sp
from .driver import ContractError, drive, quiet_space_warnings


def scenario(factory: Callable[..., Any], space_name: str) -> list[dict[str, Any]]:
    """Proposals of ``factory(seed=11)`` in 40 trials: 3 pending, shuffled results, failures, dict values."""
    space = sp.ASSORTED_SPACES[space_name]
    with quiet_space_warnings():
        tuner = factory(seed=11)
        tuner.update_search_space(space)
        run = drive(tuner, 40, reward=sp.synthetic_reward(space), concurrency=3, order_seed=7,
                    fail=lambda pid: pid % 5 == 4, dict_every=4)
    return run.params


def run_in_subprocess(factory: Callable[..., Any], space_name: str, *, timeout: float = 120) -> list[Any]:
    """Run :func:`scenario` in a new interpreter with another ``PYTHONHASHSEED``.

    Raises ``TypeError`` when the factory cannot be pickled.
    """
    try:
        blob = pickle.dumps(factory)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise TypeError(str(exc)) from None
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "2" if env.get("PYTHONHASHSEED") == "1" else "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    payload = json.dumps({"factory": base64.b64encode(blob).decode(), "space": space_name})
    proc = subprocess.run([sys.executable, "-m", "nastuners.testing._child"], input=payload, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        msg = f"the subprocess running the determinism scenario failed (exit {proc.returncode}):\n"
        msg += proc.stderr
        raise ContractError(msg)
    return json.loads(proc.stdout)


def _main() -> None:
    request = json.loads(sys.stdin.read())
    factory = pickle.loads(base64.b64decode(request["factory"]))
    json.dump(scenario(factory, request["space"]), sys.stdout)


if __name__ == "__main__":
    _main()
