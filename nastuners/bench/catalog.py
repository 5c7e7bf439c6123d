"""The benchmarks shipped with nastune, addressed by versioned ids such as ``nb201-cifar10-v1``.

An id is ``<name>-v<version>``, parsed by :data:`BENCH_ID_RE`. A change in data or semantics gets a new
version, never an in-place edit. ``<name>`` alone resolves to the newest version.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ._errors import BenchmarkError

__all__ = ["BENCH_ID_RE", "SHIPPED", "BenchmarkSpec", "parse_benchmark_id", "resolve_benchmark_id"]

BENCH_ID_RE = re.compile(r"^(?P<name>[a-z0-9][a-z0-9_.]*(?:-[a-z0-9_.]+)*?)(?:-v(?P<version>[0-9]+))?$")


@dataclass(frozen=True)
class BenchmarkSpec:
    """What a shipped benchmark id means: its table file and how its metrics are used.

    ``objective`` is what the tuner sees (a per-seed metric draws one seed per query), ``report`` is what the
    incumbent is judged by (per-seed values are averaged), ``cost`` is the simulated training time of one
    evaluation (``None``: every evaluation takes 1 time unit).
    """

    id: str
    file: str
    objective: str
    report: str
    cost: str | None
    mode: str
    title: str

    @property
    def path(self) -> Path:
        """Location of the table file inside the installed package."""
        return Path(str(resources.files("nastuners.bench") / "data" / self.file))


def _nb201(dataset: str, title: str) -> BenchmarkSpec:
    return BenchmarkSpec(
        id=f"nb201-{dataset}-v1", file=f"nb201-{dataset}-v1.table.zip", objective="valid_acc",
        report="test_acc", cost="train_time", mode="max",
        title=f"NAS-Bench-201 {title}: one drawn seed of 200-epoch validation accuracy, "
              "reporting mean 200-epoch test accuracy; cost = training time (s)")


SHIPPED: dict[str, BenchmarkSpec] = {spec.id: spec for spec in (
    _nb201("cifar10", "CIFAR-10"),
    _nb201("cifar100", "CIFAR-100"),
    _nb201("imagenet16_120", "ImageNet16-120"),
    BenchmarkSpec(
        id="nasbench-macro-cifar10-v1", file="nasbench-macro-cifar10-v1.table.zip", objective="test_acc",
        report="test_acc", cost=None, mode="max",
        title="NAS-Bench-Macro CIFAR-10: one drawn seed of test accuracy, reporting the mean over 3 seeds; "
              "cost = 1 per evaluation (no training times in the source)"),
)}


def parse_benchmark_id(text: str) -> tuple[str, int | None]:
    """Split ``name-vN`` into ``(name, N)``; ``(name, None)`` when no version is given."""
    m = BENCH_ID_RE.match(text)
    if m is None:
        msg = (f"invalid benchmark id {text!r}: expected '<name>-v<version>' in lowercase letters, digits, "
               "'_', '.' and '-', e.g. 'nb201-cifar10-v1'")
        raise BenchmarkError(msg)
    version = m.group("version")
    return m.group("name"), int(version) if version is not None else None


def resolve_benchmark_id(text: str) -> BenchmarkSpec:
    """The shipped benchmark named ``text`` (newest version when none is given), or a did-you-mean error."""
    try:
        name, version = parse_benchmark_id(text)
    except BenchmarkError as exc:
        msg = f"{exc}.{_did_you_mean(text)}"
        raise BenchmarkError(msg) from None
    versions = {}
    for spec in SHIPPED.values():
        spec_name, spec_version = parse_benchmark_id(spec.id)
        if spec_name == name:
            versions[spec_version] = spec
    if versions and version is None:
        return versions[max(v for v in versions if v is not None)]
    if version in versions:
        return versions[version]
    known = sorted(SHIPPED)
    if versions:
        msg = (f"benchmark {name!r} has no version {version}; available: "
               + ", ".join(s.id for s in versions.values()))
    else:
        msg = (f"unknown benchmark {text!r}.{_did_you_mean(text)} Shipped: {', '.join(known)}; "
               "or use your own table with --space S.json --table T.jsonl")
    raise BenchmarkError(msg)


def _did_you_mean(text: str) -> str:
    close = difflib.get_close_matches(text.lower(), sorted(SHIPPED), n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""
