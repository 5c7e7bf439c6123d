"""Hypothesis strategies: well-formed search spaces (every size form, several blocks, ``choice`` entries),
choice documents for them, and random mutations of any JSON document."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from nastuners.space import SearchSpace

# Names with quotes, brackets, dots, unicode and spaces: strings are data and must survive every round trip.
_NAME = st.text(alphabet=st.sampled_from("abxy_0'\"[].() é/"), min_size=1, max_size=6)

JSON_SCALARS = (
    st.none() | st.booleans() | st.integers(-3, 10) | st.floats(allow_nan=True) | st.text(max_size=4)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def _option_identity(value: Any) -> tuple[str, Any]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ("number", value)
    return (type(value).__name__, value)


_OPTION = (
    st.integers(-5, 5) | st.floats(-10, 10, allow_nan=False) | st.booleans() | st.none() | st.text(max_size=4)
)


@st.composite
def layers(draw: st.DrawFn, *, max_ops: int = 4, max_inputs: int = 5, max_extra: int = 2) -> dict[str, Any]:
    """One well-formed layer: every size form (none, ``k``, ``k > n``, ``[lo, hi]`` incl. ``hi > n``)."""
    ops = draw(st.lists(_NAME.map(lambda s: f"op({s!r})"), min_size=1, max_size=max_ops, unique=True))
    inputs = draw(st.lists(_NAME, min_size=0, max_size=max_inputs, unique=True))
    out: dict[str, Any] = {"layer_choice": ops}
    n = len(inputs)
    if n == 0:
        form = draw(st.sampled_from(["omit", "zero", "zero_range"]))
        if form != "omit":
            out["optional_inputs"] = []
            out["optional_input_size"] = 0 if form == "zero" else [0, 0]
        return out
    out["optional_inputs"] = inputs
    if draw(st.booleans()):
        out["optional_input_size"] = draw(st.integers(0, n + max_extra))
    else:
        hi = draw(st.integers(0, n + max_extra))
        out["optional_input_size"] = [draw(st.integers(0, hi)), hi]
    return out


@st.composite
def space_docs(
    draw: st.DrawFn,
    *,
    max_blocks: int = 3,
    max_layers: int = 3,
    max_choices: int = 2,
    max_ops: int = 4,
    max_inputs: int = 5,
    max_extra: int = 2,
) -> dict[str, Any]:
    """A well-formed search-space document: blocks (wrapped or the v0.9 unwrapped form) and choice entries."""
    n_blocks = draw(st.integers(0, max_blocks))
    n_choices = draw(st.integers(0 if n_blocks else 1, max_choices))
    entries: list[tuple[str, Any]] = []
    for b in range(n_blocks):
        n_layers = draw(st.integers(1, max_layers))
        value = {
            f"mutable_layer_{i}": draw(layers(max_ops=max_ops, max_inputs=max_inputs, max_extra=max_extra))
            for i in range(n_layers)
        }
        key = f"{draw(st.sampled_from(['trial', 'pkg.sub.cell', 'a/b']))}/mutable_block_{b}"
        wrapped = draw(st.booleans())
        entries.append((key, {"_type": "mutable_layer", "_value": value} if wrapped else value))
    for c in range(n_choices):
        options = draw(st.lists(_OPTION, min_size=1, max_size=4, unique_by=_option_identity))
        entries.append((f"trial/p{c}/choice", {"_type": "choice", "_value": options}))
    order = draw(st.permutations(range(len(entries))))
    return {entries[i][0]: entries[i][1] for i in order}


def small_space_docs(limit: int = 3000) -> st.SearchStrategy[dict[str, Any]]:
    """Spaces small enough to enumerate (cardinality <= ``limit``)."""
    return space_docs(max_blocks=2, max_layers=2, max_choices=1, max_ops=3, max_inputs=3, max_extra=1).filter(
        lambda doc: SearchSpace.from_json(doc).cardinality <= limit
    )


def spaces(**kwargs: Any) -> st.SearchStrategy[SearchSpace]:
    return space_docs(**kwargs).map(SearchSpace.from_json)


@st.composite
def choice_docs(draw: st.DrawFn, space: SearchSpace, *, repeats: bool = True) -> dict[str, Any]:
    """A valid native choice document for ``space``, in random key and input order.

    With ``repeats`` inputs are drawn with replacement (NNI-legal); otherwise distinct whenever the count
    allows it, as nastune's tuners emit them.
    """
    entries: list[tuple[str, Any]] = []
    for param in space.params:
        entries.append((param.key, draw(st.sampled_from(param.options))))
    for block in space.blocks:
        items = []
        for layer in block.layers:
            count = draw(st.integers(layer.size_lo, layer.size_hi))
            names = list(layer.optional_inputs)
            if count and (repeats or count > len(names)):
                chosen = draw(st.lists(st.sampled_from(names), min_size=count, max_size=count))
            else:
                chosen = draw(st.permutations(names))[:count]
            items.append(
                (
                    layer.name,
                    {"chosen_inputs": chosen, "chosen_layer": draw(st.sampled_from(layer.layer_choice))},
                )
            )
        order = draw(st.permutations(range(len(items))))
        entries.append((block.key, {items[i][0]: items[i][1] for i in order}))
    order = draw(st.permutations(range(len(entries))))
    return {entries[i][0]: entries[i][1] for i in order}


def _locations(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _locations(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out += _locations(value, (*path, i))
    return out


@st.composite
def mutations(draw: st.DrawFn, doc: Any, *, max_mutations: int = 3) -> Any:
    """``doc`` with 1..``max_mutations`` random edits: replace, delete, insert, duplicate or wrap a value."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, max_mutations))):
        path = draw(st.sampled_from(_locations(doc)))
        op = draw(st.sampled_from(["replace", "delete", "insert", "duplicate", "wrap"]))
        if not path:
            if op in ("replace", "wrap"):
                doc = draw(JSON_VALUES) if op == "replace" else [doc]
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if op == "replace":
            parent[last] = draw(JSON_VALUES)
        elif op == "delete":
            del parent[last]
        elif op == "wrap":
            parent[last] = (
                {"_type": "choice", "_value": parent[last]} if draw(st.booleans()) else [parent[last]]
            )
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(last, copy.deepcopy(parent[last]))
        elif isinstance(parent, dict):
            parent[
                draw(
                    st.sampled_from(
                        [
                            "_type",
                            "_value",
                            "layer_choice",
                            "chosen_inputs",
                            "x",
                            "optional_inputs",
                            "optional_input_size",
                            "chosen_layer",
                        ]
                    )
                )
            ] = draw(JSON_VALUES)
        else:
            parent.insert(last, draw(JSON_VALUES))
    return doc
