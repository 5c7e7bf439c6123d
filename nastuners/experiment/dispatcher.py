"""The experiment loop: ask the tuner when a slot is free, launch, answer the channel, record, tell the tuner.

One thread and one selector: the channel's sockets, each trial's exit (pidfd) and signal wake-ups all arrive
as selector events, so the tuner and the store are only ever touched from here. Order of every result: commit
to the store, pass to the tuner, snapshot the tuner state, then acknowledge to the trial. The answers to trial
requests (``fetch``, ``report``, multi-phase supersession) are in :mod:`._requests`.

When a trial ends, every parameter it fetched that is still open (no final result, not finished by a later
fetch: at most its last one) gets ``trial_end(pid, False)``, then the trial itself gets NNI's
``trial_end(first_pid, success)``. Ends that say nothing about the architecture (the experiment stopped:
``CANCELED``; the runner died: ``INTERRUPTED``; a succeeded trial's unused last parameter; a prefetched
parameter the trial never activated) carry ``interrupted=True``.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import selectors
import signal
import time
from pathlib import Path
from typing import Any

from nastuners.exceptions import NoMoreTrialError, NoSuggestionYet
from nastuners.experiment._requests import ChannelRequests
from nastuners.experiment._signals import SignalWatch
from nastuners.experiment.backend import LocalBackend, TrialProcess
from nastuners.experiment.channel import ChannelServer, Connection
from nastuners.experiment.config import ExperimentConfig
from nastuners.experiment.paths import new_id
from nastuners.experiment.progress import Reporter
from nastuners.experiment.store import Store
from nastuners.experiment.trials import COUNTED, NOT_THE_ARCHITECTURE, RunningTrial, exit_status, trial_env
from nastuners.experiment.tuner_loader import is_no_more, is_not_now

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)
_ELAPSED_FLUSH = 5.0


class Dispatcher(ChannelRequests):
    """Runs one experiment (a fresh start or a resume) until its budget, the space or a signal ends it."""

    def __init__(self, *, exp_id: str, exp_dir: Path, store: Store, config: ExperimentConfig, tuner: Any,
                 code_dir: Path, reporter: Reporter, grace: float = 2.0) -> None:
        self.exp_id, self.exp_dir, self.store, self.config = exp_id, exp_dir, store, config
        self.tuner, self.code_dir, self.reporter = tuner, code_dir, reporter
        self.selector = selectors.DefaultSelector()
        self.backend = LocalBackend(self.selector, self._on_exit, grace=grace)
        self.server = ChannelServer(exp_dir, self.selector, self._on_message, lambda t: t in self.trials)
        self.trials: dict[str, RunningTrial] = {}
        self.taken_ids = {t.trial_id for t in store.trials()}
        self.next_pid, self.next_seq = store.next_ids()
        self.counted = store.count_trials(COUNTED)
        self.exhausted = self.not_now = self.killing = False
        self.stop: str | None = None  # final status once a stop was requested: STOPPED, DONE, FAILED
        self.end_message: str | None = None
        self.deferred: list[Connection] = []
        self.last_final_metric = max((m.id for m in store.metrics("final")), default=0)
        self.elapsed_base = store.experiment()["elapsed"]
        self.end_kwargs = takes_interrupted(tuner)

    # -- the loop ------------------------------------------------------------------------------------------
    def run(self) -> str:
        """Run to the end; return the experiment's final status (``DONE``, ``STOPPED`` or ``FAILED``)."""
        self.started = self._flushed = time.monotonic()
        self.store.set_status("RUNNING", runner_pid=os.getpid())
        signals = SignalWatch(self.selector, self._on_signal)
        try:
            while True:
                now = time.monotonic()
                self._check_duration(now)
                if self.stop is None:
                    self._fill()
                if self.stop is not None and not self.killing:
                    self._kill_all("CANCELED", self.end_message or "experiment stopped")
                if not self.trials and (self.stop is not None or self._finished()):
                    break
                wake = [t for t in (self.backend.next_wakeup(), self._duration_deadline()) if t is not None]
                timeout = max(0.0, min([*wake, now + 1.0]) - time.monotonic())
                for key, _ in self.selector.select(timeout):
                    key.data()
                    self._commit()  # what an answer deferred (see Store.flush): before the next event
                self.backend.tick(time.monotonic(), self._timeout_message)
                self._commit()  # e.g. a waiting fetch answered when a timed-out trial's exit freed the tuner
                self._flush_elapsed(time.monotonic())
        except BaseException as exc:
            for proc in list(self.backend.running.values()):
                self.backend.kill_now(proc)
                self.store.end_trial(proc.trial_id, "CANCELED", None, f"runner error: {exc!r}")
            self.store.set_status("FAILED", message=f"runner error: {exc!r}")
            raise
        finally:
            self._flush_elapsed(time.monotonic(), force=True)
            self.server.shutdown()
            signals.close()
        status = self.stop or "DONE"
        if status == "DONE" and not self.store.count_metrics("final"):
            counts = ", ".join(f"{n} {s}" for s, n in sorted(self.store.status_counts().items()))
            self.end_message = (f"{self.end_message + '; ' if self.end_message else ''}"
                                f"no trial produced a result ({counts or 'no trial ran'})")
        self._snapshot()
        self.store.set_status(status, message=self.end_message)
        self.reporter.event("experiment_end", status=status, message=self.end_message)
        return status

    def _finished(self) -> bool:
        if self.exhausted:
            self.end_message = self.end_message or "the tuner has no more architectures"
        elif self.config.max_trials is not None and self.counted >= self.config.max_trials:
            self.end_message = f"maxTrialNum ({self.config.max_trials}) reached"
        elif self.not_now:
            self.end_message = "the tuner waits for results but no trial is running"
        else:
            return False
        return True

    def _fill(self) -> None:
        limit = self.config.max_trials
        launched = self.counted
        self._fill_slots(limit)
        if self.counted != launched:
            # the tuner's state now includes the parameters just issued: a resume after a crash ends them
            # (trial_end) instead of rewinding the tuner, which would propose the same architectures again
            self._snapshot()

    def _fill_slots(self, limit: int | None) -> None:
        while (len(self.trials) < self.config.concurrency and not self.exhausted and not self.not_now
               and (limit is None or self.counted < limit) and self.stop is None):
            try:
                pid, params = self._generate()
            except NoSuggestionYet:
                self.not_now = True
            except NoMoreTrialError as exc:
                self.exhausted = True
                self.end_message = f"the tuner has no more architectures: {exc}" if str(exc) else None
            else:
                self._launch(pid, params)

    def _generate(self, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        pid = self.next_pid
        try:
            params = self.tuner.generate_parameters(pid, **kwargs)
        except Exception as exc:
            if is_no_more(exc):
                raise NoMoreTrialError(str(exc)) from exc
            if is_not_now(exc):
                raise NoSuggestionYet(str(exc)) from exc
            self._fatal("generate_parameters", exc)
            raise NoMoreTrialError("the tuner failed") from exc
        if not isinstance(params, dict):
            self._fatal("generate_parameters", TypeError(f"returned {type(params).__name__}, not a dict"))
            raise NoMoreTrialError("the tuner failed")
        self.next_pid += 1
        return pid, params

    def _launch(self, pid: int, params: dict[str, Any]) -> None:
        trial_id = new_id(5, self.taken_ids)
        self.taken_ids.add(trial_id)
        seq, self.next_seq = self.next_seq, self.next_seq + 1
        trial_dir = self.exp_dir / "trials" / trial_id
        self.store.add_trial(trial_id, seq, pid, params, str(trial_dir))
        self.counted += 1
        trial = RunningTrial(trial_id, seq, pid, trial_dir, params={pid: params})
        self.trials[trial_id] = trial
        trial_dir.mkdir(parents=True, exist_ok=True)
        (trial_dir / "parameter.json").write_text(json.dumps(params, indent=1))
        env = trial_env(channel=self.server.address, token=self.server.token, exp_id=self.exp_id,
                        trial_id=trial_id, seq=seq, trial_dir=trial_dir,
                        nas_mode_args=self.config.trial.nas_mode_args)
        try:
            trial.proc = self.backend.launch(trial_id, self.config.trial.command, self.code_dir, trial_dir,
                                             env, self.config.max_trial_duration)
        except OSError as exc:
            self.trials.pop(trial_id)
            self.store.end_trial(trial_id, "FAILED", None, f"could not start: {exc}")
            self._tell_end(pid, success=False)
            self.reporter.event("trial_end", trial_id=trial_id, status="FAILED", message=str(exc))
            return
        self.store.set_trial_pid(trial_id, trial.proc.popen.pid)
        self.reporter.event("trial_start", trial_id=trial_id, sequence_id=seq, parameter_id=pid)

    # -- trial ends ----------------------------------------------------------------------------------------
    def _on_exit(self, proc: TrialProcess) -> None:
        trial = self.trials.pop(proc.trial_id)
        status, message = exit_status(trial, proc)
        self.store.end_trial(trial.trial_id, status, proc.returncode, message)
        if status not in COUNTED:
            self.counted -= 1
        interrupted = status in NOT_THE_ARCHITECTURE
        for pid in trial.order[1:]:  # multi-phase: the last parameter, unless it has a result
            if pid not in trial.finals and pid not in trial.ended:
                self._tell_end(pid, success=False, interrupted=interrupted or status == "SUCCEEDED")
        if trial.prefetched is not None:  # generated ahead, never trained: says nothing about it
            self._tell_end(trial.prefetched, success=False, interrupted=True)
        self._tell_end(trial.first_pid, success=status == "SUCCEEDED", interrupted=interrupted)
        self._snapshot()
        self.reporter.event("trial_end", trial_id=trial.trial_id, status=status, message=message,
                            exit_code=proc.returncode)
        self.not_now = False
        self._retry_deferred()

    def _tell_end(self, pid: int, *, success: bool, interrupted: bool = False) -> None:
        if callable(getattr(self.tuner, "trial_end", None)):
            if interrupted and self.end_kwargs:
                self._tell("trial_end", pid, success, interrupted=True)
            else:
                self._tell("trial_end", pid, success)

    def _timeout_message(self, proc: TrialProcess) -> str:
        return f"killed after maxTrialDuration ({self.config.max_trial_duration:g} s)"

    def _kill_all(self, reason: str, message: str) -> None:
        self.killing = True
        for proc in list(self.backend.running.values()):
            self.backend.kill(proc, reason, message)

    # -- tuner, state, time, signals -----------------------------------------------------------------------
    def _tell(self, verb: str, *args: Any, **kwargs: Any) -> None:
        try:
            getattr(self.tuner, verb)(*args, **kwargs)
        except Exception as exc:
            self._fatal(verb, exc)

    def _fatal(self, verb: str, exc: BaseException) -> None:
        log.error("tuner.%s failed", verb, exc_info=exc)
        if self.stop is None:
            self.stop = "FAILED"
            self.end_message = f"tuner.{verb} failed: {type(exc).__name__}: {exc}"

    def _commit(self) -> None:
        """Commit the store's deferred writes; a derived final among them is the newest the tuner saw."""
        last = self.store.flush()
        if last is not None:
            self.last_final_metric = last

    def _snapshot(self) -> None:
        if not callable(getattr(self.tuner, "state_dict", None)):
            return
        self._commit()
        try:
            self.store.save_tuner_state(self.tuner.state_dict(), self.last_final_metric)
        except (TypeError, ValueError) as exc:  # not JSON-serialisable: resume replays results instead
            log.warning("tuner state not saved: %s", exc)

    def _duration_deadline(self) -> float | None:
        if self.config.max_duration is None or self.stop is not None:
            return None
        return self.started + self.config.max_duration - self.elapsed_base

    def _check_duration(self, now: float) -> None:
        deadline = self._duration_deadline()
        if deadline is not None and now >= deadline:
            self.stop = "DONE"
            self.end_message = f"maxExecDuration ({self.config.max_duration:g} s) reached"

    def _flush_elapsed(self, now: float, *, force: bool = False) -> None:
        if force or now - self._flushed >= _ELAPSED_FLUSH:
            self.store.add_elapsed(now - self._flushed)
            self._flushed = now

    def _on_signal(self, signum: int) -> None:
        if self.stop is None:
            self.stop = "STOPPED"
            self.end_message = f"stopped by {signal.Signals(signum).name}"
        else:  # a second Ctrl-C: no grace period
            for proc in list(self.backend.running.values()):
                self.backend.kill_now(proc)


def takes_interrupted(tuner: Any) -> bool:
    """Whether ``tuner.trial_end`` accepts the ``interrupted`` kwarg (NNI's signature has ``**kwargs``)."""
    fn = getattr(tuner, "trial_end", None)
    if not callable(fn):
        return False
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind is p.VAR_KEYWORD or p.name == "interrupted" for p in params)
