"""TensorFlow nasModes against the toy acceptance case (nni-compat §16.3, R-1..R-6) and misuse errors.

Each driver under ``tf_cases/`` runs many cases in one subprocess (TensorFlow imports once per driver) and
prints one JSON line per case; the tests below check those results against the hand-computed values.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ._drivers import run_cases

pytest.importorskip("tensorflow")
pytestmark = pytest.mark.tf

CASES = Path(__file__).parent / "tf_cases"
R3 = [2.0, 1010.0, 1006.0]
R5 = [1103.97, 1103.89, 1103.77]


def _run_driver(script: str) -> dict[str, dict[str, Any]]:
    return run_cases(CASES / script, TOY_STEPS="10000")


@pytest.fixture(scope="module")
def tf1() -> dict[str, dict[str, Any]]:
    return _run_driver("run_tf1.py")


@pytest.fixture(scope="module")
def tf2() -> dict[str, dict[str, Any]]:
    return _run_driver("run_tf2.py")


def _ok(result: dict[str, Any]) -> dict[str, Any]:
    assert "error" not in result, result.get("trace", result.get("error"))
    return result


# --- enas_mode -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["enas_native", "enas_converted", "enas_started"])
def test_enas_selects_each_fetched_architecture_tf1(tf1: dict, case: str) -> None:
    """R-3: signals start at op 0 without inputs (2), then each update loads the next architecture."""
    result = _ok(tf1[case])
    assert result["initial"] == 2.0
    assert result["values"] == R3
    assert result["pids"] == [0, 1, 2]


def test_enas_updates_prefetch_only_when_switched_on(tf1: dict) -> None:
    """By default every enas update fetches synchronously (NNI's multi-phase order); with
    ``configure(enas_prefetch=True)`` each update also asks a prefetching platform (the experiment channel)
    for the next architecture. The architectures loaded are the same."""
    result = _ok(tf1["enas_prefetch_flag"])
    assert result["flags"] == [False, False, True, True, True]
    assert result["values"] == R3[:2] + [R3[2], R3[0], R3[1]]


def test_enas_chosen_inputs_are_a_masked_tensor_in_declaration_order(tf1: dict) -> None:
    """nni-compat §10.2: the op gets the chosen optional inputs as one [m, ...] tensor, m dynamic, in
    declaration order whatever the order (or repeats) in the choice; gradients reach exactly the chosen ones
    (the op weights position j by j + 1)."""
    result = _ok(tf1["enas_chosen_inputs_tensor"])
    assert result["static_shape"] == [None, 2, 3]
    assert result["results"] == [
        {"chosen": [], "y": 1.0, "grad": [0.0, 0.0]},
        {"chosen": [100.0], "y": 101.0, "grad": [1.0, 0.0]},
        {"chosen": [1000.0], "y": 1001.0, "grad": [0.0, 1.0]},
        {"chosen": [100.0, 1000.0], "y": 2101.0, "grad": [1.0, 2.0]},  # ["b", "a"] -> a first
        {"chosen": [100.0, 1000.0], "y": 2101.0, "grad": [1.0, 2.0]},  # repeats collapse
    ]


def test_enas_updates_do_not_grow_the_graph(tf1: dict) -> None:
    """Loading an architecture feeds prebuilt assign ops: the graph does not grow per minibatch."""
    assert _ok(tf1["enas_native"])["graph_growth"] == 0


def test_enas_exhaustion_is_a_clear_error(tf1: dict) -> None:
    """A third update with only two architectures raises NoMoreTrialError, never hangs or crashes on None."""
    error = tf1["enas_exhausted"]["error"]
    assert error.startswith("NoMoreTrialError:") and "no more architectures" in error


def test_enas_rejects_unknown_inputs_naming_the_layer(tf1: dict) -> None:
    error = tf1["enas_bad_choice"]["error"]
    assert "toy/mutable_block_29/mutable_layer_0" in error and "['c']" in error and "['a', 'b']" in error


def test_enas_validates_every_choice_even_after_caching_good_ones(tf1: dict) -> None:
    error = tf1["enas_bad_choice_after_good_ones"]["error"]
    assert "toy/mutable_block_29/mutable_layer_0" in error and "chosen_inputs must be a list" in error


def test_enas_without_session_in_graph_mode(tf1: dict) -> None:
    error = tf1["enas_no_session"]["error"]
    assert error.startswith("RuntimeError:") and "session=sess" in error


def test_enas_unequal_candidate_shapes(tf1: dict) -> None:
    error = tf1["enas_unequal_shapes"]["error"]
    assert error.startswith("ValueError:") and "'id': (2, 3)" in error and "'wide': (2, 6)" in error


def test_enas_candidate_variables_are_shared_and_trained_when_chosen(tf1: dict) -> None:
    """Ops that create weights work inside branches; only the chosen op's weights move."""
    result = _ok(tf1["enas_variables"])
    assert result["trainable"] == ["v:0", "w:0"]  # signals are not trainable
    assert result["w_trained"] > 0
    assert result["v_untouched"] == [1.0, 1.0, 1.0]
    assert result["out_s"] == 2.0



def test_enas_tf1_runs_only_the_chosen_branch_and_keeps_input_gradients(tf1: dict) -> None:
    """TF1 in-graph selection: unchosen candidates never run or train; d loss / d input is still there.

    Op 1 on 3x (x + a, a = 2x), weight 2: 3 SGD steps (lr 0.5, d loss/dw = 3) -> -2.5; op 2 on x, weight 3:
    2 steps (d loss/dw = 1) -> 2.0; op 0 untouched. Each phase also evaluates the loss once (runs + 1).
    """
    result = _ok(tf1["enas_runs_only_the_chosen_branch"])
    assert result["runs"] == [0.0, 4.0, 3.0]
    assert result["weights"] == [1.0, -2.5, 2.0]
    assert result["grad_x"] == [6.0, 3.0]  # 6 * d mean(3 w x) / dx = 3 w, then w
    # both branches of the outer conditional read x through one Switch (TF1 conditionals give each branch
    # its own, whose gradients add an x-sized zero tensor for the side not taken, then sum the two)
    assert result["switches_on_x"] == 1

def test_built_mode_names_the_mode_and_enas_loads_through_any_session(tf1: dict) -> None:
    """built_mode tells the modes apart (None without nastune layers); each session gets its own loader."""
    result = _ok(tf1["built_modes"])
    assert [result[m] for m in ("enas_mode", "oneshot_mode", "darts_mode")] == ["enas_mode", "oneshot_mode",
                                                                               "darts_mode"]
    assert result["plain"] is None
    # MonitoredSession (initialises variables itself): signals start at op 0 (2), then the next fetch
    assert result["two_sessions"] == [*R3, *R3, 2.0, R3[1]]


@pytest.fixture(scope="module")
def mnist_enas() -> dict[str, dict[str, Any]]:
    pytest.importorskip("sklearn")
    return _run_driver("run_mnist_enas.py")


@pytest.mark.parametrize("arch", ["conv5_sigmoid_max_skip", "conv3_relu_avg", "conv1_relu_max"])
def test_enas_with_a_fixed_architecture_trains_exactly_as_classic(mnist_enas: dict, arch: str) -> None:
    """The mnist-nas example, compiled in both modes: enas (every candidate built, signals loaded by
    training_update before each step) and classic (only the chosen ops) from the same weights give the same
    Adam loss curve; the gradient reaches every chosen weight and no unchosen one."""
    result = _ok(mnist_enas[f"mnist_enas_vs_classic_{arch}"])
    assert result["classic_variables"] == 6
    assert result["enas_losses"] == pytest.approx(result["classic_losses"], rel=1e-5)
    assert len(set(result["enas_losses"])) > 1  # the weights moved
    assert all(norm > 0 for norm in result["chosen_grad_norms"])
    assert result["unchosen_grad_norms"] == [0.0] * 6
    assert not any(result["unchosen_moved"])


def test_enas_eager_r6(tf2: dict) -> None:
    result = _ok(tf2["enas_eager"])
    assert (result["initial"], result["values"], result["pids"]) == (2.0, R3, [0, 1, 2])


def test_enas_tf_function_switches_without_retracing(tf2: dict) -> None:
    result = _ok(tf2["enas_function"])
    assert (result["initial"], result["values"]) == (2.0, R3)
    assert result["retraces"] == 0


# --- darts_mode ------------------------------------------------------------------------------------------


def test_darts_toy_r5_tf1(tf1: dict) -> None:
    """R-5: initial 4406, then ≈1103.97, 1103.89, 1103.77, strictly decreasing."""
    result = _ok(tf1["darts"])
    assert result["initial"] == pytest.approx(4406.0)
    assert result["values"] == pytest.approx(R5, abs=0.05)
    assert result["values"][0] > result["values"][1] > result["values"][2]


def test_darts_eager_r6(tf2: dict) -> None:
    result = _ok(tf2["darts_eager"])
    assert result["initial"] == pytest.approx(4406.0)
    assert result["values"] == pytest.approx(R5, abs=0.05)
    layer = result["architecture"]["toy/mutable_block_29"]["mutable_layer_0"]
    assert layer["chosen_layer"] in ("plus(k=1.0)", "plus(k=5.0)")


def test_darts_moves_toward_the_better_op(tf1: dict) -> None:
    """Linear target: 'linear' fits, 'square' cannot; the architecture step (own feed_dict) prefers it."""
    result = _ok(tf1["darts_better_op"])
    p_linear = [p[0] for p in result["probs"]]
    assert p_linear[-1] > 0.9
    assert p_linear[-1] > p_linear[len(p_linear) // 2] > p_linear[0] > 0.5
    assert result["architecture"]["toy/mutable_block_29"]["mutable_layer_0"]["chosen_layer"] == "linear"
    assert not result["weights_moved"]  # the architecture step never touches model weights
    assert not any("logits" in name for name in result["trainable"])


def test_darts_errors(tf1: dict, tf2: dict) -> None:
    assert "needs the loss" in tf1["darts_no_loss"]["error"]
    assert "zero-argument callable" in tf2["darts_tensor_loss"]["error"]


# --- oneshot_mode ----------------------------------------------------------------------------------------


def test_oneshot_toy_r4(tf1: dict) -> None:
    """R-4: per-candidate noise, values from the 32 mask combinations, ~1% zeros, mean 13218 ± 3%."""
    result = _ok(tf1["oneshot"])
    values = result["values"]
    assert result["equal_elements"]
    assert len(values) == 10000
    assert len({round(v, 1) for v in values}) <= 29
    assert max(values) == pytest.approx(18717.16, abs=0.1)
    zeros = sum(v == 0.0 for v in values) / len(values)
    assert 0.004 < zeros < 0.016
    assert sum(values) / len(values) == pytest.approx(13218, rel=0.03)


def test_oneshot_inference_switch(tf1: dict) -> None:
    """Dropout is training-only: evaluation gives the full supergraph (13218) or a fixed sub-graph (R-1)."""
    result = _ok(tf1["oneshot"])
    assert result["full"] == [13218.0] * 3
    assert result["fixed"] == 1010.0
    assert result["again"] > 5  # dropout back on


def _cell_check(codes: list[int], probs: dict[int, float]) -> None:
    n = len(codes)
    for code, p in probs.items():
        observed = codes.count(code) / n
        se = math.sqrt(p * (1 - p) / n)
        assert abs(observed - p) < 4.5 * se + 1e-9, (code, observed, p)
    assert set(codes) <= set(probs)


def test_oneshot_drop_rates_are_r_to_the_one_over_k(tf1: dict) -> None:
    """r = 0.2 ($NASTUNE_NAS_MODE_ARGS): 3 inputs drop at r^(1/3) each, 4 ops at r^(1/4), independently."""
    result = _ok(tf1["oneshot_rates"])
    r = 0.2
    rate_in, rate_op1, rate_ops = r ** (1 / 3), r, r ** (1 / 4)
    scale = 1 / ((1 - rate_in) * (1 - rate_op1))
    codes_in = []
    for sample in result["inputs"]:
        assert len(set(sample)) == 1  # one Bernoulli per candidate, shared over positions
        codes_in.append(round(sample[0] / scale))
    probs_in = {0: r + (1 - r) * rate_in ** 3}
    for code in range(1, 8):
        bits = [(code >> i) & 1 for i in range(3)]
        probs_in[code] = (1 - r) * math.prod((1 - rate_in) if b else rate_in for b in bits)
    _cell_check(codes_in, probs_in)
    codes_ops = [round(s[0] * (1 - rate_ops)) for s in result["ops"]]
    probs_ops = {}
    for bits in itertools.product([0, 1], repeat=4):
        code = sum(b << i for i, b in enumerate(bits))
        probs_ops[code] = math.prod((1 - rate_ops) if b else rate_ops for b in bits)
    _cell_check(codes_ops, probs_ops)


def test_oneshot_configurable_rate_eager(tf2: dict) -> None:
    """configure(oneshot_dropout_rate=0.3): everything is dropped with probability r (all three ops)."""
    result = _ok(tf2["oneshot_eager"])
    values = result["values"]
    zeros = sum(v == 0.0 for v in values) / len(values)
    assert abs(zeros - 0.3) < 4.5 * math.sqrt(0.3 * 0.7 / len(values))
    assert result["fixed"] == 1006.0


# --- classic_mode with TF ops, and missing tf ------------------------------------------------------------


def test_classic_with_tf_ops_builds_only_the_chosen_subgraph(tf1: dict, tf2: dict) -> None:
    """R-1/R-2: 1010 and 1002; the graph has no switch/case or multiplies by 10 beyond the chosen op."""
    result = _ok(tf1["classic"])
    assert (result["R1"], result["R2"]) == (1010.0, 1002.0)
    for ops in (result["R1_ops"], result["R2_ops"]):
        assert not {"Case", "StatelessCase", "If", "StatelessIf", "VarHandleOp"} & set(ops)
    assert _ok(tf2["classic_eager"])["R1"] == 1010.0


def test_tf_mode_with_tf_none(tf1: dict) -> None:
    assert "Tensorflow should not be None in modes other than classic_mode" in tf1["no_tf"]["error"]


def test_tf_mode_without_tensorflow_installed(tmp_path: Path) -> None:
    """With TensorFlow unimportable, a TF mode says how to install it instead of a bare ImportError."""
    code = (
        "import sys; sys.modules['tensorflow'] = None\n"
        "from trial_runtime import tensorflow as m\n"
        "import types\n"
        "fake = types.ModuleType('tensorflow')\n"
        "try:\n"
        "    m.mutable_layer('enas_mode', 'b', 'mutable_layer_0', {'f': abs}, {'f': {}}, [], {}, 0, fake)\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.stdout.startswith("TensorFlowMissing"), proc.stdout + proc.stderr
    assert "pip install 'nastune[tf]'" in proc.stdout


# --- through the annotation compiler (the toy file of nni-compat §16.3, verbatim) -------------------------


def _compiled_toy(tmp_path: Path, mode: str, params: list[dict] | None) -> list[str]:
    out = tmp_path / mode
    cli = "from nastuners.cli.main import main; raise SystemExit(main())"
    subprocess.run([sys.executable, "-c", cli, "annotate", str(CASES / "toy_src"), "-o", str(out),
                    "--nas-mode", mode], check=True, capture_output=True, timeout=60)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TOY_STEPS="3")
    env.pop("NASTUNE_CHANNEL", None)
    env.pop("NASTUNE_PARAMETERS", None)
    if params is not None:
        (tmp_path / "params.jsonl").write_text("".join(json.dumps(p) + "\n" for p in params))
        env["NASTUNE_PARAMETERS"] = str(tmp_path / "params.jsonl")
    proc = subprocess.run([sys.executable, "toy.py"], cwd=out, capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [line for line in proc.stdout.splitlines() if line.startswith(("initial", "nni.report"))]


def test_compiled_toy_enas_r3(tmp_path: Path) -> None:
    """`nastune annotate --nas-mode enas_mode` on the toy: initial 2, then 2, 1010, 1006 (block line 29)."""
    sys.path.insert(0, str(CASES))
    from toy_ops import R3_CONVERTED

    lines = _compiled_toy(tmp_path, "enas_mode", R3_CONVERTED)
    values = [float(line.split()[-1]) for line in lines]
    assert values == [2.0, *R3, 1006.0]
    assert lines[-1].startswith("nni.report_final_result")


def test_compiled_toy_darts_r5(tmp_path: Path) -> None:
    lines = _compiled_toy(tmp_path, "darts_mode", None)
    values = [float(line.split()[-1]) for line in lines]
    assert values[0] == pytest.approx(4406.0)
    assert values[1:4] == pytest.approx(R5, abs=0.05)
