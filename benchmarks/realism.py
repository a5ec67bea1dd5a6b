"""Realism check: synthetic fingerprints beside FVC2004 DB1_B, through the same engine.

Run: .venv/bin/python benchmarks/realism.py [--fingers 40] [--impressions 8] [--plot PATH]

Renders a synthetic set of live-scan flats (400 x 400, 8 impressions a finger like DB1_B, but
``--fingers`` fingers: 40 by default, so that its error rates are not those of one lucky draw of
10), extracts it and DB1_B with the engine's extractor and compares all pairs of each set.
Plotted side by side, in one figure: foreground area, minutiae count per template, quality
score, and the genuine / impostor score distributions. Synthetic prints must not be trivially
easy: the engine's EER on them is reported beside its EER on DB1_B, for the whole synthetic set
and for each block of 10 fingers (the size of DB1_B, to show how much a 10-finger EER wanders).
The template-level synthesis (no image) is reported alongside. The last line printed is one
JSON object of figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from scomm.biometrics import Comparator, Extractor, Template, error_rates, read_image
from scomm.biometrics.image import FingerprintImage
from scomm.biometrics.search import minutiae_template
from scomm.biometrics.synthetic import generate_master, render_impression
from scomm.biometrics.synthetic.templates import synthesize_master_template, template_impression
from scomm.domain import FingerPosition

ROOT = Path(__file__).parents[1]
FVC = ROOT.parent / "shared" / "data" / "fingerprints" / "fvc2004_db1_b"
SEED = 2004
BLOCK = 10  # fingers in DB1_B
POSITIONS = list(FingerPosition)[1:11]

Key = tuple[int, int]  # (finger, impression)


@dataclass
class PrintSet:
    """Templates of one set and, where there were images, the extractor's foreground area."""

    templates: dict[Key, Template]
    areas: dict[Key, int]


def extracted(images: dict[Key, npt.NDArray[np.uint8]]) -> PrintSet:
    extractor = Extractor()
    templates, areas = {}, {}
    for key, pixels in images.items():
        run = extractor.run(FingerprintImage(pixels))
        templates[key] = run.template
        areas[key] = int(run.mask.sum())
    return PrintSet(templates, areas)


def fvc_set() -> PrintSet:
    images = {}
    for path in sorted(FVC.glob("*.tif")):
        finger, impression = (int(v) for v in path.stem.split("_"))
        images[finger, impression] = read_image(path).pixels
    return extracted(images)


def synthetic_set(fingers: int, impressions: int) -> PrintSet:
    images = {}
    for f in range(fingers):
        master = generate_master(SEED, f, POSITIONS[f % len(POSITIONS)])
        for i in range(impressions):
            images[f, i] = render_impression(master, i).image
    return extracted(images)


def template_level_set(fingers: int, impressions: int) -> PrintSet:
    """The same shape from template-level synthesis (what the large search galleries hold)."""
    out = {}
    for f in range(fingers):
        master = synthesize_master_template(SEED, f, POSITIONS[f % len(POSITIONS)])
        for i in range(impressions):
            out[f, i] = minutiae_template(template_impression(master, i))
    return PrintSet(out, {})


Pairs = list[tuple[Key, Key, float]]


def all_pairs(templates: dict[Key, Template]) -> Pairs:
    comparator = Comparator()
    keys = sorted(templates)
    return [
        (a, b, comparator.compare(templates[a], templates[b]))
        for a, b in itertools.combinations(keys, 2)
    ]


