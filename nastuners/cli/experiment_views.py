"""``nastune experiment list|show|trials|plot|export|best``: looking at experiments (read-only)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..exceptions import ConfigError

_REPORTED_ONLY = ("leave out the results derived for superseded multi-phase parameters (an enas child's last "
                  "minibatch result): only final results trials reported themselves")


def _best_line(best: Any) -> str:
    where = f"trial {best.trial_id}, parameter {best.parameter_id}"
    if best.derived:
        where += ("; derived: the last intermediate result of a multi-phase parameter the trial moved past "
                  "(--reported-only: trials' own final results)")
    return f"best: {_headline(best.value)} ({where})"


def _headline(value: Any) -> Any:
    """A final result as a table or summary shows it: a dict result by its ``default`` (the full value is
    in ``trials --json`` and the exports)."""
    return value.get("default", value) if isinstance(value, dict) else value


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
