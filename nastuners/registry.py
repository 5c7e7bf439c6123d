"""Tuner registry: tuners are entry points in the ``nastuners.tuners`` group, found and loaded with stevedore.

This is the only module that imports stevedore, and nothing scans entry points until :func:`get_tuner` or
:func:`list_tuners` is called. Built-in tuners register through the same group as plugins; none is
special-cased.

A plugin distribution declares, in its ``pyproject.toml``::

    [project.entry-points."nastuners.tuners"]
    grid = "nastune_grid:GridTuner"        # short, lower-case name -> a nastuners.Tuner subclass
"""

from __future__ import annotations

import difflib
import importlib.metadata
import inspect
import json
from dataclasses import asdict, dataclass
from typing import Any

from .exceptions import DuplicateTuner, NastunersError, TunerArgumentError, TunerLoadError, TunerNotFound
from .tuner import Tuner

__all__ = ["GROUP", "TunerInfo", "get_tuner", "list_tuners", "parse_class_args"]

GROUP = "nastuners.tuners"


@dataclass(frozen=True)
class TunerInfo:
    """One entry point of the group: where it comes from, and either its summary or why it is broken."""

    name: str
    target: str  # "module:attr"
    distribution: str | None
    version: str | None
    summary: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the tuner loads and is a ``Tuner`` subclass."""
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the fields, plus ``ok``)."""
        return {**asdict(self), "ok": self.ok}


@dataclass(frozen=True)
class _Claim:
    name: str
    target: str
    distribution: str | None
    version: str | None

    def where(self) -> str:
        dist = f"{self.distribution} {self.version}" if self.distribution else "an unknown distribution"
        return f"{self.target} from {dist}"


@dataclass
class _Scan:
    claims: dict[str, list[_Claim]]  # name -> every distinct (target, distribution) claiming it
    plugins: dict[tuple[str, str], Any]  # (name, target) -> the loaded object
    failures: dict[tuple[str, str], BaseException]  # (name, target) -> why it failed to load


def _scan(names: list[str] | None) -> _Scan:
    """Discover the group through stevedore and load ``names`` (every entry point when None).

    Fresh on every call: plugins may be installed while a process runs. Distribution names and versions come
    from ``importlib.metadata`` (stevedore's cached entry points do not carry them).
    """
    from stevedore import ExtensionManager, NamedExtensionManager

    failures: dict[tuple[str, str], BaseException] = {}

    def failed(_manager: Any, ep: Any, exc: BaseException) -> None:
        failures[(ep.name, ep.value)] = exc

    ExtensionManager.ENTRY_POINT_CACHE.pop(GROUP, None)
    if names is None:
        manager = ExtensionManager(GROUP, invoke_on_load=False, on_load_failure_callback=failed)
    else:
        manager = NamedExtensionManager(GROUP, names=names, invoke_on_load=False,
                                        on_load_failure_callback=failed,
                                        on_missing_entrypoints_callback=lambda _names: None)
    plugins = {(ext.name, ext.entry_point.value): ext.plugin for ext in manager.extensions}
    owners: dict[tuple[str, str], list[tuple[str | None, str | None]]] = {}
    for ep in importlib.metadata.entry_points(group=GROUP):
        dist = getattr(ep, "dist", None)
        meta = (dist.metadata["Name"], dist.version) if dist is not None else (None, None)
        owners.setdefault((ep.name, ep.value), []).append(meta)
    claims: dict[str, list[_Claim]] = {}
    for ep in manager.list_entry_points():
        for dist_name, version in owners.get((ep.name, ep.value), [(None, None)]):
            claim = _Claim(ep.name, ep.value, dist_name, version)
            if claim not in claims.get(ep.name, []):
                claims.setdefault(ep.name, []).append(claim)
    return _Scan(dict(sorted(claims.items())), plugins, failures)


def _duplicate_message(name: str, claims: list[_Claim]) -> str:
    listed = "; ".join(c.where() for c in claims)
    return (f"tuner name {name!r} is claimed by {len(claims)} distributions ({listed}); "
            f"uninstall all but one of them")


def _tuner_class(scan: _Scan, claim: _Claim) -> type[Tuner]:
    """The loaded class of ``claim``; ``TunerLoadError`` when its import failed or it is not a Tuner."""
    key = (claim.name, claim.target)
    if key not in scan.plugins:
        exc = scan.failures.get(key)
        reason = f"{type(exc).__name__}: {exc}" if exc is not None else "its entry point could not be loaded"
        msg = f"tuner {claim.name!r} ({claim.where()}) failed to load: {reason}"
        raise TunerLoadError(msg) from exc
    plugin = scan.plugins[key]
    if not (isinstance(plugin, type) and issubclass(plugin, Tuner)):
        what = f"class {plugin.__name__}" if isinstance(plugin, type) else type(plugin).__name__
        msg = (f"tuner {claim.name!r} ({claim.where()}) is not a nastuners.Tuner subclass (got {what}); "
               f"the entry point must name a class deriving from nastuners.Tuner")
        raise TunerLoadError(msg)
    return plugin


