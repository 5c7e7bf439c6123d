"""``nastune run | resume | experiment list|show|trials|plot|export|best``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from ..exceptions import ConfigError
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


_REPORTED_ONLY = ("leave out the results derived for superseded multi-phase parameters (an enas child's last "
                  "minibatch result): only final results trials reported themselves")


def _best_line(best: Any) -> str:
    where = f"trial {best.trial_id}, parameter {best.parameter_id}"
    if best.derived:
        where += ("; derived: the last intermediate result of a multi-phase parameter the trial moved past "
                  "(--reported-only: trials' own final results)")
    return f"best: {_headline(best.value)} ({where})"


def _reporter(args: argparse.Namespace, optimize_mode: str) -> Any:
    from ..experiment.progress import make_reporter

    return make_reporter("json" if args.json else "quiet" if args.quiet else "rich", optimize_mode)


def _duration(value: str | None, flag: str) -> float | None:
    from ..experiment._schema import parse_duration

    return None if value is None else parse_duration(value, flag)


def _headline(value: Any) -> Any:
    """A final result as a table or summary shows it: a dict result by its ``default`` (the full value is
    in ``trials --json`` and the exports)."""
    return value.get("default", value) if isinstance(value, dict) else value


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


def _run(args: argparse.Namespace) -> int:
    from ..experiment.config import load_config
    from ..experiment.runner import start_experiment

    overrides = {"tuner": args.tuner, "tuner_args": args.tuner_args, "max_trials": args.max_trials,
                 "concurrency": args.concurrency, "max_duration": args.max_duration,
                 "experiment_dir": args.experiment_dir, "max_trial_duration": args.max_trial_duration,
                 "seed": args.seed}
    # the config's notices (e.g. "multiPhase enabled" for enas_mode) are INFO: show them on stderr
    config_log = logging.getLogger("nastuners.experiment.config")
    if config_log.level == logging.NOTSET or config_log.level > logging.INFO:
        config_log.setLevel(logging.INFO)
    config = load_config(args.config, overrides)
    mode = config.tuner.optimize_mode if config.tuner else "maximize"
    return _finish(start_experiment(config, _reporter(args, mode)), args)


def _resume(args: argparse.Namespace) -> int:
    from ..experiment.runner import resume_experiment

    overrides = {"max_trials": args.max_trials, "concurrency": args.concurrency,
                 "max_duration": _duration(args.max_duration, "--max-duration"),
                 "max_trial_duration": _duration(args.max_trial_duration, "--trial-timeout")}
    return _finish(resume_experiment(args.experiment, _reporter(args, "maximize"), overrides), args)


def _summary(ref: str | Path) -> dict[str, Any]:
    from ..experiment.export import best_result
    from ..experiment.paths import find_experiment
    from ..experiment.store import Store

    exp_dir = find_experiment(ref)
    store = Store(exp_dir, read_only=True)
    try:
        rec = store.experiment()
        counts: dict[str, int] = {}
        for t in store.trials():
            counts[t.status] = counts.get(t.status, 0) + 1
    finally:
        store.close()
    try:
        best: Any = best_result(exp_dir).__dict__
    except ConfigError:
        best = None
    status, message = rec["status"], rec["message"]
    if status == "RUNNING":
        from ..experiment.runner import _runner_alive

        if not _runner_alive(rec["runner_pid"]):
            status = "CRASHED"
            message = (f"the runner (pid {rec['runner_pid']}) is gone; "
                       f"`nastune resume {rec['id']}` continues it")
    tuner = rec["config"].get("tuner") or {}
    return {"id": rec["id"], "name": rec["name"], "status": status, "message": message,
            "directory": str(exp_dir), "tuner": tuner.get("name") or tuner.get("class_name"),
            "elapsed": round(rec["elapsed"], 3), "trials": counts, "best": best}


def _list(args: argparse.Namespace) -> int:
    from ..experiment.paths import experiments_root
    from ..experiment.store import DB_NAME

    root = experiments_root()
    rows: list[dict[str, Any]] = []
    for path in sorted(root.glob("*")) if root.is_dir() else []:
        if (path / DB_NAME).is_file():
            try:
                rows.append(_summary(path))
            except ConfigError as exc:  # one unreadable database does not hide the others
                rows.append({"id": path.name, "status": "UNREADABLE", "message": str(exc),
                             "directory": str(path), "tuner": None, "trials": {}, "best": None})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        if row["status"] == "UNREADABLE":
            print(f"{row['id']}  UNREADABLE: {row['message']}")
            continue
        done = sum(row["trials"].values())
        best = row["best"]["value"] if row["best"] else "-"
        print(f"{row['id']}  {row['status']:<8} {row['tuner'] or '-':<12} trials {done:<5} best {best}  "
              f"{row['directory']}")
    if not rows:
        print(f"no experiments under {root}", file=sys.stderr)
    return 0


def _show(args: argparse.Namespace) -> int:
    info = _summary(args.experiment)
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:>10}: {json.dumps(value) if isinstance(value, dict) else value}")
    return 0


def _trials(args: argparse.Namespace) -> int:
    from ..experiment.paths import find_experiment
    from ..experiment.store import Store

    store = Store(find_experiment(args.experiment), read_only=True)
    try:
        finals: dict[str, Any] = {}
        derived: dict[str, int] = {}
        for m in store.metrics("final"):
            if m.derived:  # a superseded multi-phase parameter's result, not the trial's own final result
                derived[m.trial_id] = derived.get(m.trial_id, 0) + 1
            else:
                finals[m.trial_id] = m.value
        inter: dict[str, list[Any]] = {}
        for m in store.metrics("intermediate"):
            inter.setdefault(m.trial_id, []).append(m.value)
        rows: list[dict[str, Any]]
        rows = [{"trial_id": t.trial_id, "sequence_id": t.seq, "parameter_id": t.parameter_id,
                 "status": t.status, "final": finals.get(t.trial_id),
                 "derived_finals": derived.get(t.trial_id, 0), "intermediate": inter.get(t.trial_id, []),
                 "duration": round(t.ended - t.started, 3) if t.ended else None, "message": t.message,
                 "exit_code": t.exit_code, "trial_dir": t.trial_dir} for t in store.trials()]
    finally:
        store.close()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'seq':>4} {'trial':<6} {'pid':>5} {'status':<11} {'final':>12} {'inter':>5} {'secs':>7}"
          "  message")
    for r in rows:
        final = "-" if r["final"] is None else json.dumps(_headline(r["final"]))
        secs = "-" if r["duration"] is None else f"{r['duration']:.2f}"
        print(f"{r['sequence_id']:>4} {r['trial_id']:<6} {r['parameter_id']:>5} {r['status']:<11} "
              f"{final:>12} "
              f"{len(r['intermediate']):>5} {secs:>7}  {r['message'] or ''}")
    return 0


def _plot(args: argparse.Namespace) -> int:
    from ..experiment.plot import plot_experiment

    print(plot_experiment(args.experiment, args.output))
    return 0


def _export(args: argparse.Namespace) -> int:
    from ..experiment.export import export_code, export_records, records_to_csv

    if args.code:
        if not args.output:
            raise ConfigError("export --code needs -o DIR (a new or empty directory)")
        print(export_code(args.experiment, args.output, reported_only=args.reported_only))
        return 0
    records = export_records(args.experiment, reported_only=args.reported_only)
    text = json.dumps(records, indent=2) + "\n" if args.format == "json" else records_to_csv(records)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def _best(args: argparse.Namespace) -> int:
    from ..experiment.export import best_result

    print(json.dumps(best_result(args.experiment, reported_only=args.reported_only).parameters, indent=2))
    return 0
