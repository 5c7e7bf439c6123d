"""Property tests: random well-formed annotations compile; mutations give AnnotationError, never a traceback;
the compiled trial and the codegen output call the same ops with the same inputs."""

# ruff: noqa: E501

from __future__ import annotations

import ast
import warnings
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nastuners.annotation import AnnotationWarning
from nastuners.annotation._emit import codegen_unit, expand_unit
from nastuners.annotation._scan import scan
from nastuners.exceptions import AnnotationError
from trial_runtime import _platform

OPS = ["op_a", "op_b", "mod.op_c"]
INPUTS = ["in0", "in1", "in2", "box.val", "arr[1]", "in0 + in1"]
PRELUDE = '''calls = []

def make(name):
    def op(inputs, **kwargs):
        calls.append((name, inputs, kwargs))
        return f"{name}#{len(calls)}"
    return op

class Box:
    pass

op_a, op_b = make("op_a"), make("op_b")
mod = Box()
mod.op_c = make("op_c")
box = Box()
box.val = "V"
arr = ["A0", "A1"]

def build(in0, in1, in2):
'''

literals = st.one_of(st.integers(-5, 300), st.sampled_from(["'relu'", '"tanh"', "1e-3", "2.5", "None", "(1, 2)",
                                                            "[3,5]", "in0"]))
calls = st.builds(lambda f, kws: f"{f}(" + ", ".join(f"{k}={v}" for k, v in kws.items()) + ")",
                  st.sampled_from(OPS), st.dictionaries(st.sampled_from(["k", "ch", "act"]), literals, max_size=2))


@st.composite
def layers(draw: Any, index: int, previous: list[str]) -> str:
    fields = [f"layer_choice: [{', '.join(draw(st.lists(calls, min_size=1, max_size=4)))}]"]
    pool = INPUTS + previous
    if draw(st.booleans()):
        fields.append(f"fixed_inputs: [{', '.join(draw(st.lists(st.sampled_from(pool), max_size=2)))}]")
    if draw(st.booleans()):
        optional = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4))
        fields.append(f"optional_inputs: [{', '.join(optional)}]")
        lo = draw(st.integers(0, len(optional)))
        hi = draw(st.integers(lo, len(optional)))
        fields.append(f"optional_input_size: {lo if lo == hi and draw(st.booleans()) else [lo, hi]}")
    fields.append(f"layer_output: out{index}")
    order = draw(st.permutations(fields))
    sep = draw(st.sampled_from([", ", ",\n        "]))
    return "{" + sep.join(order) + "}"


@st.composite
def trials(draw: Any) -> str:
    count = draw(st.integers(1, 3))
    texts = [draw(layers(i, [f"out{j}" for j in range(i)])) for i in range(count)]
    sep = draw(st.sampled_from([", ", ",\n    "]))
    annotation = '    """@nni.mutable_layers(' + sep.join(texts) + ')"""\n'
    return PRELUDE + annotation + f"    return out{count - 1}\n"


def _scan(source: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AnnotationWarning)
        return scan(source, "trial.py")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trials())
def test_well_formed_annotations_compile(source: str) -> None:
    """Every well-formed annotation compiles to valid Python whose keys are the normalised sources."""
    unit = _scan(source)
    (ann,) = unit.annotations
    layer_calls = [n for n in ast.walk(ast.parse(source[source.index('"""@') + 4:source.rindex('"""')]))
                   if isinstance(n, ast.Dict) and any(getattr(k, "id", "") == "layer_choice" for k in n.keys)]
    assert len(ann.layers) == len(layer_calls)
    for layer, node in zip(ann.layers, layer_calls, strict=True):
        choice_list = next(v for k, v in zip(node.keys, node.values, strict=True) if k.id == "layer_choice")
        assert [op.key for op in layer.ops] == [ast.unparse(c) for c in choice_list.elts]
    compile(expand_unit(unit, "classic_mode"), "trial.py", "exec")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trials(), st.data())
def test_mutations_give_annotation_errors_only(source: str, data: st.DataObject) -> None:
    """Random edits inside the annotation either compile or raise AnnotationError with a location."""
    start, end = source.index('"""@nni.') + 8, source.rindex('"""')
    pos = data.draw(st.integers(start, end - 1))
    kind = data.draw(st.sampled_from(["delete", "insert", "replace"]))
    token = data.draw(st.sampled_from(["(", ")", "[", "]", "{", "}", ",", ":", "'", "x", "1", "-", "*", "**",
                                       "layer_choice:", "self.", "  ", "\n", "optional_input_size: 9,", "=", "@"]))
    if kind == "delete":
        mutated = source[:pos] + source[pos + 1:]
    elif kind == "insert":
        mutated = source[:pos] + token + source[pos:]
    else:
        mutated = source[:pos] + token + source[pos + 1:]
    try:
        unit = _scan(mutated)
    except AnnotationError as exc:
        assert exc.path == "trial.py" and exc.line is not None and exc.line >= 1
        return
    compile(expand_unit(unit, "classic_mode"), "trial.py", "exec")


class _Fixed:
    trial_id = experiment_id = "T"
    sequence_id = 0

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params

    def fetch(self) -> tuple[int, dict[str, Any]]:
        return 0, self.params

    def report(self, kind: str, value: Any, parameter_id: int | None) -> None:
        pass


def _run(text: str) -> list[Any]:
    namespace: dict[str, Any] = {"__name__": "trial"}
    exec(compile(text, "trial.py", "exec"), namespace)
    namespace["build"]("I0", "I1", "I2")
    return namespace["calls"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trials(), st.data())
def test_compiled_and_codegen_call_the_same_ops(source: str, data: st.DataObject) -> None:
    """For a random choice, the compiled trial and its codegen copy make identical op calls."""
    unit = _scan(source)
    (ann,) = unit.annotations
    params: dict[str, Any] = {ann.block_id: {}}
    for layer in ann.layers:
        names = [k for k, _ in layer.inputs or []]
        lo, hi = (layer.size_json if isinstance(layer.size_json, list) else [layer.size_json] * 2) if names else (0, 0)
        count = data.draw(st.integers(lo, hi))
        params[ann.block_id][layer.layer_id] = {
            "chosen_layer": data.draw(st.sampled_from([op.key for op in layer.ops])),
            "chosen_inputs": data.draw(st.lists(st.sampled_from(names), min_size=count, max_size=count))
            if names else []}
    _platform.reset(_Fixed(params))
    try:
        compiled = _run(expand_unit(unit, "classic_mode"))
    finally:
        _platform.reset()
    standalone = _run(codegen_unit(unit, params))
    assert compiled == standalone and len(compiled) == len(ann.layers)
