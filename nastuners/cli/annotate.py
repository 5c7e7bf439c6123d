"""``nastune annotate``, ``nastune space generate`` and ``nastune trial codegen``: the annotation compiler."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..exceptions import AnnotationError
from .main import add_group, emit_warning


def register(subparsers: Any, groups: dict[str, Any]) -> None:
    """Add ``annotate``, ``space generate`` (to the ``space`` group) and ``trial codegen``."""
    if "space" in groups:
        g = groups["space"].add_parser("generate", help="search space of the annotations in a code directory")
        g.add_argument("code_dir", metavar="CODE_DIR")
        g.add_argument("-o", "--output", metavar="FILE", help="write the JSON here (default: stdout)")
        g.add_argument("--allow-empty", action="store_true", help="an empty space is not an error")
        g.set_defaults(func=_generate)

    a = subparsers.add_parser("annotate", help="compile annotated trial code into a new directory")
    a.add_argument("code_dir", metavar="CODE_DIR")
    a.add_argument("-o", "--output", metavar="OUT_DIR", required=True,
                   help="new (or empty) directory outside CODE_DIR")
    a.add_argument("--nas-mode", default="classic_mode",
                   choices=["classic_mode", "enas_mode", "oneshot_mode", "darts_mode"])
    a.add_argument("--search-space", metavar="FILE", help="also write the search-space JSON here")
    a.set_defaults(func=_annotate)

    sub = add_group(subparsers, groups, "trial", help="work with one trial")
    c = sub.add_parser("codegen", help="standalone code for one architecture (no nastune needed to run it)")
    c.add_argument("experiment", nargs="?", metavar="EXP", help="experiment id or directory (with -T)")
    c.add_argument("--trial-id", "-T", metavar="T", help="trial of EXP whose architecture to use")
    c.add_argument("--code-dir", metavar="DIR",
                   help="annotated code directory (with EXP: use this code instead of the experiment's)")
    c.add_argument("--choice", metavar="FILE", help="choice document (JSON, or JSON Lines: see --phase)")
    c.add_argument("--phase", type=int, default=-1,
                   help="which architecture of a multi-phase choice (default: the last)")
    c.add_argument("-o", "--output", metavar="OUT_DIR", help="new (or empty) directory; default "
                   "./exp_<EXP>_trial_<T>_code with EXP/--trial-id")
    c.set_defaults(func=_codegen)


@contextmanager
def _warnings_to_stderr() -> Iterator[None]:
    """Show each annotation warning (every location, once per text: :func:`emit_warning`), also when the
    command then fails."""
    from ..annotation import AnnotationWarning

    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", AnnotationWarning)
            yield
    finally:
        for item in caught:
            emit_warning(item.message)


def _check_output_file(path: str | None, flag: str) -> None:
    """Refuse an output file that cannot be written *before* any work (nothing half-written)."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        msg = f"{flag} {path!r} is a directory; give a file name, e.g. {target / 'search_space.json'}"
        raise AnnotationError(msg)
    if not target.parent.is_dir():
        msg = f"{flag} {path!r}: the folder {str(target.parent)!r} does not exist; create it first"
        raise AnnotationError(msg)


def _dump(space: dict[str, Any], output: str | None) -> None:
    text = json.dumps(space, indent=2) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _generate(args: argparse.Namespace) -> int:
    from ..annotation import generate_search_space

    _check_output_file(args.output, "-o")
    with _warnings_to_stderr():
        space = generate_search_space(args.code_dir, allow_empty=args.allow_empty)
    _dump(space, args.output)
    return 0


def _annotate(args: argparse.Namespace) -> int:
    from ..annotation import expand

    _check_output_file(args.search_space, "--search-space")
    with _warnings_to_stderr():
        space = expand(args.code_dir, args.output, nas_mode=args.nas_mode)
    if args.search_space:
        _dump(space, args.search_space)
    print(f"compiled {args.code_dir} -> {args.output} ({args.nas_mode}, {len(space)} search-space entries)",
          file=sys.stderr)
    return 0


def _lookup() -> Callable[[str, str], tuple[Path, dict[str, Any]]]:
    try:
        from ..experiment import lookup_trial
    except ImportError:
        msg = ("`nastune trial codegen EXP --trial-id T` needs the experiment store "
               "(nastuners.experiment.lookup_trial), which this build lacks; use "
               "`nastune trial codegen --code-dir DIR --choice FILE -o OUT_DIR` instead")
        raise AnnotationError(msg) from None
    return lookup_trial  # type: ignore[no-any-return]


def _codegen(args: argparse.Namespace) -> int:
    from ..annotation import codegen

    if args.experiment is not None:
        if not args.trial_id:
            raise AnnotationError("trial codegen EXP needs --trial-id T (which trial's architecture)")
        if args.choice:
            raise AnnotationError("give either EXP --trial-id T or --choice FILE, not both")
        code_dir, choice = _lookup()(args.experiment, args.trial_id)
        if args.code_dir:
            code_dir = Path(args.code_dir)
        output = args.output or f"exp_{Path(str(args.experiment)).name}_trial_{args.trial_id}_code"
    else:
        if not (args.code_dir and args.choice and args.output):
            raise AnnotationError("trial codegen needs --code-dir DIR --choice FILE -o OUT_DIR "
                                  "(or EXP --trial-id T)")
        code_dir, choice, output = Path(args.code_dir), args.choice, args.output
    with _warnings_to_stderr():
        target = codegen(code_dir, choice, output, phase=args.phase)
    print(f"standalone code written to {target}", file=sys.stderr)
    return 0
