"""Config checking helpers: known keys, typed getters that collect problems, durations, did-you-mean."""

from __future__ import annotations

import difflib
import re
from typing import Any, overload

from nastuners.exceptions import ConfigError

__all__ = ["NAS_MODES", "Checker", "parse_duration"]

NAS_MODES = ("classic_mode", "enas_mode", "oneshot_mode", "darts_mode")
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_HINT = "; give a number of seconds or a string such as '30s', '10m', '2h' or '1d'"
_TYPE_NAMES = {str: "a string", bool: "true or false", int: "an integer", dict: "a mapping",
               float: "a number"}


def parse_duration(value: Any, key: str = "duration") -> float:
    """Seconds from ``30``, ``"30s"``, ``"5m"``, ``"1.5h"``, ``"2d"`` (NNI: ``^[1-9][0-9]*[s|m|h|d]$``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value)) if isinstance(value, str) else None
        if not match and isinstance(value, str) and _DURATION.match(value.strip().removeprefix("-")):
            msg = f"{key}: {value!r} must be positive{_DURATION_HINT}"  # '-1', '-5m'
            raise ConfigError(msg)
        if not match:
            msg = (
                f"{key}: {value!r} is not a duration; expected a number of seconds or a string "
                              "such as '30s', '10m', '2h' or '1d'"
            )
            raise ConfigError(msg)
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if not seconds > 0:  # NaN too
        msg = f"{key}: {value!r} must be positive{_DURATION_HINT}"
        raise ConfigError(msg)
    return seconds


def _closest(given: str, options: tuple[str, ...]) -> str | None:
    """The option ``given`` most likely meant (a close spelling, or the same letters in another case)."""
    close = difflib.get_close_matches(given, options, n=1, cutoff=0.6)
    if close:
        return close[0]
    return {k.lower(): k for k in options}.get(given.lower())


class Checker:
    """Collects every problem of one config document, then raises them together."""

    TOP_KEYS = ("authorName", "experimentName", "description", "trialConcurrency", "maxExecDuration",
                "maxTrialNum", "trainingServicePlatform", "searchSpacePath", "useAnnotation", "multiPhase",
                "multiThread", "nniManagerIp", "logDir", "logLevel", "logCollection", "debug", "versionCheck",
                "localConfig", "tuner", "trial", "assessor", "advisor", "maxTrialDuration", "experimentDir",
                "seed")
    IGNORED_KEYS = ("multiThread", "nniManagerIp", "logDir", "logLevel", "logCollection", "debug",
                    "versionCheck", "localConfig")
    TRIAL_KEYS = ("command", "codeDir", "gpuNum", "nasMode", "nasModeArgs")
    TUNER_KEYS = ("builtinTunerName", "name", "classArgs", "includeIntermediateResults", "gpuIndices",
                  "gpuNum", "codeDir", "classFileName", "className")
    NAS_MODE_ARGS = ("oneshot_dropout_rate", "darts_learning_rate", "darts_momentum", "enas_prefetch")
    #: known to the parser only to be rejected with a message of their own: never listed as accepted
    REJECTED_KEYS = ("assessor", "advisor")

    def __init__(self, raw: dict[str, Any], source: str | None) -> None:
        self.raw = raw
        self.source = source
        self.problems: list[str] = []

    def problem(self, key: str, message: str, *, suggest_from: tuple[str, ...] = (),
                given: str | None = None) -> None:
        close = _closest(given, suggest_from) if suggest_from and given is not None else None
        if close:
            message += f"; did you mean {close!r}?"
        self.problems.append(f"{key}: {message}")

    def raise_if_any(self) -> None:
        if self.problems:
            head = f"{self.source}: " if self.source else ""
            n = len(self.problems)
            lines = [f"{head}invalid experiment config ({n} problem{'s' if n != 1 else ''}):"]
            raise ConfigError("\n".join(lines + [f"  - {p}" for p in self.problems]))

    def unknown_keys(self, section: dict[str, Any], prefix: str, known: tuple[str, ...]) -> None:
        """Each key of ``section`` not in ``known``: a did-you-mean, else the accepted keys of that level."""
        accepted = [k for k in known if k not in self.REJECTED_KEYS]
        for key in section:
            if key in known:
                continue
            close = _closest(str(key), known)
            if close:
                self.problem(f"{prefix}{key}", f"unknown key; did you mean {close!r}?")
            else:
                where = f"under {prefix.rstrip('.')!r}" if prefix else "at the top level"
                self.problem(f"{prefix}{key}", f"unknown key; remove it, or use one of the keys accepted "
                             f"{where}: {', '.join(accepted)}")

    def is_mapping(self, value: Any, key: str) -> bool:
        if isinstance(value, dict):
            return True
        self.problem(key, f"expected a mapping, found {type(value).__name__} {value!r}")
        return False

    def get(self, section: dict[str, Any], key: str, kind: type, *, prefix: str = "",
            default: Any = None, required: bool = False) -> Any:
        if key not in section or section[key] is None:
            if required:
                self.problem(prefix + key, f"missing: expected {_TYPE_NAMES[kind]}")
            return default
        value = section[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            found = f"{type(value).__name__} {value!r}"
            self.problem(prefix + key, f"expected {_TYPE_NAMES[kind]}, found {found}")
            return default
        return value

    @overload
    def get_int(self, section: dict[str, Any], key: str, lo: int, hi: int, *, prefix: str = "",
                default: int) -> int: ...
    @overload
    def get_int(self, section: dict[str, Any], key: str, lo: int, hi: int, *, prefix: str = "",
                default: None = None) -> int | None: ...
    def get_int(self, section: dict[str, Any], key: str, lo: int, hi: int, *, prefix: str = "",
                default: int | None = None) -> int | None:
        value = section.get(key)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)  # CLI flags arrive as ints already; YAML may quote numbers
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(prefix + key, f"expected an integer, found {type(value).__name__} {value!r}")
            return default
        if not lo <= value <= hi:
            self.problem(prefix + key, f"{value} is out of range; expected {lo} to {hi}")
            return default
        return value

    def get_duration(self, section: dict[str, Any], key: str) -> float | None:
        if section.get(key) is None:
            return None
        try:
            return parse_duration(section[key], key)
        except ConfigError as exc:
            self.problems.append(str(exc))
            return None
