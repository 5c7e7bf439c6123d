"""What the compiler reads out of one annotation string (plain data, no behaviour)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

# the names an ``@nni.<name>(...)`` annotation may call
ANNOTATIONS = ("mutable_layers", "training_update", "report_intermediate_result", "report_final_result",
               "get_next_parameter", "variable", "function_choice")
# the distributions ``@nni.variable(nni.<func>(...), name=x)`` accepts
DISTRIBUTIONS = ("choice", "randint", "uniform", "quniform", "loguniform", "qloguniform", "normal", "qnormal",
                 "lognormal", "qlognormal")


@dataclass
class Op:
    """One ``layer_choice`` entry: its normalised string and the call written in the annotation."""

    key: str
    call: ast.Call


@dataclass
class LayerSpec:
    """One layer (a dict literal) of ``@nni.mutable_layers``."""

    layer_id: str
    ops: list[Op]
    fixed: ast.List | None
    inputs: list[tuple[str, ast.expr]] | None  # None: no optional_inputs written
    size: ast.expr | None  # the literal as written; None when there are no optional inputs
    size_json: int | list[int]
    output: ast.Name

    def json(self) -> dict[str, Any]:
        return {"layer_choice": [op.key for op in self.ops],
                "optional_inputs": [key for key, _ in self.inputs or []],
                "optional_input_size": self.size_json}


@dataclass
class Annotation:
    """One recognised annotation statement of a file (file coordinates in ``stmt``)."""

    name: str
    stmt: ast.Expr
    call: ast.Call  # parsed from the annotation text (text coordinates)
    layers: list[LayerSpec] = field(default_factory=list)
    block_id: str = ""  # mutable_layers: '<module>/mutable_block_<end line>'
    # variable / function_choice
    var: ast.expr | None = None  # the name=... expression
    func: str = ""  # the distribution (variable) or 'function_choice'
    args: list[ast.expr] = field(default_factory=list)  # options / distribution arguments
    keys: list[Any] = field(default_factory=list)  # option keys (choice, function_choice)
    key: str = ""  # '<module>/<name>/<func>'
    target: ast.stmt | None = None  # the annotated statement
    matches: list[ast.Call] = field(default_factory=list)  # function_choice: the calls replaced

    @property
    def line(self) -> int:
        return self.stmt.lineno

    def space_entry(self) -> tuple[str, dict[str, Any]] | None:
        """``(key, JSON value)`` of this annotation's search-space entry, if it has one."""
        if self.name == "mutable_layers":
            if not self.layers:
                return None
            return self.block_id, {"_type": "mutable_layer",
                                   "_value": {layer.layer_id: layer.json() for layer in self.layers}}
        if self.name == "function_choice" and not self.matches:
            return None  # NNI's search space came from the replaced calls: none, no entry
        if self.name == "function_choice" or (self.name == "variable" and self.func == "choice"):
            return self.key, {"_type": "choice", "_value": list(self.keys)}
        if self.name == "variable":
            return self.key, {"_type": self.func, "_value": [ast.literal_eval(arg) for arg in self.args]}
        return None
