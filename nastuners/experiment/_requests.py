"""The dispatcher's answers to trial requests on the channel: ``fetch`` (multi-phase included) and ``report``.

Multi-phase supersession: when a trial fetches its next parameter, the current one is *finished* first, so
a tuner never waits for a parameter that can no longer get a result. If intermediate results were reported
while it was current, the last one becomes its final result: committed to the store as a ``final`` metric,
then ``receive_trial_result(pid, params, value, trial_job_id=...)`` (the ENAS controller's reward: the child's
metric on a minibatch). Otherwise ``trial_end(pid, False, interrupted=True)``: not evaluated, not failed.
Only then is the tuner asked for the next parameter. The answer goes out first; the new parameter and the
derived final are committed right after it, in one transaction, before the runner handles anything else
(``Store.flush``), so the commit is not on the trial's critical path.

Prefetch (``trial_runtime.channel``): ``prefetch`` asks the tuner for the trial's next parameter while the
current one is still training; it is reserved for the trial (committed after the answer) but not current.
The tuner learns the current one's result only when the trial sends ``activate`` for the reserved one (then
the current one is finished as above). A prefetch the tuner cannot answer yet gets ``not_now`` at once
instead of waiting: the trial then fetches normally. A reserved parameter never activated gets
``trial_end(pid, False, interrupted=True)`` when the trial ends.

A mixin of :class:`nastuners.experiment.dispatcher.Dispatcher`, kept apart so the loop and the protocol can be
read one at a time. Like the rest of the dispatcher it runs only on the event-loop thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nastuners.exceptions import NoMoreTrialError, NoSuggestionYet
from nastuners.experiment.channel import Connection
from nastuners.experiment.config import ExperimentConfig
from nastuners.experiment.progress import Reporter
from nastuners.experiment.store import Store
from nastuners.experiment.trials import RunningTrial
from nastuners.tuner import extract_value

_NOT_MULTI_PHASE = ("this experiment is not multi-phase: a trial gets one parameter set "
                    "(set multiPhase: true to fetch a new architecture per get_next_parameter())")


class ChannelRequests:
    """``_on_message`` is the channel handler; a fetch the tuner cannot answer yet waits (deferred)."""

    trials: dict[str, RunningTrial]
    config: ExperimentConfig
    store: Store
    reporter: Reporter
    stop: str | None
    not_now: bool
    deferred: list[Connection]
    last_final_metric: int

    if TYPE_CHECKING:  # provided by the Dispatcher
        def _generate(self, **kwargs: Any) -> tuple[int, dict[str, Any]]: ...
        def _tell(self, verb: str, *args: Any, **kwargs: Any) -> None: ...
        def _snapshot(self) -> None: ...
        def _tell_end(self, pid: int, *, success: bool, interrupted: bool = False) -> None: ...

    # -- channel requests ----------------------------------------------------------------------------------
    def _on_message(self, conn: Connection, message: dict[str, Any]) -> dict[str, Any] | None:
        trial = self.trials.get(conn.trial_id or "")
        if trial is None:
            return {"ok": False, "error": f"trial {conn.trial_id} is no longer running"}
        op = message.get("op")
        if op == "fetch":
            return self._fetch(conn, trial)
        if op == "report":
            return self._report(trial, message)
        if op == "prefetch":
            return self._prefetch(trial)
        if op == "activate":
            return self._activate(trial, message)
        return {"ok": False, "error": f"unknown request {op!r}; expected 'fetch', 'report', 'prefetch' or "
                "'activate'"}

    def _fetch(self, conn: Connection, trial: RunningTrial) -> dict[str, Any] | None:
        if trial.fetched == 0:
            trial.fetched = 1
            trial.order.append(trial.first_pid)
            return {"ok": True, "parameter_id": trial.first_pid, "parameters": trial.params[trial.first_pid]}
        if not self.config.multi_phase:
            return {"ok": False, "error": _NOT_MULTI_PHASE}
        if trial.prefetched is not None:  # a client that prefetched but fetches: give it the reserved one
            pid = trial.prefetched
            self._activate(trial, {"parameter_id": pid})
            return {"ok": True, "parameter_id": pid, "parameters": trial.params[pid]}
        if self.stop is not None:
            return {"ok": False, "no_more": True, "error": "the experiment is stopping"}
        self._supersede(trial)  # idempotent: a deferred fetch retried later finds it done
        try:
            pid, params = self._generate(trial_job_id=trial.trial_id)
        except NoSuggestionYet:
            waiting = sum(1 for c in self.deferred if c.trial_id in self.trials)
            if len(self.trials) - waiting > 1:  # another trial may still report and unblock the tuner
                self.deferred.append(conn)
                return None
            return {"ok": False, "no_more": True, "error": "the tuner waits for results no trial can send"}
        except NoMoreTrialError as exc:
            return {"ok": False, "no_more": True, "error": str(exc) or "the tuner has no more architectures"}
        self.store.add_parameter(pid, trial.trial_id, params, defer=True)  # committed after the answer
        trial.params[pid] = params
        trial.order.append(pid)
        trial.fetched += 1
        return {"ok": True, "parameter_id": pid, "parameters": params}

    def _prefetch(self, trial: RunningTrial) -> dict[str, Any]:
        if not self.config.multi_phase:
            return {"ok": False, "error": _NOT_MULTI_PHASE}
        if trial.fetched == 0:
            return {"ok": False, "error": "prefetch before the first fetch: fetch the first parameter first"}
        if trial.prefetched is not None:
            return {"ok": False, "error": f"parameter {trial.prefetched} was prefetched and not activated "
                    "yet; activate it before prefetching another"}
        if self.stop is not None:
            return {"ok": False, "no_more": True, "error": "the experiment is stopping"}
        try:
            pid, params = self._generate(trial_job_id=trial.trial_id)
        except NoSuggestionYet:
            return {"ok": False, "not_now": True, "error": "the tuner waits for results; fetch when needed"}
        except NoMoreTrialError as exc:
            return {"ok": False, "no_more": True, "error": str(exc) or "the tuner has no more architectures"}
        self.store.add_parameter(pid, trial.trial_id, params, defer=True)
        trial.params[pid] = params
        trial.prefetched = pid
        return {"ok": True, "parameter_id": pid, "parameters": params}

    def _activate(self, trial: RunningTrial, message: dict[str, Any]) -> dict[str, Any]:
        pid = message.get("parameter_id")
        if trial.prefetched is None or pid != trial.prefetched:
            held = "none" if trial.prefetched is None else f"parameter {trial.prefetched}"
            return {"ok": False, "error": f"activate parameter {pid!r}: this trial holds {held} prefetched"}
        self._supersede(trial)
        trial.prefetched = None
        trial.order.append(pid)
        trial.fetched += 1
        return {"ok": True}

    def _supersede(self, trial: RunningTrial) -> None:
        """Finish the trial's current parameter before it fetches the next one (see the module docstring)."""
        pid = trial.current_pid
        if pid in trial.finals or pid in trial.ended:
            return
        last, trial.last_intermediate = trial.last_intermediate, None
        if last is not None and last[0] == pid:
            # committed right after the answer (Store.flush), with the next parameter: off the fetch's path
            self.store.add_metric(trial.trial_id, pid, "final", last[1], derived=True, defer=True)
            trial.finals.add(pid)
            trial.derived.add(pid)
            self._tell("receive_trial_result", pid, trial.params[pid], last[1], trial_job_id=trial.trial_id)
            # no snapshot per fetch (too slow for enas); a resume replays finals newer than the last snapshot
        else:
            trial.ended.add(pid)
            self._tell_end(pid, success=False, interrupted=True)
        self.not_now = False  # the tuner may have an answer now: for idle slots and for waiting fetches
        self._retry_deferred()

    def _retry_deferred(self) -> None:
        pending, self.deferred = self.deferred, []
        for conn in pending:
            trial = self.trials.get(conn.trial_id or "")
            if trial is not None and not conn.closed:
                answer = self._fetch(conn, trial)
                if answer is not None:
                    conn.send(answer)

    def _report(self, trial: RunningTrial, message: dict[str, Any]) -> dict[str, Any]:
        kind, value = message.get("kind"), message.get("value")
        if kind not in ("intermediate", "final"):
            return {"ok": False, "error": f"report kind {kind!r}: expected 'intermediate' or 'final'"}
        try:
            extract_value(value)
        except ValueError as exc:
            return {"ok": False, "error": str(exc).replace("final result", f"{kind} result", 1)}
        pid = message.get("parameter_id")
        pid = trial.current_pid if pid is None else pid
        if pid not in trial.params:
            return {"ok": False, "error": f"parameter id {pid} was not given to trial {trial.trial_id}"}
        if kind == "final" and pid in trial.derived:
            return {"ok": False, "error": f"parameter {pid} already has a final result: its last "
                    "intermediate result, recorded when the trial fetched its next parameter (multi-phase)"}
        if kind == "final" and pid in trial.finals:
            return {"ok": False, "error": f"a final result for parameter {pid} was already reported"}
        metric_id = self.store.add_metric(trial.trial_id, pid, kind, value)
        if kind == "intermediate" and pid == trial.current_pid:
            trial.last_intermediate = (pid, value)
        elif kind == "final":
            trial.finals.add(pid)
            self._tell("receive_trial_result", pid, trial.params[pid], value, trial_job_id=trial.trial_id)
            self.last_final_metric = metric_id or self.last_final_metric  # (not deferred: always an id)
            self._snapshot()
            self.not_now = False
            self._retry_deferred()
        self.reporter.event(kind, trial_id=trial.trial_id, parameter_id=pid, value=value)
        return {"ok": True}
