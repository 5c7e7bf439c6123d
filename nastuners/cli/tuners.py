"""``nastune tuners list``: the installed tuners (``nastuners.tuners`` entry points), broken ones included."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .main import add_group


def register(subparsers: Any, groups: dict[str, Any]) -> None:
    """Add the ``tuners`` group."""
    sub = add_group(subparsers, groups, "tuners", help="list the installed tuners")

    ls = sub.add_parser("list", help="name, distribution, version and summary of every tuner; broken plugins "
                                     "with their error")
    ls.add_argument("--json", action="store_true", help="machine-readable output (a JSON list)")
    ls.set_defaults(func=_list)


def _list(args: argparse.Namespace) -> int:
    from ..registry import list_tuners

    infos = list_tuners()
    if args.json:
        json.dump([info.to_json() for info in infos], sys.stdout, indent=2)
        print()
        return 0
    good = [i for i in infos if i.ok]
    broken = [i for i in infos if not i.ok]
    if not infos:
        print("no tuners installed (entry-point group 'nastuners.tuners' is empty)")
        return 0
    name_w = max(len(i.name) for i in infos)
    dist_w = max(len(_dist(i)) for i in infos)
    for info in good:
        print(f"{info.name:<{name_w}}  {_dist(info):<{dist_w}}  {info.summary}")
    if broken:
        print(f"\nbroken ({len(broken)}):")
        for info in broken:
            print(f"  {info.name:<{name_w}}  {_dist(info):<{dist_w}}  {info.error}")
    return 0


def _dist(info: Any) -> str:
    return f"{info.distribution} {info.version}" if info.distribution else "(unknown distribution)"
