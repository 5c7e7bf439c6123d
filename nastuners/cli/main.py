"""Entry point of the ``nastune`` command: builds the parser from the command-group modules and runs one."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any, TextIO

from .. import __version__
from ..exceptions import NastunersError

# Command-group modules; each defines ``register(subparsers, groups)``. Order is the order in ``--help``.
_GROUP_MODULES = ("space", "tuners", "annotate", "bench", "experiment")


def add_group(subparsers: Any, groups: dict[str, Any], name: str, help: str) -> Any:
    """Add the command group ``name`` (its bare form prints the group's help); return its sub-parsers."""
    parser = subparsers.add_parser(name, help=help)
    parser.set_defaults(_group_parser=parser)
    sub = parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
    groups[name] = sub
    return sub


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(
        prog="nastune",
        description="Neural architecture search with NNI's general NAS programming interface.",
    )
    parser.add_argument("--version", action="version", version=f"nastune {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for name in _GROUP_MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{name}":
                continue  # that command group is not part of this build
            raise
        module.register(subparsers, groups)
    return parser


def format_warning(message: Warning | str) -> str:
    """How the CLI prints a warning: ``nastune: warning: <message>`` (messages carry the user's file or JSON
    path; Python's ``<internal file>:<line>: UserWarning`` and source line would only point into nastune)."""
    return f"nastune: warning: {message}"


_shown: set[str] = set()  # the warnings printed during this ``main()`` call


def emit_warning(message: Warning | str, file: TextIO | None = None) -> None:
    """Print :func:`format_warning` to stderr (or ``file``), once per text per command: the same problem
    found again by a later stage (e.g. a space checked at compile time, then by the runner and the tuner) is
    not repeated."""
    text = format_warning(message)
    if text in _shown:
        return
    _shown.add(text)
    with contextlib.suppress(OSError, ValueError):  # stderr closed or gone: never fail over a warning
        print(text, file=file if file is not None else sys.stderr)


def show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: TextIO | None = None, line: str | None = None) -> None:
    """A ``warnings.showwarning`` replacement: :func:`emit_warning`."""
    del category, filename, lineno, line  # internal locations mean nothing to the user
    emit_warning(message, file)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``nastune`` with ``argv``; return the exit status (0 ok, 1 usage error, 2 invalid input)."""
    _shown.clear()
    with warnings.catch_warnings():  # restores Python's formatter when an in-process caller returns
        warnings.showwarning = show_warning
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    func = getattr(args, "func", None)
    if func is None:
        # a group without a sub-command: show that group's help
        target = getattr(args, "_group_parser", parser)
        target.print_help(sys.stderr)
        return 1
    try:
        return int(func(args) or 0)
    except NastunersError as exc:
        if args.debug:
            raise
        print(f"nastune: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (``nastune ... | head``): not an error of ours
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except KeyboardInterrupt:
        print("nastune: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError) as exc:
        if args.debug:
            raise
        print(f"nastune: error: {_describe(exc)}", file=sys.stderr)
        return 2


def _describe(exc: Exception) -> str:
    """``path: reason; hint`` for file-system errors instead of Python's ``[Errno 2] ...`` form."""
    if not isinstance(exc, OSError) or exc.filename is None:
        return str(exc)
    reason = exc.strerror or str(exc)
    hints = {FileNotFoundError: "check the path (a folder in it may not exist)",
             FileExistsError: "choose another path or remove it",
             IsADirectoryError: "give a file name, not a directory",
             NotADirectoryError: "a part of the path is a file",
             PermissionError: "check the permissions"}
    hint = next((h for cls, h in hints.items() if isinstance(exc, cls)), "")
    return f"{exc.filename}: {reason}" + (f"; {hint}" if hint else "")


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
