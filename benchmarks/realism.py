"""Realism check: synthetic fingerprints beside FVC2004 DB1_B, through the same engine.

Run: .venv/bin/python benchmarks/realism.py [--fingers 10] [--impressions 8] [--plot PATH]

Renders a synthetic set shaped like DB1_B (fingers x impressions, 400 x 400 live-scan flats),
extracts both sets with the engine's extractor and compares all pairs. Plotted side by side, in
one figure: minutiae count per template, quality score, and the genuine / impostor score
distributions. Synthetic prints must not be trivially easy: the engine's EER on them is
reported beside its EER on DB1_B. The last line printed is one JSON object of figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np

from scomm.biometrics import Comparator, FingerprintImage, Template, error_rates, extract
from scomm.biometrics.search import minutiae_template
from scomm.biometrics.synthetic import generate_master, render_impression
from scomm.biometrics.synthetic.templates import synthesize_master_template, template_impression
from scomm.domain import FingerPosition

ROOT = Path(__file__).parents[1]
SEED = 2004


def fvc_set() -> dict[tuple[int, int], Template]:
    """DB1_B templates (extracted once, cached under build/search/fvc by benchmarks/search.py)."""
    from search import fvc_templates  # benchmarks/ is on sys.path when run as a script

    return fvc_templates()


def synthetic_set(fingers: int, impressions: int) -> dict[tuple[int, int], Template]:
    out = {}
    positions = list(FingerPosition)[1:11]
    for f in range(fingers):
        master = generate_master(SEED, f, positions[f % len(positions)])
        for i in range(impressions):
            image = render_impression(master, i).image
            out[f, i] = extract(FingerprintImage(image))
    return out


def template_level_set(fingers: int, impressions: int) -> dict[tuple[int, int], Template]:
    """The same shape from template-level synthesis (what the large search galleries hold)."""
    positions = list(FingerPosition)[1:11]
    out = {}
    for f in range(fingers):
        master = synthesize_master_template(SEED, f, positions[f % len(positions)])
        for i in range(impressions):
            out[f, i] = minutiae_template(template_impression(master, i))
    return out


def scores(templates: dict[tuple[int, int], Template]) -> tuple[np.ndarray, np.ndarray]:
    """Genuine scores (all pairs of a finger) and impostor scores (all cross-finger pairs)."""
    comparator = Comparator()
    keys = sorted(templates)
    genuine, impostor = [], []
    for a, b in itertools.combinations(keys, 2):
        score = comparator.compare(templates[a], templates[b])
        (genuine if a[0] == b[0] else impostor).append(score)
    return np.array(genuine), np.array(impostor)


def describe(name: str, templates: dict[tuple[int, int], Template]) -> dict[str, object]:
    counts = np.array([len(t) for t in templates.values()])
    quality = np.array([t.quality for t in templates.values()])
    genuine, impostor = scores(templates)
    rates = error_rates(genuine, impostor)
    print(
        f"{name:<12}{len(templates):>7}{counts.mean():>9.1f}{np.median(counts):>8.0f}"
        f"{quality.mean():>9.1f}{genuine.mean():>9.3f}{impostor.mean():>9.3f}"
        f"{rates.eer:>8.2%}{rates.fmr100:>9.2%}"
    )
    return {
        "counts": counts,
        "quality": quality,
        "genuine": genuine,
        "impostor": impostor,
        "eer": rates.eer,
        "fmr100": rates.fmr100,
    }


def plot(sets: dict[str, dict[str, object]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    colours = {
        "FVC2004 DB1_B": "tab:blue",
        "synthetic": "tab:orange",
        "template-level": "tab:green",
    }
    for name, d in sets.items():
        c = colours[name]
        axes[0].hist(d["counts"], bins=20, alpha=0.5, color=c, label=name, density=True)
        if name != "template-level":  # no image, so no quality score
            axes[1].hist(
                d["quality"], bins=20, range=(0, 100), alpha=0.5, color=c, label=name, density=True
            )
        bins = np.linspace(0, 0.55, 45)
        axes[2].hist(
            d["genuine"],
            bins=bins,
            histtype="step",
            color=c,
            lw=2,
            density=True,
            label=f"{name} genuine",
        )
        axes[2].hist(
            d["impostor"],
            bins=bins,
            histtype="step",
            color=c,
            ls="--",
            density=True,
            label=f"{name} impostor (EER {d['eer']:.1%})",
        )
    axes[0].set_xlabel("minutiae per template")
    axes[1].set_xlabel("quality score (0-100)")
    axes[2].set_xlabel("comparison score")
    axes[2].set_yscale("log")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.suptitle("Synthetic fingerprints beside FVC2004 DB1_B (same extractor and matcher)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fingers", type=int, default=10)
    parser.add_argument("--impressions", type=int, default=8)
    parser.add_argument("--plot", type=Path, default=ROOT / "build" / "realism.png")
    args = parser.parse_args()
    start = time.process_time()
    synthetic = synthetic_set(args.fingers, args.impressions)
    synth_cpu = time.process_time() - start
    print(
        f"{'set':<12}{'prints':>7}{'minutiae':>9}{'median':>8}{'quality':>9}"
        f"{'genuine':>9}{'impostor':>9}{'EER':>8}{'FMR100':>9}"
    )
    sets = {
        "FVC2004 DB1_B": describe("FVC2004", fvc_set()),
        "synthetic": describe("synthetic", synthetic),
        "template-level": describe("templates", template_level_set(args.fingers, args.impressions)),
    }
    plot(sets, args.plot)
    print(
        f"plot written to {args.plot}; synthetic set rendered and extracted in {synth_cpu:.0f} "
        "CPU s"
    )
    figures: dict[str, float] = {}
    for tag, name in (
        ("fvc", "FVC2004 DB1_B"),
        ("synthetic", "synthetic"),
        ("template_level", "template-level"),
    ):
        d = sets[name]
        figures[f"eer_{tag}"] = float(d["eer"])  # type: ignore[arg-type]
        figures[f"fmr100_{tag}"] = float(d["fmr100"])  # type: ignore[arg-type]
        for key in ("counts", "quality", "genuine", "impostor"):
            figures[f"{key}_mean_{tag}"] = float(np.mean(d[key]))  # type: ignore[call-overload]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
