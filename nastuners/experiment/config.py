"""Experiment configuration: NNI v1 YAML files as they are, plus a few nastune keys, into a frozen dataclass.

Every problem of a file is reported at once (:class:`ConfigError`), each naming the key, what was found and
what is expected; unknown keys get a did-you-mean. Relative paths are resolved against the config file's
folder.
nastune's own keys: ``maxTrialDuration`` (per-trial timeout), ``experimentDir``, ``seed``, ``tuner.name`` (an
entry-point name; ``builtinTunerName`` accepts those too) and ``trial.nasModeArgs``.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nastuners.exceptions import ConfigError
from nastuners.experiment._schema import NAS_MODES, Checker

__all__ = ["ExperimentConfig", "TrialSpec", "TunerSpec", "apply_overrides", "load_config", "parse_config"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TunerSpec:
    """Which tuner: a registered name, or a class in a file (``code_dir``/``class_file``/``class_name``)."""

    name: str | None = None
    class_args: dict[str, Any] = field(default_factory=dict)
    code_dir: str | None = None
    class_file: str | None = None
    class_name: str | None = None
    include_intermediate: bool = False

    @property
    def optimize_mode(self) -> str:
        return str(self.class_args.get("optimize_mode", "maximize"))


@dataclass(frozen=True)
class TrialSpec:
    """What each trial runs: ``command`` in ``code_dir``."""

    command: str
    code_dir: str
    gpu_num: int = 0
    nas_mode: str = "classic_mode"
    nas_mode_args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExperimentConfig:
    """A validated experiment; ``None`` limits mean unlimited. Durations are seconds."""

    trial: TrialSpec
    tuner: TunerSpec | None
    name: str | None = None
    concurrency: int = 1
    max_trials: int | None = None
    max_duration: float | None = None
    max_trial_duration: float | None = None
    search_space_path: str | None = None
    use_annotation: bool = False
    multi_phase: bool = False
    experiment_dir: str | None = None
    seed: int | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (stored in the experiment database, read back by :func:`from_dict`)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentConfig:
        data = dict(data)
        data["trial"] = TrialSpec(**data["trial"])
        data["tuner"] = TunerSpec(**data["tuner"]) if data.get("tuner") else None
        return cls(**data)

    def replace(self, **changes: Any) -> ExperimentConfig:
        return dataclasses.replace(self, **changes)


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> ExperimentConfig:
    """Read a YAML (or JSON) config file, apply CLI overrides and validate it."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        msg = f"{path}: cannot read the config file: {exc.strerror or exc}"
        raise ConfigError(msg) from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        parts = (getattr(exc, "context", None), getattr(exc, "problem", None))
        problem = " ".join(str(p) for p in parts if p)
        msg = f"{where}: not valid YAML: {problem or exc}; fix the syntax (indentation, brackets, quotes)"
        raise ConfigError(msg) from exc
    if raw is None:
        msg = f"{path}: the config file is empty; expected a mapping of config keys (see docs/experiments.md)"
        raise ConfigError(msg)
    if not isinstance(raw, dict):
        msg = f"{path}: expected a mapping of config keys at the top level, found {type(raw).__name__}"
        raise ConfigError(msg)
    if overrides:
        raw = apply_overrides(raw, overrides)
    return parse_config(raw, base_dir=path.parent.resolve(), source=str(path))


