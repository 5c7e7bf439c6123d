"""classic_mode runtime (nni-compat §10.1–§10.3): parameters from both formats, validation, platforms, reports."""

# ruff: noqa: E501

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import trial_runtime as nni
from nastuners.exceptions import ChoiceError, NoMoreTrialError
from trial_runtime import _params, _platform

BLOCK = "trial/mutable_block_16"


class FixedPlatform:
    """A platform serving a list of architectures and recording reports (in-process tests)."""

    trial_id, experiment_id, sequence_id = "T1", "E1", 3

    def __init__(self, *params: dict[str, Any]) -> None:
        self.params = list(params)
        self.reports: list[tuple[str, Any, int | None]] = []

    def fetch(self) -> tuple[int, dict[str, Any]]:
        if not self.params:
            raise NoMoreTrialError("done")
        return 10 - len(self.params), self.params.pop(0)

    def report(self, kind: str, value: Any, parameter_id: int | None) -> None:
        self.reports.append((kind, value, parameter_id))


@pytest.fixture(autouse=True)
def _fresh_platform() -> Iterator[None]:
    _platform.reset()
    yield
    _platform.reset()


def op(inputs: list[Any], **kwargs: Any) -> tuple[Any, ...]:
    return ("op", inputs, kwargs)


def layer(size: Any = [0, 2], inputs: dict[str, Any] | None = None) -> Any:  # noqa: B006
    funcs = {"a(k=1)": op, "b()": lambda inputs: ("b", inputs)}
    kwargs = {"a(k=1)": {"k": 1}, "b()": {}}
    optional = {"x": "X", "y": "Y", "z": "Z"} if inputs is None else inputs
    return nni.mutable_layer(BLOCK, "mutable_layer_0", funcs, kwargs, ["F"], optional, size, "classic_mode")


def native(chosen_layer: str, chosen_inputs: list[str]) -> dict[str, Any]:
    return {BLOCK: {"mutable_layer_0": {"chosen_layer": chosen_layer, "chosen_inputs": chosen_inputs}}}


def test_native_choice_calls_only_the_chosen_op() -> None:
    """The chosen op gets `[fixed, chosen]` in chosen_inputs order, with its kwargs; repeats are accepted."""
    _platform.reset(FixedPlatform(native("a(k=1)", ["z", "x"])))
    assert layer() == ("op", [["F"], ["Z", "X"]], {"k": 1})
    _platform.reset(FixedPlatform(native("b()", ["y", "y"])))
    assert layer() == ("b", [["F"], ["Y", "Y"]])


def test_converted_choice_is_decoded() -> None:
    """Converted keys: inputs are base-n digits over the sorted names (AC-2: size 2, state 5 → out2, out1)."""
    p = f"_mutable_layer/{BLOCK}/mutable_layer_0"
    params = {f"{p}/layer_choice": "a(k=1)", f"{p}/optional_input_size": 2, f"{p}/optional_input_chosen_state": 5}
    _platform.reset(FixedPlatform(params))
    result = layer(2, {"out0": 0, "out1": 1, "out2": 2})
    assert result == ("op", [["F"], [2, 1]], {"k": 1})


@pytest.mark.parametrize(("chosen", "message"), [
    (native("c()", []), f"{BLOCK}/mutable_layer_0: chosen_layer 'c()' is not one of ['a(k=1)', 'b()']"),
    (native("b()", ["w"]), "chosen_inputs ['w'] are not among the optional inputs ['x', 'y', 'z']"),
    (native("b()", ["x", "y", "z"]), "3 chosen inputs ['x', 'y', 'z'], but optional_input_size allows 0..2"),
    ({"other": 1}, "the architecture has no entry for this layer"),
    ({BLOCK: {"mutable_layer_0": "b()"}}, 'expected {"chosen_layer": ..., "chosen_inputs": [...]}, got str'),
    ({BLOCK: {"mutable_layer_0": {"chosen_layer": "b()", "chosen_input": ["x"]}}},
     f"""{BLOCK}/mutable_layer_0: missing "chosen_inputs" (is 'chosen_input' a misspelling of it?); add "chosen_inputs": a list of 0 to 2 of ['x', 'y', 'z']"""),
    ({BLOCK: {"mutable_layer_0": {"chosen_inputs": []}}},
     """missing "chosen_layer"; add "chosen_layer": one of ['a(k=1)', 'b()']"""),
    ({BLOCK: {"mutable_layer_1": {"chosen_layer": "b()", "chosen_inputs": []}}},
     f"""block '{BLOCK}' has no layer 'mutable_layer_0'; its layer ids: ['mutable_layer_1'] (is 'mutable_layer_1' a misspelling of it?); add "mutable_layer_0": """),
])
def test_bad_choices_name_block_layer_value_and_allowed(chosen: dict[str, Any], message: str) -> None:
    """Unknown op/input or a count outside the size is a ChoiceError (a ValueError) naming everything."""
    _platform.reset(FixedPlatform(chosen))
    with pytest.raises(ChoiceError) as info:
        layer()
    assert message in str(info.value) and isinstance(info.value, ValueError)


