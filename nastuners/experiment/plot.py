"""``nastune experiment plot``: final metric per trial and best so far (needs matplotlib, extra [bench])."""

from __future__ import annotations

from pathlib import Path

from nastuners.exceptions import ConfigError
from nastuners.experiment.paths import find_experiment
from nastuners.experiment.store import Store

__all__ = ["plot_experiment", "series"]


def series(ref: str | Path) -> tuple[list[int], list[float], list[float], str]:
    """``(sequence ids, final values, best so far, optimize mode)`` in trial order."""
    store = Store(find_experiment(ref), read_only=True)
    try:
        record = store.experiment()
        mode = (record["config"].get("tuner") or {}).get("class_args", {}).get("optimize_mode", "maximize")
        seq_of = {t.trial_id: t.seq for t in store.trials()}
        points = sorted((seq_of[m.trial_id], m.parameter_id, m.score) for m in store.metrics("final")
                        if m.score is not None)
    finally:
        store.close()
    xs: list[int] = []
    ys: list[float] = []
    best: list[float] = []
    for seq, _, score in points:
        assert score is not None
        xs.append(seq)
        ys.append(score)
        best.append(score if not best else (min if mode == "minimize" else max)(best[-1], score))
    return xs, ys, best, mode


def plot_experiment(ref: str | Path, out: str | Path) -> Path:
    """Write a PNG (or any format matplotlib knows from the suffix)."""
    target = Path(out)
    if not target.parent.is_dir():
        msg = f"-o {out}: the folder {str(target.parent)!r} does not exist; create it first"
        raise ConfigError(msg)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ConfigError("plotting needs matplotlib: pip install 'nastune[bench]'") from exc
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    formats = FigureCanvasAgg.get_supported_filetypes()
    suffix = target.suffix.lstrip(".").lower()
    if suffix not in formats:
        known = ", ".join("." + f for f in sorted(formats))
        msg = (f"-o {out}: cannot tell the image format from {target.suffix or 'a name without suffix'!r}; "
               f"end the file name in one of {known} (e.g. progress.png)")
        raise ConfigError(msg)
    xs, ys, best, mode = series(ref)
    if not xs:
        msg = f"experiment {ref}: no final results to plot yet"
        raise ConfigError(msg)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.scatter(xs, ys, s=14, label="final metric", color="tab:blue")
    ax.step(xs, best, where="post", label=f"best so far ({mode})", color="tab:orange")
    ax.set_xlabel("trial (sequence id)")
    ax.set_ylabel("final metric")
    ax.set_title(f"experiment {Path(find_experiment(ref)).name}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return Path(out)
