"""Build the experiment's tuner: a registered name (NNI builtin names mapped), or a class in a file.

Tuners from files are duck-typed (NNI-compatible): only ``update_search_space``, ``generate_parameters`` and
``receive_trial_result`` are required; ``trial_end``, ``import_data``, ``state_dict``/``load_state_dict`` are
used when present. Exceptions named ``NoMoreTrialError``/``NoSuggestionYet`` count as ours,
whatever their module.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.util
import inspect
import io
import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nastuners.exceptions import ConfigError, NoMoreTrialError, NoSuggestionYet, TunerArgumentError
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
    # suggest only names that resolve to an installed tuner
    candidates = dict(by_lower)
    candidates.update({k: v for k, v in NNI_ALIASES.items() if v in names})
    close = difflib.get_close_matches(name.lower(), list(candidates), n=1, cutoff=0.6)
    hint = f"; did you mean {candidates[close[0]]!r}?" if close else ""
    msg = (f"tuner.builtinTunerName: no tuner named {name!r}{hint} (installed: {installed}; "
           "`nastune tuners list` shows them)")
    raise ConfigError(msg)


def _import_file(file: Path, module_name: str, code_dir: str) -> Any:
    """Import ``file`` as ``module_name``; any failure, ``sys.exit`` included, is a ``tuner.classFileName``
    error (``KeyboardInterrupt`` propagates). What the import prints is held back and shown only if it fails
    (argparse's usage text would otherwise look like nastune's own)."""
    loader_spec = importlib.util.spec_from_file_location(module_name, file)
    if loader_spec is None or loader_spec.loader is None:
        msg = f"tuner.classFileName: cannot import {file}"
        raise ConfigError(msg)
    module = importlib.util.module_from_spec(loader_spec)
    printed = io.StringIO()
    imported = False
    sys.path.insert(0, code_dir)
    sys.modules[module_name] = module
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            loader_spec.loader.exec_module(module)
        imported = True
    except SystemExit as exc:
        code = exc.code if exc.code is None or isinstance(exc.code, int) else repr(exc.code)
        msg = (f"tuner.classFileName: importing {file}: it called sys.exit({code}) while being imported; "
               "guard module-level code with `if __name__ == '__main__':`" + _output(printed))
        raise ConfigError(msg) from None
    except Exception as exc:
        msg = f"tuner.classFileName: importing {file} failed: {type(exc).__name__}: {exc}" + _output(printed)
        raise ConfigError(msg) from exc
    except KeyboardInterrupt:  # Ctrl-C is not the file's fault: let it through, with what it printed
        sys.stderr.write(printed.getvalue())
        raise
    finally:
        sys.path.remove(code_dir)
        if not imported:
            sys.modules.pop(module_name, None)
    sys.stderr.write(printed.getvalue())  # it imported: let its output through (stderr: stdout may be JSON)
    return module


def _output(printed: io.StringIO, lines: int = 5) -> str:
    """The last ``lines`` lines a failed import printed, indented under the error ("" if it printed none)."""
    kept = printed.getvalue().rstrip().splitlines()[-lines:]
    if not kept:
        return ""
    return "\n  what it printed while being imported (last lines):" + "".join(f"\n    | {ln}" for ln in kept)


def _load_class(spec: TunerSpec) -> type:
    assert spec.code_dir and spec.class_file and spec.class_name
    file = Path(spec.code_dir) / spec.class_file
    module_name = f"_nastune_tuner_{file.stem}"
    module = _import_file(file, module_name, spec.code_dir)
    cls = getattr(module, spec.class_name, None)
    if not isinstance(cls, type):
        defined = sorted(name for name, obj in vars(module).items()
                         if isinstance(obj, type) and obj.__module__ == module_name)
        close = difflib.get_close_matches(spec.class_name, defined, n=1, cutoff=0.6)
        why = (f" (did you mean {close[0]!r}?)" if close else
               f" (its {spec.class_name!r} is a {type(cls).__name__})" if cls is not None else "")
        listed = (f"the classes it defines: {', '.join(defined)}; set className to one of them" if defined
                  else "it defines no class at all; check classFileName")
        msg = f"tuner.className: {file} defines no class {spec.class_name!r}{why}; {listed}"
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
        except TunerArgumentError as exc:  # it names the tuner and the arguments already: say it once
            msg = f"tuner.classArgs: {exc}"
            raise ConfigError(msg) from exc
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
