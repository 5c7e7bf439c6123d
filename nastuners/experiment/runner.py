"""Start and resume experiments: everything before and after the dispatcher loop.

Start: check the config, resolve the tuner, build and validate the search space (annotations expanded into the
experiment directory), create the store, run. Resume (after a clean stop or any crash, SIGKILL included):
trials that were running are marked ``INTERRUPTED`` (their processes killed if still alive) and do not use up
the trial budget, ids continue after the stored ones, and the tuner is restored from its newest state snapshot
plus the final results newer than it (or, with no snapshot, all of them: ``import_data``), and its parameters
still pending are ended (``trial_end(pid, False, interrupted=True)`` for the interrupted ones).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import signal
import warnings
from pathlib import Path
from typing import Any

from nastuners.exceptions import ConfigError
from nastuners.experiment.config import ExperimentConfig
from nastuners.experiment.dispatcher import Dispatcher, takes_interrupted
from nastuners.experiment.paths import experiments_root, find_experiment, link_experiment, new_id
from nastuners.experiment.progress import Reporter
from nastuners.experiment.store import Store, TrialRow
from nastuners.experiment.trials import NOT_THE_ARCHITECTURE
from nastuners.experiment.tuner_loader import build_tuner, resolve_tuner_name

__all__ = ["RunResult", "resume_experiment", "start_experiment"]

log = logging.getLogger(__name__)


class RunResult:
    """What a finished run returns to the CLI.

    ``results``: final results stored (all runs of the experiment); ``trials``: trial count per status;
    ``failed``: the latest trial that ended without a result (for "look here" messages).
    """

    def __init__(self, exp_id: str, exp_dir: Path, status: str, message: str | None, *, results: int = 0,
                 trials: dict[str, int] | None = None, failed: TrialRow | None = None) -> None:
        self.exp_id, self.exp_dir, self.status, self.message = exp_id, exp_dir, status, message
        self.results, self.trials, self.failed = results, dict(trials or {}), failed

    @property
    def no_result(self) -> bool:
        """Finished (``DONE``) without a single final result: every trial failed or reported nothing."""
        return self.status == "DONE" and self.results == 0


def _outcome(store: Store, exp_id: str, exp_dir: Path, status: str, message: str | None) -> RunResult:
    """The run's result. A ``DONE`` experiment without any final result says so in its message (set by the
    dispatcher, stored and in the ``experiment_end`` event); the status stays ``DONE``: the run reached its
    end, and resume works as for any finished experiment."""
    rows = store.trials()
    trials = store.status_counts()
    results = store.count_metrics("final")
    ended = [row for row in reversed(rows) if row.status != "SUCCEEDED" and row.ended]
    failed = next((row for row in ended if row.status == "FAILED"), ended[0] if ended else None)
    return RunResult(exp_id, exp_dir, status, message, results=results, trials=trials, failed=failed)


class _NoTuner:
    """oneshot/darts configs without a tuner: every trial gets ``{}``; ``maxTrialNum`` (default 1) trials."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def update_search_space(self, search_space: Any) -> None:
        pass

    def generate_parameters(self, parameter_id: int, **kwargs: Any) -> dict[str, Any]:
        from nastuners.exceptions import NoMoreTrialError

        if self.left <= 0:
            raise NoMoreTrialError("all trials of this tuner-less experiment were started")
        self.left -= 1
        return {}

    def receive_trial_result(self, *args: Any, **kwargs: Any) -> None:
        pass


def _search_space(config: ExperimentConfig) -> dict[str, Any]:
    from nastuners.exceptions import SearchSpaceError
    from nastuners.space import SearchSpace

    if not config.use_annotation:
        return _space_file(config)
    from nastuners.annotation import generate_search_space

    space = generate_search_space(config.trial.code_dir, allow_empty=True)
    if not space:
        msg = (f"trial.codeDir {config.trial.code_dir}: useAnnotation is true but no @nni annotation "
               "(nor a direct nni.choice/nni.mutable_layer call) was found in any .py file (empty search "
               "space); check trial.codeDir, or set useAnnotation: false and give searchSpacePath")
        raise ConfigError(msg)
    try:
        with warnings.catch_warnings():  # leniencies (repeated choices, sizes) were warned about at file:line
            warnings.simplefilter("ignore", UserWarning)
            SearchSpace.from_json(space)  # raises SearchSpaceError listing every problem
    except SearchSpaceError as exc:
        source = f"search space generated from the annotations in {config.trial.code_dir}"
        raise SearchSpaceError(exc.issues, source=source) from exc
    return space