def test_extra_keys_and_missing_inputs_without_optional_inputs_stay_lenient() -> None:
    """As NNI: unknown keys in a layer entry are ignored at trial time; a layer without optional inputs needs
    no "chosen_inputs"."""
    _platform.reset(FixedPlatform({BLOCK: {"mutable_layer_0": {"chosen_layer": "b()", "chosen_inputs": ["x"],
                                                               "note": 1}}}))
    assert layer() == ("b", [["F"], ["X"]])
    _platform.reset(FixedPlatform({BLOCK: {"mutable_layer_0": {"chosen_layer": "b()"}}}))
    assert layer(0, {}) == ("b", [["F"], []])


def test_modes_and_tf_argument() -> None:
    """Unknown mode and a non-classic mode without tf are clear RuntimeErrors; classic training_update is a no-op."""
    with pytest.raises(RuntimeError, match="Unrecognized mode: fancy_mode"):
        nni.mutable_layer(BLOCK, "mutable_layer_0", {}, {}, [], {}, 0, "fancy_mode")
    with pytest.raises(RuntimeError, match="Tensorflow should not be None in modes other than classic_mode"):
        nni.mutable_layer(BLOCK, "mutable_layer_0", {}, {}, [], {}, 0, "enas_mode")
    assert nni.training_update("classic_mode", tf=None, session=None) is None
    with pytest.raises(RuntimeError, match="Unrecognized mode"):
        nni.training_update("nope")


def test_parameters_reports_and_ids_follow_the_platform() -> None:
    """get_next_parameter fetches; reports carry the current parameter id; ids come from the platform."""
    platform = FixedPlatform({"a": 1}, {"a": 2})
    _platform.reset(platform)
    assert nni.get_current_parameter() is None
    assert nni.get_next_parameter() == {"a": 1} and _params.current_parameter_id() == 8
    nni.report_intermediate_result(0.5)
    assert nni.get_next_parameter() == {"a": 2} and nni.get_current_parameter("a") == 2
    nni.report_final_result({"default": 3, "loss": 0.1})
    assert platform.reports == [("intermediate", 0.5, 8), ("final", {"default": 3, "loss": 0.1}, 9)]
    assert (nni.get_trial_id(), nni.get_experiment_id(), nni.get_sequence_id()) == ("T1", "E1", 3)
    with pytest.raises(NoMoreTrialError):
        nni.get_next_parameter()
    with pytest.raises(TypeError, match=r'Incorrect final result.*"default"'):
        nni.report_final_result("good")
    assert nni.NoMoreTrialError is NoMoreTrialError


def test_smart_parameters() -> None:
    """choice / function_choice / distributions read their key; a value outside the options is a ChoiceError."""
    _platform.reset(FixedPlatform({"m/lr/choice": 0.01, "m/f/function_choice": "g(1)", "m/x/uniform": 0.3}))
    assert nni.choice({0.1: 0.1, 0.01: 0.01}, name="lr", key="m/lr/choice") == 0.01
    assert nni.function_choice({"g(1)": lambda: "G", "h()": lambda: "H"}, name="f", key="m/f/function_choice") == "G"
    assert nni.uniform(0, 1, name="x", key="m/x/uniform") == 0.3
    with pytest.raises(ChoiceError, match=r"value 0\.01 is not one of"):
        nni.choice({1: 1}, name="lr", key="m/lr/choice")
    with pytest.raises(ChoiceError, match="no value"):
        nni.choice({1: 1}, name="q", key="m/q/choice")


def test_standalone_file_platforms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A JSON object repeats on every fetch; JSON Lines is a sequence, then NoMoreTrialError; reports print."""
    single = tmp_path / "one.json"
    single.write_text(json.dumps({"k": 1}))
    _platform.reset(_platform.StandalonePlatform(single))
    assert nni.get_next_parameter() == {"k": 1} and nni.get_next_parameter() == {"k": 1}
    nni.report_final_result(0.25)
    assert capsys.readouterr().out == "nni.report_final_result:  0.25\n"
    lines = tmp_path / "many.jsonl"
    lines.write_text('{"k": 1}\n\n{"parameter_id": 7, "parameters": {"k": 2}}\n')
    _platform.reset(_platform.StandalonePlatform(lines))
    assert nni.get_next_parameter() == {"k": 1}
    assert nni.get_next_parameter() == {"k": 2} and _params.current_parameter_id() == 7
    with pytest.raises(NoMoreTrialError, match=r"all 2 architectures were used"):
        nni.get_next_parameter()
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    _platform.reset(_platform.StandalonePlatform(bad))
    with pytest.raises(nni.NoParametersError, match="neither a JSON document"):
        nni.get_next_parameter()


def test_no_platform_error_says_how_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside an experiment without NASTUNE_PARAMETERS, fetching fails with instructions."""
    monkeypatch.delenv("NASTUNE_CHANNEL", raising=False)
    monkeypatch.delenv("NASTUNE_PARAMETERS", raising=False)
    with pytest.raises(RuntimeError, match=r"Cannot call nni.mutable_layer in this mode.*NASTUNE_PARAMETERS="):
        layer()


def test_import_is_light() -> None:
    """Importing trial_runtime loads neither TensorFlow nor the tensorflow modes, and does no I/O."""
    code = ("import sys, trial_runtime; bad = [m for m in ('tensorflow', 'trial_runtime.tensorflow', "
            "'trial_runtime.channel', 'numpy') if m in sys.modules]; print(bad)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
