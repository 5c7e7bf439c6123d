"""Build the experiment's tuner: a registered name (NNI builtin names mapped), or a class in a file.

Tuners from files are duck-typed (NNI-compatible): only ``update_search_space``, ``generate_parameters`` and
``receive_trial_result`` are required; ``trial_end``, ``import_data``, ``state_dict``/``load_state_dict`` are
used when present. Exceptions named ``NoMoreTrialError``/``NoSuggestionYet`` count as ours,
whatever their module.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nastuners.exceptions import ConfigError, NoMoreTrialError, NoSuggestionYet
from nastuners.experiment.config import TunerSpec

__all__ = ["NNI_ALIASES", "build_tuner", "is_no_more", "is_not_now", "resolve_tuner_name"]

#: NNI v1 builtin names (lower-cased) and the project tuner each maps to
NNI_ALIASES = {"ppotuner": "ppo", "random": "random", "randomnas": "random", "randomnastuner": "random",
               "evolution": "evolution", "evolutiontuner": "evolution", "anneal": "local_search",
               "tpe": "evolution", "gridsearch": "grid"}
#: NNI names mapped to a *different* algorithm: a warning says so (nni-compat.md §14: TPE, Anneal SHOULD map)
_SUBSTITUTES = {"tpe": "NNI's TPE (hyperopt)", "anneal": "NNI's Anneal (hyperopt simulated annealing)"}
#: NNI v1 builtin tuners with no counterpart here: a clear error instead of a did-you-mean
_NNI_UNSUPPORTED = {"smac": "SMAC", "batchtuner": "BatchTuner", "networkmorphism": "NetworkMorphism",
                    "metistuner": "MetisTuner", "gptuner": "GPTuner", "pbttuner": "PBTTuner",
                    "hyperband": "Hyperband", "bohb": "BOHB"}
log = logging.getLogger(__name__)
_REQUIRED = ("update_search_space", "generate_parameters", "receive_trial_result")


def is_no_more(exc: BaseException) -> bool:
    return isinstance(exc, NoMoreTrialError) or type(exc).__name__ == "NoMoreTrialError"


def is_not_now(exc: BaseException) -> bool:
    return isinstance(exc, NoSuggestionYet) or type(exc).__name__ == "NoSuggestionYet"


def resolve_tuner_name(name: str) -> str:
    """The registered entry-point name for ``name`` (exact, case-insensitive, or an NNI builtin name)."""
    from nastuners.registry import list_tuners

    infos = list_tuners()
    names = [str(getattr(info, "name", info)) for info in infos]
    if name in names:
        return name
    by_lower = {n.lower(): n for n in names}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    mapped = NNI_ALIASES.get(name.lower())
    if mapped in names:
        if name.lower() in _SUBSTITUTES:
            log.warning("tuner.builtinTunerName: %s is not part of nastune; using %r instead "
                        "(set builtinTunerName: %s to silence this)",
                        _SUBSTITUTES[name.lower()], mapped, mapped)
        return mapped
    installed = ", ".join(sorted(names)) or "none"
    if name.lower() in _NNI_UNSUPPORTED:
        nni_name = _NNI_UNSUPPORTED[name.lower()]
        msg = (f"tuner.builtinTunerName: NNI's builtin tuner {nni_name!r} has no nastune counterpart; "
               f"use one of: {installed} (`nastune tuners list` describes them)")
        raise ConfigError(msg)
    import difflib

    # suggest only names that resolve to an installed tuner
    candidates = dict(by_lower)
    candidates.update({k: v for k, v in NNI_ALIASES.items() if v in names})
    close = difflib.get_close_matches(name.lower(), list(candidates), n=1, cutoff=0.6)
    hint = f"; did you mean {candidates[close[0]]!r}?" if close else ""
    msg = (f"tuner.builtinTunerName: no tuner named {name!r}{hint} (installed: {installed}; "
           "`nastune tuners list` shows them)")
    raise ConfigError(msg)


def _load_class(spec: TunerSpec) -> type:
    assert spec.code_dir and spec.class_file and spec.class_name
    file = Path(spec.code_dir) / spec.class_file
    module_name = f"_nastune_tuner_{file.stem}"
    loader_spec = importlib.util.spec_from_file_location(module_name, file)
    if loader_spec is None or loader_spec.loader is None:
        msg = f"tuner.classFileName: cannot import {file}"
        raise ConfigError(msg)
    module = importlib.util.module_from_spec(loader_spec)
    sys.path.insert(0, spec.code_dir)
    try:
        sys.modules[module_name] = module
        loader_spec.loader.exec_module(module)
    except Exception as exc:
        msg = f"tuner.classFileName: importing {file} failed: {type(exc).__name__}: {exc}"
        raise ConfigError(msg) from exc
    finally:
        sys.path.remove(spec.code_dir)
    cls = getattr(module, spec.class_name, None)
    if not isinstance(cls, type):
        msg = f"tuner.className: {file} defines no class {spec.class_name!r}"
        raise ConfigError(msg)
    missing = [m for m in _REQUIRED if not callable(getattr(cls, m, None))]
    if missing:
        msg = (
            f"tuner.className: {spec.class_name} in {file} is not a tuner: it lacks "
                          f"{', '.join(missing)}"
        )
        raise ConfigError(msg)
    return cls


def build_tuner(spec: TunerSpec, seed: int | None) -> Any:
    """Instantiate the tuner; ``seed`` is passed when the constructor takes one and classArgs lack it."""
    args = dict(spec.class_args)
    if spec.name is not None:
        from nastuners.registry import get_tuner

        name = resolve_tuner_name(spec.name)
        if seed is not None and "seed" not in args:
            args["seed"] = seed
        try:
            return get_tuner(name, **args)
        except (TypeError, ValueError) as exc:
            msg = f"tuner.classArgs: tuner {name!r} rejected {args}: {exc}"
            raise ConfigError(msg) from exc
    cls = _load_class(spec)
    params: Mapping[str, inspect.Parameter]
    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        params = {}
    if seed is not None and "seed" not in args and "seed" in params:
        args["seed"] = seed
    try:
        return cls(**args)
    except Exception as exc:
        msg = f"tuner.classArgs: {spec.class_name}({args}) failed: {type(exc).__name__}: {exc}"
        raise ConfigError(msg) \
            from exc