def _space_file(config: ExperimentConfig) -> dict[str, Any]:
    """The searchSpacePath document, read and checked as ``nastune space validate`` does (``load_space``);
    errors name the config file (a relative searchSpacePath is resolved against that file's folder)."""
    from nastuners.exceptions import SearchSpaceError
    from nastuners.space import SearchSpace, read_space_json

    assert config.search_space_path is not None
    path = Path(config.search_space_path)
    src = f"{config.source}: " if config.source else ""
    folder = f" {Path(config.source).parent.resolve()}" if config.source else ""
    relative = f"relative to the config file's folder{folder}"
    try:
        doc = read_space_json(path)  # the file's own form, which the tuners get: load_space without the parse
        SearchSpace.from_json(doc)
    except SearchSpaceError as exc:
        if [i.path for i in exc.issues] == ["$"] and exc.issues[0].message.startswith("cannot read"):
            reason = exc.issues[0].message.removeprefix("cannot read the file: ").split("; ")[0]
            where = f" in {config.source}" if config.source else ""
            msg = (f"{src}searchSpacePath: cannot read {path}: {reason}; searchSpacePath is "
                   f"{relative}; fix the path{where} (or give an absolute one)")
            raise ConfigError(msg) from None
        raise SearchSpaceError(exc.issues, source=f"{src}searchSpacePath {path} ({relative})") from None
    return dict(doc)


def _make_tuner(config: ExperimentConfig, space: dict[str, Any]) -> Any:
    if config.tuner is None:
        return _NoTuner(config.max_trials or 1)
    try:
        tuner = build_tuner(config.tuner, config.seed)
    except ConfigError as exc:  # "tuner.classArgs: ..." etc.: say which config file
        if config.source and not str(exc).startswith(config.source):
            msg = f"{config.source}: {exc}"
            raise ConfigError(msg) from exc
        raise
    tuner.update_search_space(space)
    return tuner


