"""``nastune space validate | info | sample``: work with search-space files."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..space import SearchSpace, load_space
from .main import add_group


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (argparse prints the usage and exits 2 otherwise)."""
    try:
        value = int(text)
    except ValueError:
        msg = f"expected an integer >= 1, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 1:
        msg = f"expected an integer >= 1, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def register(subparsers: Any, groups: dict[str, Any]) -> None:
    """Add the ``space`` group."""
    sub = add_group(subparsers, groups, "space", help="validate, inspect and sample search spaces")

    v = sub.add_parser("validate", help="check a search-space JSON file (exit 2 listing every error)")
    v.add_argument("file", help="search-space JSON file")
    v.set_defaults(func=_validate)

    i = sub.add_parser("info", help="blocks, layers, decisions and exact cardinality")
    i.add_argument("file", help="search-space JSON file")
    i.add_argument("--json", action="store_true", help="machine-readable output")
    i.set_defaults(func=_info)

    s = sub.add_parser("sample", help="print N choice documents (JSON lines) from a tuner")
    s.add_argument("file", help="search-space JSON file")
    s.add_argument("--tuner", default="random", help="registered tuner name (default: random)")
    s.add_argument("--tuner-args", default="{}", help="JSON object of tuner class arguments")
    s.add_argument("-n", type=positive_int, default=1, help="number of architectures (default 1)")
    s.add_argument("--seed", type=int, default=None, help="tuner seed (default: unseeded)")
    s.set_defaults(func=_sample)


def _validate(args: argparse.Namespace) -> int:
    space = load_space(args.file)
    print(f"{args.file}: ok ({len(space.layers)} layers, {space.cardinality} architectures)")
    return 0


def describe(space: SearchSpace) -> dict[str, Any]:
    """A JSON-ready summary of a space."""
    return {
        "blocks": [{"key": b.key, "layers": [
            {"name": layer.name, "ops": len(layer.layer_choice),
             "optional_inputs": len(layer.optional_inputs),
             "size": [layer.size_lo, layer.size_hi]} for layer in b.layers]} for b in space.blocks],
        "choices": [{"key": p.key, "options": len(p.options)} for p in space.params],
        "layers": len(space.layers),
        "decisions": [{"label": d.label, "kind": d.kind, "categories": d.n} for d in space.decisions],
        "cardinality": space.cardinality,
    }


def _info(args: argparse.Namespace) -> int:
    space = load_space(args.file)
    info = describe(space)
    if args.json:
        info["cardinality"] = str(space.cardinality) if space.cardinality > 2**53 else space.cardinality
        json.dump(info, sys.stdout, indent=2)
        print()
        return 0
    print(f"{args.file}")
    for b in info["blocks"]:
        print(f"  block {b['key']}")
        for layer in b["layers"]:
            lo, hi = layer["size"]
            size = str(lo) if lo == hi else f"[{lo}, {hi}]"
            print(f"    {layer['name']}: {layer['ops']} ops, {layer['optional_inputs']} optional inputs, "
                  f"choose {size}")
    for c in info["choices"]:
        print(f"  choice {c['key']}: {c['options']} options")
    print(f"  layers: {info['layers']}, decisions: {len(info['decisions'])}, "
          f"cardinality: {space.cardinality:,}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from ..exceptions import NoMoreTrialError
    from ..registry import get_tuner, parse_class_args

    space = load_space(args.file)
    tuner_args = parse_class_args(args.tuner_args)
    if args.seed is not None:
        tuner_args.setdefault("seed", args.seed)
    tuner = get_tuner(args.tuner, **tuner_args)
    tuner.update_search_space(space.to_json())
    for pid in range(args.n):
        try:
            params = tuner.generate_parameters(pid)
        except NoMoreTrialError as exc:
            print(f"nastune: {args.tuner} has no more architectures after {pid}: {exc}", file=sys.stderr)
            break
        print(json.dumps(params))
    return 0