def _summary(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    return doc.strip().splitlines()[0].strip() if doc.strip() else ""


def list_tuners() -> list[TunerInfo]:
    """Every tuner entry point, sorted by name; broken ones (import error, not a Tuner, duplicate) carry
    ``error``.

    Listing imports each tuner's module (to read its docstring); a failure is reported, never raised.
    """
    scan = _scan(None)
    infos: list[TunerInfo] = []
    for name, claims in scan.claims.items():
        if len(claims) > 1:
            message = _duplicate_message(name, claims)
            infos.extend(TunerInfo(name, c.target, c.distribution, c.version, error=message) for c in claims)
            continue
        claim = claims[0]
        try:
            cls = _tuner_class(scan, claim)
        except TunerLoadError as exc:
            infos.append(TunerInfo(name, claim.target, claim.distribution, claim.version, error=str(exc)))
        else:
            infos.append(TunerInfo(name, claim.target, claim.distribution, claim.version, _summary(cls)))
    return infos


def get_tuner(name: str, **class_args: Any) -> Tuner:
    """Build the tuner registered as ``name`` with ``class_args`` (e.g. ``optimize_mode``, ``seed``).

    Raises ``TunerNotFound`` (with a did-you-mean and the installed names), ``DuplicateTuner``,
    ``TunerLoadError`` or ``TunerArgumentError`` (unknown or missing arguments, or values it rejects).
    """
    if not isinstance(name, str):
        msg = f"a tuner name must be a string, got {type(name).__name__} {name!r}"
        raise TunerNotFound(msg)
    scan = _scan([name])
    claims = scan.claims
    if name not in claims:
        raise TunerNotFound(_not_found_message(name, sorted(claims)))
    if len(claims[name]) > 1:
        raise DuplicateTuner(_duplicate_message(name, claims[name]))
    cls = _tuner_class(scan, claims[name][0])
    check_class_args(name, cls, class_args)
    try:
        return cls(**class_args)
    except (TypeError, ValueError) as exc:
        msg = f"tuner {name!r} rejected its class arguments {class_args}: {exc}"
        raise TunerArgumentError(msg) from exc


def _not_found_message(name: str, installed: list[str]) -> str:
    msg = f"no tuner named {name!r}"
    lowered = {n.lower(): n for n in installed}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    if close:
        msg += f"; did you mean {' or '.join(repr(lowered[c]) for c in close)}?"
    msg += f" Installed tuners: {', '.join(installed) if installed else 'none'}"
    msg += f". Plugins register in the entry-point group {GROUP!r} (`nastune tuners list` shows them)."
    return msg


def parse_class_args(text: str, *, label: str = "--tuner-args",
                     error: type[NastunersError] = TunerArgumentError) -> dict[str, Any]:
    """Class arguments as JSON text (a command-line flag): an object, else ``error`` naming ``label``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = (f"{label}: not valid JSON ({exc.msg} at column {exc.colno}): {text}; expected an object such "
               "as '{\"optimize_mode\": \"minimize\"}'")
        raise error(msg) from None
    if not isinstance(value, dict):
        msg = f"{label}: expected a JSON object of class arguments, got {text}"
        raise error(msg)
    return value


def check_class_args(name: str, cls: type, class_args: dict[str, Any]) -> None:
    """Compare ``class_args`` with ``cls``'s constructor; ``TunerArgumentError`` names what is wrong."""
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):  # a constructor we cannot introspect: let the call decide
        return
    params = sig.parameters
    named = [p.name for p in params.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    accepted = ", ".join(named) if named else "none"
    unknown = [a for a in class_args if a not in named]
    if unknown and not accepts_any:
        parts = []
        for arg in unknown:
            close = difflib.get_close_matches(arg, named, n=1)
            parts.append(f"{arg!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        msg = f"tuner {name!r} does not accept argument {', '.join(parts)}; accepted arguments: {accepted}"
        raise TunerArgumentError(msg)
    missing = [p.name for p in params.values()
               if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
               and p.name not in class_args]
    positional = [p.name for p in params.values() if p.kind is p.POSITIONAL_ONLY and p.default is p.empty]
    if missing or positional:
        what = ", ".join(repr(m) for m in missing + positional)
        msg = f"tuner {name!r} requires argument {what}; accepted arguments: {accepted}"
        raise TunerArgumentError(msg)