def _with_log(exp_dir: Path) -> logging.Handler:
    handler = logging.FileHandler(exp_dir / "runner.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("nastuners").addHandler(handler)
    return handler


def _run(exp_id: str, exp_dir: Path, store: Store, config: ExperimentConfig, tuner: Any,
         reporter: Reporter) -> RunResult:
    code_dir = exp_dir / "code" if config.use_annotation else Path(config.trial.code_dir)
    handler = _with_log(exp_dir)
    try:
        reporter.event("experiment_start", experiment_id=exp_id, experiment_dir=str(exp_dir),
                       max_trials=config.max_trials, concurrency=config.concurrency)
        dispatcher = Dispatcher(exp_id=exp_id, exp_dir=exp_dir, store=store, config=config, tuner=tuner,
                                code_dir=code_dir, reporter=reporter)
        status = dispatcher.run()
        return _outcome(store, exp_id, exp_dir, status, dispatcher.end_message)
    finally:
        logging.getLogger("nastuners").removeHandler(handler)
        handler.close()
        store.close()


def start_experiment(config: ExperimentConfig, reporter: Reporter) -> RunResult:
    """Create a new experiment from a validated config and run it to the end."""
    if config.tuner is not None and config.tuner.name is not None:
        config = config.replace(tuner=dataclasses.replace(config.tuner,
                                                          name=resolve_tuner_name(config.tuner.name)))
    space = _search_space(config)
    tuner = _make_tuner(config, space)
    taken = {p.name for p in experiments_root().glob("*")} if experiments_root().is_dir() else None
    exp_id = new_id(8, taken)
    exp_dir = Path(config.experiment_dir) if config.experiment_dir else experiments_root() / exp_id
    if exp_dir.exists() and not exp_dir.is_dir():
        msg = f"experimentDir {exp_dir} is a file; give a new (or empty) directory"
        raise ConfigError(msg)
    if exp_dir.exists() and any(exp_dir.iterdir()):
        msg = (
            f"experimentDir {exp_dir} is not empty; choose a new directory "
                          "(or `nastune resume` the experiment in it)"
        )
        raise ConfigError(msg)
    exp_dir.mkdir(parents=True, exist_ok=True)
    if config.experiment_dir:
        link_experiment(exp_id, exp_dir)
    if config.use_annotation:
        from nastuners.annotation import expand

        expand(config.trial.code_dir, exp_dir / "code", nas_mode=config.trial.nas_mode)
    (exp_dir / "search_space.json").write_text(json.dumps(space, indent=2))
    store = Store(exp_dir, create=True)
    store.create_experiment(exp_id, config.name, config.to_dict(), space, config.trial.code_dir)
    return _run(exp_id, exp_dir, store, config, tuner, reporter)


def _kill_leftover(pid: int | None, trial_id: str) -> None:
    """Kill a trial process group that survived its runner, if it is still that trial's."""
    if pid is None:
        return
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return  # gone (or no /proc): nothing to kill that we can identify safely
    if f"NASTUNE_TRIAL_ID={trial_id}".encode() in environ.split(b"\0"):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def _runner_alive(pid: int | None) -> bool:
    if not pid or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def resume_experiment(ref: str, reporter: Reporter, overrides: dict[str, Any] | None = None) -> RunResult:
    """Continue an experiment (by id or directory) that was stopped, finished or crashed."""
    exp_dir = find_experiment(ref)
    store = Store(exp_dir)
    record = store.experiment()
    if record["status"] == "RUNNING" and _runner_alive(record["runner_pid"]):
        store.close()
        msg = (
            f"experiment {record['id']} is still running (runner pid {record['runner_pid']}); "
                          "stop it first (Ctrl-C or kill -TERM)"
        )
        raise ConfigError(msg)
    config = ExperimentConfig.from_dict(record["config"])
    reporter.minimize = config.tuner is not None and config.tuner.optimize_mode == "minimize"
    changes = {k: v for k, v in (overrides or {}).items() if v is not None}
    if record["status"] == "DONE" and not changes:
        logging.getLogger(__name__).warning(
            "experiment %s already finished (%s); resuming runs nothing more. To run more trials, raise a "
            "limit: nastune resume %s --max-trials N (or --max-duration)",
            record["id"], record["message"] or "done", record["id"])
    if changes:
        config = config.replace(**changes)
        store.set_config(config.to_dict())
    interrupted = store.trials("RUNNING")
    for trial in interrupted:
        _kill_leftover(trial.pid, trial.trial_id)
        store.end_trial(trial.trial_id, "INTERRUPTED", None, "the runner stopped while this trial ran")
    tuner = _make_tuner(config, record["search_space"])
    _restore_tuner(tuner, store)
    return _run(record["id"], exp_dir, store, config, tuner, reporter)


def _restore_tuner(tuner: Any, store: Store) -> None:
    """Snapshot, then the results it lacks, then end what is still pending (see ``docs/experiments.md``).

    1. ``load_state_dict(newest snapshot)``;
    2. final results newer than the snapshot: ``receive_trial_result`` for a parameter the restored tuner has
       pending (it issued it), ``import_data`` for the others (issued after the snapshot, or no snapshot);
    3. every parameter still pending got no result: ``trial_end(pid, False)``, with ``interrupted=True`` when
       that says nothing about the architecture (its trial was interrupted or canceled, the trial moved on to
       a later parameter, or the trial succeeded without using it).
    """
    snapshot = store.tuner_state()
    after = 0
    if snapshot is not None and callable(getattr(tuner, "load_state_dict", None)):
        state, after = snapshot
        tuner.load_state_dict(state)
    stored = store.parameters()
    params = {pid: p for pid, _, p in stored}
    pending = getattr(tuner, "pending", None)
    pending = pending if isinstance(pending, dict) else {}
    records = []
    replayed = 0
    for m in store.metrics("final", after_id=after):
        if m.parameter_id in pending and callable(getattr(tuner, "receive_trial_result", None)):
            pid = m.parameter_id
            tuner.receive_trial_result(pid, params[pid], m.value, trial_job_id=m.trial_id)
            pending.pop(m.parameter_id, None)
            replayed += 1
        else:
            records.append({"parameter": params[m.parameter_id], "value": m.value})
    if records and callable(getattr(tuner, "import_data", None)):
        tuner.import_data(records)
    if pending and callable(getattr(tuner, "trial_end", None)):
        status = {t.trial_id: t.status for t in store.trials()}
        last: dict[str, int] = {}
        for pid, tid, _ in stored:
            last[tid] = pid
        kwargs = {"interrupted": True} if takes_interrupted(tuner) else {}
        owner = {pid: tid for pid, tid, _ in stored}
        for pid in sorted(p for p in pending if p in owner):
            tid = owner[pid]
            harmless = status[tid] in (*NOT_THE_ARCHITECTURE, "SUCCEEDED") or pid != last[tid]
            tuner.trial_end(pid, False, **(kwargs if harmless else {}))
            pending.pop(pid, None)
    log.info("tuner restored (snapshot: %s, results passed: %d, imported: %d)", snapshot is not None,
             replayed, len(records))
