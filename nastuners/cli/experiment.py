"""``nastune run | resume`` and the ``experiment`` command group (its views: :mod:`.experiment_views`)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from ..exceptions import ConfigError
from .experiment_views import _REPORTED_ONLY, _best, _best_line, _export, _list, _plot, _show, _trials
from .main import add_group


def _limits(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-trials", type=int, help="maxTrialNum")
    p.add_argument("--concurrency", type=int, help="trialConcurrency")
    p.add_argument("--max-duration", help="maxExecDuration, e.g. 30m or 3600 (seconds)")
    p.add_argument("--trial-timeout", dest="max_trial_duration", help="maxTrialDuration per trial, e.g. 10m")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    out.add_argument("--json", action="store_true", help="JSON events on stdout, one per line")


def register(subparsers: Any, groups: dict[str, Any]) -> None:
    """Add ``run``, ``resume`` and the ``experiment`` group."""
    r = subparsers.add_parser("run", help="run a NAS experiment from a config file (NNI v1 YAML)")
    r.add_argument("config", help="experiment config (YAML)")
    r.add_argument("--tuner", help="tuner name (replaces the config's tuner)")
    r.add_argument("--tuner-args", help="JSON object of tuner class arguments")
    r.add_argument("--experiment-dir", help="experiment folder (default $NASTUNE_HOME/experiments/ID)")
    r.add_argument("--seed", type=int, help="seed passed to the tuner")
    _limits(r)
    r.set_defaults(func=_run)

    s = subparsers.add_parser("resume", help="continue a stopped or crashed experiment")
    s.add_argument("experiment", help="experiment id or directory")
    _limits(s)
    s.set_defaults(func=_resume)

    sub = add_group(subparsers, groups, "experiment", help="inspect and export experiments")
    ls = sub.add_parser("list", help="experiments under $NASTUNE_HOME")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    sh = sub.add_parser("show", help="status, config summary, counts and best result")
    sh.add_argument("experiment")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=_show)
    tr = sub.add_parser("trials", help="every trial with status and final result")
    tr.add_argument("experiment")
    tr.add_argument("--json", action="store_true")
    tr.set_defaults(func=_trials)
    pl = sub.add_parser("plot", help="final metric per trial and best so far, as an image")
    pl.add_argument("experiment")
    pl.add_argument("-o", "--output", required=True, help="image file, e.g. progress.png")
    pl.set_defaults(func=_plot)
    ex = sub.add_parser("export", help="trial data as JSON/CSV (NNI shape), or --code of the best")
    ex.add_argument("experiment")
    ex.add_argument("--format", choices=("json", "csv"), default="json")
    ex.add_argument("--code", action="store_true", help="standalone code of the best architecture")
    ex.add_argument("-o", "--output", help="file (data; default stdout) or directory (--code)")
    ex.add_argument("--reported-only", action="store_true", help=_REPORTED_ONLY)
    ex.set_defaults(func=_export)
    b = sub.add_parser("best", help="the best architecture (choice JSON)")
    b.add_argument("experiment")
    b.add_argument("--reported-only", action="store_true", help=_REPORTED_ONLY)
    b.set_defaults(func=_best)


def _reporter(args: argparse.Namespace, optimize_mode: str) -> Any:
    from ..experiment.progress import make_reporter

    return make_reporter("json" if args.json else "quiet" if args.quiet else "rich", optimize_mode)


def _duration(value: str | None, flag: str) -> float | None:
    from ..experiment._schema import parse_duration

    return None if value is None else parse_duration(value, flag)


def _no_result(result: Any) -> str:
    """Why a finished experiment is a failure: the trial counts, where the output is, how to look."""
    total = sum(result.trials.values())
    counts = ", ".join(f"{n} {s}" for s, n in sorted(result.trials.items()))
    lines = [f"nastune: experiment {result.exp_id} finished but no trial produced a result "
             f"({total} trial{'s' if total != 1 else ''}: {counts or 'none ran'})."]
    lines.append(f"  each trial's output: {result.exp_dir}/trials/<trial id>/stdout and stderr")
    if result.failed is not None:
        what = f": {result.failed.message}" if result.failed.message else ""
        lines.append(f"  latest, trial {result.failed.trial_id} {result.failed.status}{what}")
        lines.append(f"    its stderr: {result.failed.trial_dir}/stderr")
    lines.append(f"  list them: nastune experiment trials {result.exp_id}")
    return "\n".join(lines)


def _finish(result: Any, args: argparse.Namespace) -> int:
    """Print the summary; the exit status: 0 done, 1 failed or done without any result, 130 stopped."""
    if not args.json:
        msg = f" ({result.message})" if result.message else ""
        print(f"experiment {result.exp_id} {result.status}{msg}; directory {result.exp_dir}")
        try:
            from ..experiment.export import best_result

            best = best_result(result.exp_dir)
            print(_best_line(best))
            print(json.dumps(best.parameters, indent=2))
        except ConfigError:  # no final result at all: say where to look (a finished run: in detail, below)
            if not result.no_result:
                print(f"no trial reported a final result yet; each trial's output is in "
                      f"{result.exp_dir}/trials/<trial id>/stdout and stderr "
                      f"(`nastune experiment trials {result.exp_id}` lists them)", file=sys.stderr)
    if result.no_result:
        print(_no_result(result), file=sys.stderr)
        return 1
    if result.status != "DONE":
        print(f"continue it with: nastune resume {result.exp_id}", file=sys.stderr)
    return {"DONE": 0, "STOPPED": 130}.get(result.status, 1)


#: integer flags of run/resume: (flag, lowest, highest), the ranges of their config keys
_INT_FLAGS = {"max_trials": ("--max-trials", 1, 99999), "concurrency": ("--concurrency", 1, 99999),
              "seed": ("--seed", 0, 2**63 - 1)}


def _limit_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The limit flags given, checked (the error names the flag): integers in range, durations in seconds."""
    values: dict[str, Any] = {}
    for dest, (flag, lo, hi) in _INT_FLAGS.items():
        value = getattr(args, dest, None)
        if value is not None and not lo <= value <= hi:
            bound = f">= {lo}" if value < lo else f"<= {hi}"
            msg = f"{flag}: {value} is out of range; give an integer {bound}"
            raise ConfigError(msg)
        values[dest] = value
    values["max_duration"] = _duration(args.max_duration, "--max-duration")
    values["max_trial_duration"] = _duration(args.max_trial_duration, "--trial-timeout")
    return values


def _run(args: argparse.Namespace) -> int:
    from ..experiment.config import load_config
    from ..experiment.runner import start_experiment

    # flags first, each error naming its flag (not the config file), before anything is read or created
    overrides = {"tuner": args.tuner, "tuner_args": args.tuner_args, "experiment_dir": args.experiment_dir,
                 **_limit_flags(args)}
    # the config's notices (e.g. "multiPhase enabled" for enas_mode) are INFO: show them on stderr
    config_log = logging.getLogger("nastuners.experiment.config")
    if config_log.level == logging.NOTSET or config_log.level > logging.INFO:
        config_log.setLevel(logging.INFO)
    config = load_config(args.config, overrides)
    mode = config.tuner.optimize_mode if config.tuner else "maximize"
    return _finish(start_experiment(config, _reporter(args, mode)), args)


def _resume(args: argparse.Namespace) -> int:
    from ..experiment.runner import resume_experiment

    overrides = _limit_flags(args)
    return _finish(resume_experiment(args.experiment, _reporter(args, "maximize"), overrides), args)