def apply_overrides(raw: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """CLI flags over file keys: ``tuner``, ``tuner_args``, ``max_trials``, ``concurrency``, ``max_duration``,
    ``experiment_dir``, ``max_trial_duration``, ``seed`` (``None`` values are ignored)."""
    raw = dict(raw)
    tuner = dict(raw.get("tuner") or {}) if isinstance(raw.get("tuner") or {}, dict) else {}
    if overrides.get("tuner") is not None:
        class_args = tuner.get("classArgs")
        old_args: dict[str, Any] = class_args if isinstance(class_args, dict) else {}
        tuner = {"builtinTunerName": overrides["tuner"]}
        if "optimize_mode" in old_args:  # never flip the search direction silently
            tuner["classArgs"] = {"optimize_mode": old_args["optimize_mode"]}
    if overrides.get("tuner_args") is not None:
        args = overrides["tuner_args"]
        if isinstance(args, str):
            from nastuners.registry import parse_class_args

            args = parse_class_args(args, error=ConfigError)
        elif not isinstance(args, dict):
            msg = f"--tuner-args: expected a JSON object, found {type(args).__name__}"
            raise ConfigError(msg)
        tuner["classArgs"] = {**(tuner.get("classArgs") or {}), **args}
    if tuner:
        raw["tuner"] = tuner
    for flag, key in (("max_trials", "maxTrialNum"), ("concurrency", "trialConcurrency"),
                      ("max_duration", "maxExecDuration"), ("experiment_dir", "experimentDir"),
                      ("max_trial_duration", "maxTrialDuration"), ("seed", "seed")):
        if overrides.get(flag) is not None:
            raw[key] = overrides[flag]
    if overrides.get("experiment_dir") is not None:
        # a path typed on the command line is relative to the current directory, not to the config file
        raw["experimentDir"] = str(Path(overrides["experiment_dir"]).expanduser().resolve())
    return raw


def parse_config(raw: dict[str, Any], *, base_dir: Path, source: str | None = None) -> ExperimentConfig:
    """Validate a config mapping; raise one :class:`ConfigError` listing every problem."""
    c = Checker(raw, source)
    c.unknown_keys(raw, "", c.TOP_KEYS)
    for key in c.IGNORED_KEYS:
        if key in raw:
            log.warning("config key %r is accepted for NNI compatibility and ignored", key)
    for key in c.REJECTED_KEYS:
        if key in raw:
            c.problem(key, f"{key}s are not supported by nastune; remove the {key!r} section")
    platform = c.get(raw, "trainingServicePlatform", str, default="local")
    if platform is not None and platform != "local":
        c.problem("trainingServicePlatform", f"{platform!r} is not supported; only 'local' is implemented")
    use_annotation = bool(c.get(raw, "useAnnotation", bool, default=False))
    space_path = c.get(raw, "searchSpacePath", str)
    if use_annotation and space_path:
        c.problem("searchSpacePath", "If you set useAnnotation=true, please leave searchSpacePath empty")
    if not use_annotation and not space_path:
        c.problem("searchSpacePath", "missing: give a search space file, or set useAnnotation: true")
    trial = _trial(c, raw.get("trial"), base_dir)
    multi_phase = c.get(raw, "multiPhase", bool)
    if trial is not None and trial.nas_mode == "enas_mode":
        if multi_phase is False:
            c.problem("multiPhase", "enas_mode fetches one architecture per training_update and needs "
                      "multiPhase: true (remove the key or set it to true)")
        elif multi_phase is None:
            log.info("nasMode enas_mode: multiPhase enabled (enas fetches one architecture per "
                     "training_update; set multiPhase: true to silence this)")
            multi_phase = True
    tuner = _tuner(c, raw.get("tuner"), base_dir)
    # "missing" only when there is no tuner section at all: a wrong one has its own problem above
    no_tuner_needed = trial is not None and trial.nas_mode in ("oneshot_mode", "darts_mode")
    if raw.get("tuner") is None and not no_tuner_needed:
        c.problem("tuner", "missing: name a tuner (for example `tuner: {builtinTunerName: random}` or "
                  "`--tuner random`)")
    exp_dir = c.get(raw, "experimentDir", str)
    values = {
        "name": c.get(raw, "experimentName", str),
        "concurrency": c.get_int(raw, "trialConcurrency", 1, 99999, default=1),
        "max_trials": c.get_int(raw, "maxTrialNum", 1, 99999),
        "max_duration": c.get_duration(raw, "maxExecDuration"),
        "max_trial_duration": c.get_duration(raw, "maxTrialDuration"),
        "seed": c.get_int(raw, "seed", 0, 2**63 - 1),
    }
    c.raise_if_any()
    assert trial is not None
    return ExperimentConfig(
        trial=trial, tuner=tuner, **values,
        search_space_path=str((base_dir / space_path).resolve()) if space_path else None,
        use_annotation=use_annotation, multi_phase=bool(multi_phase),
        experiment_dir=str((base_dir / Path(exp_dir).expanduser()).resolve()) if exp_dir else None,
        source=source)


def _trial(c: Checker, section: Any, base_dir: Path) -> TrialSpec | None:
    if section is None:
        c.problem("trial", "missing: add a `trial:` section with `command` and `codeDir`")
        return None
    if not c.is_mapping(section, "trial"):
        return None
    c.unknown_keys(section, "trial.", c.TRIAL_KEYS)
    command = c.get(section, "command", str, prefix="trial.", required=True)
    code_dir = c.get(section, "codeDir", str, prefix="trial.", default=".")
    nas_mode = c.get(section, "nasMode", str, prefix="trial.", default="classic_mode")
    if nas_mode is not None and nas_mode not in NAS_MODES:
        c.problem("trial.nasMode", f"{nas_mode!r} is not a NAS mode; expected one of {', '.join(NAS_MODES)}",
                  suggest_from=NAS_MODES, given=nas_mode)
    code_path = (base_dir / Path(code_dir or ".").expanduser()).resolve()
    if code_dir is not None and not code_path.is_dir():
        c.problem("trial.codeDir", f"{code_dir!r} is not a directory (resolved to {code_path})")
    mode_args = c.get(section, "nasModeArgs", dict, prefix="trial.", default={}) or {}
    c.unknown_keys(mode_args, "trial.nasModeArgs.", c.NAS_MODE_ARGS)
    _check_mode_args(c, mode_args)
    if command is None or nas_mode not in NAS_MODES:
        return None
    return TrialSpec(command=command, code_dir=str(code_path), nas_mode=nas_mode, nas_mode_args=mode_args,
                     gpu_num=c.get_int(section, "gpuNum", 0, 99999, prefix="trial.", default=0))


def _check_mode_args(c: Checker, mode_args: dict[str, Any]) -> None:
    """Each known ``nasModeArgs`` value, checked as the trial runtime will (that module imports no TF)."""
    from trial_runtime.tensorflow import _config as mode_config

    for name, value in mode_args.items():
        if name in c.NAS_MODE_ARGS:
            try:
                mode_config.check(name, value, f"trial.nasModeArgs.{name}")
            except ValueError as exc:
                c.problem(f"trial.nasModeArgs.{name}", str(exc).split(": ", 1)[-1])


def _tuner(c: Checker, section: Any, base_dir: Path) -> TunerSpec | None:
    if section is None or not c.is_mapping(section, "tuner"):
        return None
    c.unknown_keys(section, "tuner.", c.TUNER_KEYS)
    name = c.get(section, "builtinTunerName", str, prefix="tuner.")
    alias = c.get(section, "name", str, prefix="tuner.")
    class_args = c.get(section, "classArgs", dict, prefix="tuner.", default={}) or {}
    code_dir = c.get(section, "codeDir", str, prefix="tuner.")
    class_file = c.get(section, "classFileName", str, prefix="tuner.")
    class_name = c.get(section, "className", str, prefix="tuner.")
    include = bool(c.get(section, "includeIntermediateResults", bool, prefix="tuner.", default=False))
    mode = class_args.get("optimize_mode", "maximize")
    if mode not in ("maximize", "minimize"):
        c.problem("tuner.classArgs.optimize_mode", f"{mode!r}: expected 'maximize' or 'minimize'")
    custom = [k for k, v in (("codeDir", code_dir), ("classFileName", class_file), ("className", class_name))
              if v is not None]
    if name and alias and name != alias:
        c.problem("tuner.name", f"both builtinTunerName {name!r} and name {alias!r} given; keep one")
    name = name or alias
    if name and custom:
        c.problem("tuner", f"give either builtinTunerName or codeDir/classFileName/className, not both "
                  f"(found builtinTunerName and {', '.join(custom)})")
        return None
    if custom:
        if len(custom) != 3:
            missing = {"codeDir", "classFileName", "className"} - set(custom)
            c.problem("tuner", f"a tuner class in a file needs codeDir, classFileName and className; "
                      f"missing {', '.join(sorted(missing))}")
            return None
        assert code_dir is not None and class_file is not None
        file = (base_dir / code_dir / class_file).resolve()
        if not file.is_file():
            c.problem("tuner.classFileName", f"{class_file!r} not found in codeDir (looked for {file})")
        return TunerSpec(None, class_args, str((base_dir / code_dir).resolve()), class_file, class_name,
                         include)
    if not name:
        c.problem("tuner", "no tuner named: set builtinTunerName (or name), "
                  "or codeDir/classFileName/className")
        return None
    return TunerSpec(name=name, class_args=class_args, include_intermediate=include)
