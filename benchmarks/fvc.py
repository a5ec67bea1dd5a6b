"""FVC2004 DB1_B: accuracy (FVC protocol and all cross-finger pairs) and speed of the engine.

Run: .venv/bin/python benchmarks/fvc.py [--calibrate] [--det PATH]
``--calibrate`` rewrites the packaged threshold table from the all-pairs impostor scores.
The last line printed is one JSON object of figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import cv2
import numpy as np
from rich.progress import track

from scomm.biometrics.features.pipeline import Extractor
from scomm.biometrics.image import read_image
from scomm.biometrics.matcher import Comparator
from scomm.biometrics.template import Template
from scomm.biometrics.thresholds import ThresholdTable, det_curve, error_rates

DATA = Path(__file__).parents[1].parent / "shared" / "data" / "fingerprints" / "fvc2004_db1_b"
PACKAGE_TABLE = Path(__file__).parents[1] / "src/scomm/biometrics/data/thresholds.json"
FMR_TARGETS = (0.1, 0.05, 0.01, 0.001)  # 0.0001 is beyond 2,880 impostor scores
MIN_TIMED = 10_000
EXTRACT_RUNS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--det", type=Path, default=Path("build/fvc2004_db1_b_det.png"))
    args = parser.parse_args()

    cv2.setNumThreads(1)
    extractor = Extractor()
    paths = sorted(DATA.glob("*.tif"))
    extractor.run(read_image(paths[0]))  # compile once, outside the timing
    # Times are CPU seconds of this single-threaded process (OpenCV limited to one thread):
    # the development machine is shared, and wall-clock time there measures the neighbours.
    # Each image is extracted twice and its cheaper run kept.
    templates: dict[tuple[int, int], Template] = {}
    qualities = []
    times = []
    for path in track(paths, description="extracting", transient=True):
        finger, impression = (int(v) for v in path.stem.split("_"))
        image = read_image(path)
        runs = []
        for _ in range(EXTRACT_RUNS):
            start = time.process_time()
            t = extractor.run(image).template
            runs.append(time.process_time() - start)
        templates[finger, impression] = t
        qualities.append(t.quality)
        times.append(min(runs))
    extract_ms = 1000 * float(np.mean(times))

    comparator = Comparator()
    keys = sorted(templates)
    fingers = sorted({f for f, _ in keys})
    genuine_pairs = [
        ((f, i), (f, j)) for f in fingers for i, j in itertools.combinations(range(1, 9), 2)
    ]
    fvc_impostor_pairs = [((f, 1), (g, 1)) for f, g in itertools.combinations(fingers, 2)]
    all_impostor_pairs = [(a, b) for a, b in itertools.combinations(keys, 2) if a[0] != b[0]]

    def scores(pairs: list[tuple[tuple[int, int], tuple[int, int]]]) -> np.ndarray:
        return np.array([comparator.compare(templates[a], templates[b]) for a, b in pairs])

    comparator.compare(templates[keys[0]], templates[keys[1]])
    genuine = scores(genuine_pairs)
    impostor_all = scores(all_impostor_pairs)
    # Timed: rounds over all cross-finger pairs until at least MIN_TIMED comparisons, in CPU
    # time (the headline) and in wall-clock time (best round, disturbed by other load).
    wall_rates, done, cpu_s = [], 0, 0.0
    while done < MIN_TIMED:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        scores(all_impostor_pairs)
        cpu_s += time.process_time() - cpu0
        wall_rates.append(len(all_impostor_pairs) / (time.perf_counter() - wall0))
        done += len(all_impostor_pairs)
    per_s = done / cpu_s
    per_s_wall = max(wall_rates)
    impostor_fvc = scores(fvc_impostor_pairs)

    fvc = error_rates(genuine, impostor_fvc)
    allp = error_rates(genuine, impostor_all)
    print(f"FVC2004 DB1_B: {len(paths)} images, {len(genuine)} genuine comparisons")
    print(f"{'protocol':<28}{'impostors':>10}{'EER':>8}{'FMR100':>9}{'FMR1000':>9}{'ZeroFMR':>9}")
    for name, rates, n in (
        ("FVC (first impressions)", fvc, len(impostor_fvc)),
        ("all cross-finger pairs", allp, len(impostor_all)),
    ):
        print(
            f"{name:<28}{n:>10}{rates.eer:>8.2%}{rates.fmr100:>9.2%}{rates.fmr1000:>9.2%}"
            f"{rates.zerofmr:>9.2%}"
        )
    print(f"genuine score mean {genuine.mean():.3f}, impostor mean {impostor_all.mean():.3f}")
    print(f"mean quality {np.mean(qualities):.1f}")
    print(
        f"extraction {extract_ms:.1f} ms/image (best of {EXTRACT_RUNS}), "
        f"{per_s:,.0f} comparisons per CPU second ({done} timed, one thread; "
        f"wall clock, best round: {per_s_wall:,.0f}/s)"
    )

    args.det.parent.mkdir(parents=True, exist_ok=True)
    _plot_det(genuine, impostor_all, impostor_fvc, args.det)
    print(f"DET curve written to {args.det}")
    if args.calibrate:
        table = ThresholdTable.calibrate(
            impostor_all,
            FMR_TARGETS,
            f"benchmarks/fvc.py --calibrate: {len(impostor_all)} cross-finger impostor "
            "comparisons of FVC2004 DB1_B",
        )
        PACKAGE_TABLE.write_text(table.to_json())
        print(f"threshold table written to {PACKAGE_TABLE}")
    figures = {
        "eer": fvc.eer,
        "eer_allpairs": allp.eer,
        "fmr100": allp.fmr100,
        "fmr1000": allp.fmr1000,
        "zerofmr": allp.zerofmr,
        "fvc_fmr100": fvc.fmr100,
        "extract_ms": round(extract_ms, 2),
        "comparisons_per_s": round(per_s),
        "comparisons_per_s_wall": round(per_s_wall),
        "extract_ms_median": round(1000 * float(np.median(times)), 2),
        "genuine": len(genuine),
        "impostor_allpairs": len(impostor_all),
        "mean_quality": float(np.mean(qualities)),
    }
    print(json.dumps(figures))


def _plot_det(genuine: np.ndarray, impostor: np.ndarray, fvc: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    for imp, label in ((impostor, "all cross-finger pairs"), (fvc, "FVC protocol")):
        fmr, fnmr = det_curve(genuine, imp)
        ax.plot(np.maximum(fmr, 1e-4), np.maximum(fnmr, 1e-4), label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("false match rate")
    ax.set_ylabel("false non-match rate")
    ax.set_title("scomm on FVC2004 DB1_B")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
