"""Case drivers: a script run in one subprocess (TensorFlow imported once) printing ``CASE {json}`` lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

_EXPERIMENT_VARS = ("NASTUNE_PARAMETERS", "NASTUNE_CHANNEL", "NASTUNE_NAS_MODE_ARGS")


def run_cases(script: Path, **env: str) -> dict[str, dict[str, Any]]:
    """Run ``script`` outside any experiment (with ``env`` added); its cases by name. Fails on a crash."""
    environ = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **env)
    for var in _EXPERIMENT_VARS:
        environ.pop(var, None)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=environ,
                          timeout=300, check=False)
    results = {}
    for line in proc.stdout.splitlines():
        if line.startswith("CASE "):
            doc = json.loads(line[5:])
            results[doc["case"]] = doc
    assert proc.returncode == 0 and results, proc.stderr[-3000:]
    return results
