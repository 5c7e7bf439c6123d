"""Reading finished (or running) experiments: NNI-shaped exports, the best architecture, trial lookup."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nastuners.exceptions import ConfigError
from nastuners.experiment.paths import find_experiment
from nastuners.experiment.store import Store

__all__ = ["Best", "best_result", "export_code", "export_records", "lookup_trial", "records_to_csv"]


@dataclass(frozen=True)
class Best:
    """The best final result: by value per ``optimize_mode``, ties broken by the lowest parameter id.

    ``derived``: the result is a multi-phase parameter's last intermediate result (an enas child's minibatch
    metric), recorded when the trial moved to its next architecture, not a result the trial reported.
    """

    trial_id: str
    parameter_id: int
    value: Any
    score: float
    parameters: dict[str, Any]
    derived: bool = False


def _open(ref: str | Path) -> Store:
    return Store(find_experiment(ref), read_only=True)


def export_records(ref: str | Path, *, reported_only: bool = False) -> list[dict[str, Any]]:
    """NNI's export: ``[{"parameter", "value", "id"}]``, one per parameter with a final result, id order
    (``reported_only``: without the results derived for superseded multi-phase parameters)."""
    store = _open(ref)
    try:
        params = {pid: p for pid, _, p in store.parameters()}
        finals = sorted((m for m in store.metrics("final") if not (reported_only and m.derived)),
                        key=lambda m: m.parameter_id)
        return [{"parameter": params[m.parameter_id], "value": m.value, "id": m.trial_id} for m in finals]
    finally:
        store.close()


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _flatten(f"{prefix}/{key}" if prefix else str(key), sub, out)
    elif isinstance(value, list):
        out[prefix] = json.dumps(value)
    else:
        out[prefix] = value


def records_to_csv(records: list[dict[str, Any]]) -> str:
    """Flattened CSV: ``id``, ``value``, then one column per (nested) parameter key joined by ``/``."""
    rows = []
    for rec in records:
        row: dict[str, Any] = {"id": rec["id"]}
        value = rec["value"]
        if isinstance(value, dict):
            _flatten("value", value, row)
        else:
            row["value"] = value
        _flatten("", rec["parameter"], row)
        rows.append(row)
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns or ["id", "value"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


_SUPERNET_MODES = ("oneshot_mode", "darts_mode")


def _architecture(config: dict[str, Any], params: dict[str, Any], value: Any) -> dict[str, Any]:
    """The architecture a result belongs to. oneshot/darts trials train a supernet: a parameter they fetched
    (from a tuner NNI required there) was never used, so the architecture the trial reported with its final
    result (``{"default": ..., "architecture": {...}}``, e.g. darts' argmax) counts, else none (``{}``)."""
    nas_mode = (config.get("trial") or {}).get("nas_mode")
    if nas_mode in _SUPERNET_MODES or not params:
        reported = value.get("architecture") if isinstance(value, dict) else None
        return reported if isinstance(reported, dict) else {}
    return params


def best_result(ref: str | Path, *, reported_only: bool = False) -> Best:
    """The best final result of an experiment; ``ConfigError`` when none was reported yet.

    ``reported_only``: leave out the results derived for superseded multi-phase parameters (NNI counted every
    phase's final result, so they are in by default), keeping the finals trials reported themselves.
    """
    store = _open(ref)
    try:
        config = store.experiment()["config"]
        minimize = (config.get("tuner") or {}).get("class_args", {}).get("optimize_mode") == "minimize"
        finals = [m for m in store.metrics("final") if m.score is not None]
        if reported_only:
            derived = sum(m.derived for m in finals)
            finals = [m for m in finals if not m.derived]
        if not finals:
            exp_id = store.experiment()["id"]
            if reported_only and derived:
                msg = (f"experiment {exp_id}: no trial reported a final result itself ({derived} results "
                       "were derived from superseded multi-phase parameters); drop --reported-only to use "
                       "them")
            else:
                msg = f"experiment {exp_id}: no trial has reported a final result yet"
            raise ConfigError(msg)
        best = min(finals, key=lambda m: ((m.score if minimize else -m.score), m.parameter_id))  # type: ignore[operator]
        params = {pid: p for pid, _, p in store.parameters()}
        assert best.score is not None
        architecture = _architecture(config, params[best.parameter_id], best.value)
        return Best(best.trial_id, best.parameter_id, best.value, best.score, architecture, best.derived)
    finally:
        store.close()


def lookup_trial(exp_id_or_dir: str | Path, trial_id: str) -> tuple[Path, dict[str, Any]]:
    """``(code_dir, parameters)`` of a trial, for codegen: the user's (annotated) code directory and the
    parameters the trial fetched last (multi-phase: the last phase). ``ConfigError`` when the trial is unknown
    or the experiment does not use annotations."""
    store = _open(exp_id_or_dir)
    try:
        record = store.experiment()
        if not record["config"].get("use_annotation"):
            msg = (
                f"experiment {record['id']}: The experiment is not using annotation, so there is "
                              "no annotated code to generate from (codegen needs useAnnotation: true)"
            )
            raise ConfigError(msg)
        if store.trial(trial_id) is None:
            known = ", ".join(t.trial_id for t in store.trials()[:20]) or "none"
            msg = f"experiment {record['id']}: no trial {trial_id!r} (trials: {known})"
            raise ConfigError(msg)
        pid, _, params = store.parameters(trial_id)[-1]
        finals = [m.value for m in store.metrics("final") if m.trial_id == trial_id and m.parameter_id == pid]
        final = finals[0] if finals else None
        return Path(record["code_dir"]), _architecture(record["config"], params, final)
    finally:
        store.close()


def export_code(ref: str | Path, out_dir: str | Path, trial_id: str | None = None, *,
                reported_only: bool = False) -> Path:
    """Standalone code of the best architecture (or of ``trial_id``) through the annotation codegen."""
    from nastuners.annotation import codegen

    if trial_id is None:
        best = best_result(ref, reported_only=reported_only)
        trial_id = best.trial_id
        code_dir, _ = lookup_trial(ref, trial_id)
        choice = best.parameters
    else:
        code_dir, choice = lookup_trial(ref, trial_id)
    if not choice:
        msg = (f"trial {trial_id} has no architecture to generate code for: in oneshot_mode and darts_mode a "
               "trial trains a supernet; report the derived architecture with the final result, e.g. "
               "nni.report_final_result({'default': accuracy, 'architecture': "
               "trial_runtime.tensorflow.darts_architecture(tf, sess)})")
        raise ConfigError(msg)
    codegen(code_dir, choice, Path(out_dir))
    return Path(out_dir)
