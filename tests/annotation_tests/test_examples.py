"""The design document's examples (numpy stand-in ops) compile and run in classic mode, running exactly the
ops and the number of inputs the parameters choose."""

# ruff: noqa: E501

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from nastuners.annotation import expand, generate_search_space

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "design_doc"


def _random_choice(space: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    choice: dict[str, Any] = {}
    for block, entry in space.items():
        choice[block] = {}
        for name, layer in entry["_value"].items():
            inputs, size = layer["optional_inputs"], layer["optional_input_size"]
            lo, hi = (size if isinstance(size, list) else [size, size]) if inputs else [0, 0]
            chosen = rng.sample(inputs, rng.randint(lo, hi))
            choice[block][name] = {"chosen_layer": rng.choice(layer["layer_choice"]), "chosen_inputs": chosen}
    return choice


def _expected_ops(space: dict[str, Any], choice: dict[str, Any], module: str) -> list[tuple[str, int]]:
    """(op name, number of chosen inputs) of every layer of ``module``, in line order."""
    out = []
    for block in sorted((b for b in space if b.startswith(module + "/")), key=lambda b: int(b.rsplit("_", 1)[1])):
        for name in sorted(choice[block], key=lambda n: int(n.rsplit("_", 1)[1])):
            layer = choice[block][name]
            out.append((layer["chosen_layer"].split("(")[0], len(layer["chosen_inputs"])))
    return out


def test_design_doc_examples_run_the_chosen_architecture(tmp_path: Path) -> None:
    """Each example, for two random architectures: the traced op calls after the fixed stem are the chosen ones."""
    space = generate_search_space(EXAMPLES)
    assert len(space) == 5
    compiled = tmp_path / "compiled"
    expand(EXAMPLES, compiled)
    rng = random.Random(7)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NASTUNE_")}
    stems = {"choose_op": 3, "choose_inputs": 4, "choose_both": 3, "enas_macro": 1}
    for round_ in range(2):
        choice = _random_choice(space, rng)
        path = tmp_path / f"choice{round_}.json"
        path.write_text(json.dumps(choice))
        for module, stem in stems.items():
            done = subprocess.run([sys.executable, f"{module}.py"], cwd=compiled, capture_output=True, text=True,
                                  env={**env, "NASTUNE_PARAMETERS": str(path)}, timeout=60, check=False)
            assert done.returncode == 0, done.stderr
            trace = json.loads(next(ln for ln in done.stdout.splitlines() if ln.startswith("TRACE "))[6:])
            ran = [(t["op"], t["chosen"]) for t in trace[stem:]]
            assert ran == _expected_ops(space, choice, module), (module, choice)
            assert "nni.report_final_result: " in done.stdout