def split(pairs: Pairs, fingers: set[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Genuine scores (pairs of one finger) and impostor scores (pairs of different fingers)."""
    genuine: list[float] = []
    impostor: list[float] = []
    for a, b, score in pairs:
        if fingers is not None and (a[0] not in fingers or b[0] not in fingers):
            continue
        (genuine if a[0] == b[0] else impostor).append(score)
    return np.array(genuine), np.array(impostor)


def describe(name: str, prints: PrintSet) -> dict[str, object]:
    templates = prints.templates
    counts = np.array([len(t) for t in templates.values()])
    quality = np.array([t.quality for t in templates.values()])
    areas = np.array(list(prints.areas.values()))
    pairs = all_pairs(templates)
    genuine, impostor = split(pairs)
    rates = error_rates(genuine, impostor)
    fingers = sorted({key[0] for key in templates})
    blocks = [set(fingers[i : i + BLOCK]) for i in range(0, len(fingers), BLOCK)]
    block_eers = [error_rates(*split(pairs, block)).eer for block in blocks if len(block) > 1]
    image_cols = (
        f"{areas.mean() / 1000:>7.0f}k{quality.mean():>6.1f}{quality.std():>5.1f}"
        if areas.size
        else f"{'-':>8}{'-':>6}{'-':>5}"
    )
    print(
        f"{name:<12}{len(templates):>6}{image_cols}{counts.mean():>7.1f}{counts.std():>5.1f}"
        f"{np.percentile(counts, 5):>5.0f}-{np.percentile(counts, 95):<4.0f}"
        f"{genuine.mean():>8.3f}{np.percentile(genuine, 5):>7.3f}{impostor.mean():>8.3f}"
        f"{rates.eer:>8.2%}{rates.fmr100:>8.2%}   "
        + (" ".join(f"{e:.1%}" for e in block_eers) if len(block_eers) > 1 else "")
    )
    return {
        "areas": areas,
        "counts": counts,
        "quality": quality,
        "genuine": genuine,
        "impostor": impostor,
        "eer": rates.eer,
        "fmr100": rates.fmr100,
        "block_eers": block_eers,
    }


def plot(sets: dict[str, dict[str, object]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(19, 4.3))
    colours = {
        "FVC2004 DB1_B": "tab:blue",
        "synthetic": "tab:orange",
        "template-level": "tab:green",
    }
    for name, d in sets.items():
        c = colours[name]
        style = {"alpha": 0.45, "color": c, "label": name, "density": True}
        if np.size(d["areas"]):  # type: ignore[arg-type]  # no image, no area or quality
            axes[0].hist(np.asarray(d["areas"]) / 1000, bins=20, range=(0, 160), **style)
            axes[2].hist(d["quality"], bins=20, range=(0, 100), **style)
        axes[1].hist(d["counts"], bins=20, range=(0, 100), **style)
        bins = np.linspace(0, 0.55, 45)
        for key, ls, label in (("genuine", "-", "genuine"), ("impostor", "--", "impostor")):
            axes[3].hist(
                d[key],
                bins=bins,
                histtype="step",
                color=c,
                ls=ls,
                lw=2,
                density=True,
                label=f"{name} {label}" + (f" (EER {d['eer']:.1%})" if key == "genuine" else ""),
            )
    axes[0].set_xlabel("foreground area (thousand pixels at 500 ppi)")
    axes[1].set_xlabel("minutiae per template")
    axes[2].set_xlabel("quality score (0-100)")
    axes[3].set_xlabel("comparison score")
    axes[3].set_yscale("log")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.suptitle("Synthetic fingerprints beside FVC2004 DB1_B (same extractor and matcher)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fingers", type=int, default=40)
    parser.add_argument("--impressions", type=int, default=8)
    parser.add_argument("--plot", type=Path, default=ROOT / "build" / "realism.png")
    args = parser.parse_args()
    if args.fingers < 2 or args.impressions < 2:
        parser.error("need at least 2 fingers and 2 impressions (genuine and impostor pairs)")
    start = time.process_time()
    synthetic = synthetic_set(args.fingers, args.impressions)
    synth_cpu = time.process_time() - start
    print(
        f"{'set':<12}{'prints':>6}{'area':>8}{'qual':>6}{'sd':>5}{'minut':>7}{'sd':>5}"
        f"{'5-95%':>10}{'genuine':>8}{'gen5%':>7}{'impost':>8}{'EER':>8}{'FMR100':>8}"
        "   EER per 10 fingers"
    )
    sets = {
        "FVC2004 DB1_B": describe("FVC2004 DB1", fvc_set()),
        "synthetic": describe("synthetic", synthetic),
        "template-level": describe("templates", template_level_set(args.fingers, args.impressions)),
    }
    plot(sets, args.plot)
    print(
        f"plot written to {args.plot}; synthetic set rendered and extracted in {synth_cpu:.0f} "
        f"CPU s; whole run {time.process_time():.0f} CPU s"
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
        for key in ("areas", "counts", "quality", "genuine", "impostor"):
            values = np.asarray(d[key], dtype=np.float64)
            if values.size:
                figures[f"{key}_mean_{tag}"] = float(values.mean())
                figures[f"{key}_sd_{tag}"] = float(values.std())
        blocks = list(d["block_eers"])  # type: ignore[call-overload]
        if len(blocks) > 1:
            figures[f"eer_min_per10_{tag}"] = float(min(blocks))
            figures[f"eer_max_per10_{tag}"] = float(max(blocks))
    print(json.dumps({k: round(v, 5) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
