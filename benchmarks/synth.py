"""Synthetic fingerprint generation speed and statistics, on one core.

Run: .venv/bin/python benchmarks/synth.py [--quick]

Targets (issue 7): at least 10 master prints per second and at least 20 further impressions per
second of an existing master, on one core. The last row is a gallery filler as the demo makes
it: a template-level master, one impression and the engine's template with its cylinders.
Rates are given both per CPU second of this single-threaded process (what one core delivers,
robust to other load on the machine) and per wall-clock second. The last line is one JSON
object of the figures.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from scomm.biometrics.synthetic import (  # noqa: E402
    generate_master,
    render_impression,
    to_engine_template,
)
from scomm.biometrics.synthetic.minutiae import ENDING  # noqa: E402
from scomm.biometrics.synthetic.templates import (  # noqa: E402
    synthesize_master_template,
    template_impression,
)

SEED = 2026


def timed(work: Callable[[], int]) -> tuple[int, float, float]:
    """Run ``work`` (returns items done); CPU seconds and wall seconds it took."""
    cpu, wall = time.process_time(), time.perf_counter()
    items = work()
    return items, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer prints (a few seconds)")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    n_masters = 12 if args.quick else 60
    n_per_master = 6 if args.quick else 10
    n_templates = 500 if args.quick else 5000

    # compile the numba kernels (cached on disk afterwards), or load them, before any clock runs
    generate_master(SEED, 10**6, 2)
    to_engine_template(template_impression(synthesize_master_template(SEED, 10**6, 2), 0))

    masters = []

    def make_masters() -> int:
        for identity in range(n_masters):
            masters.append(generate_master(SEED, identity, 2 + 5 * (identity % 2)))
        return n_masters

    counts: list[int] = []
    endings: list[float] = []

    def make_impressions() -> int:
        done = 0
        for master in masters[:6]:
            for index in range(n_per_master):
                impression = render_impression(master, index)
                counts.append(len(impression.minutiae))
                endings.append(float(np.mean(impression.minutiae.kind == ENDING)))
                done += 1
        return done

    template_counts: list[int] = []

    def make_templates() -> int:
        for identity in range(n_templates):
            template = template_impression(synthesize_master_template(SEED, identity, 2), 0)
            template_counts.append(len(template))
        return n_templates

    def make_engine_templates() -> int:
        for identity in range(n_templates):
            master = synthesize_master_template(SEED, 10**7 + identity, 1 + identity % 10)
            to_engine_template(template_impression(master, 0))
        return n_templates

    rows = []
    figures: dict[str, float] = {}
    for name, key, work in (
        ("master prints", "synth_masters_per_s", make_masters),
        ("impressions of a master (400x400)", "synth_impressions_per_s", make_impressions),
        ("flat templates (no image)", "synth_templates_per_s", make_templates),
        ("filler templates with cylinders", "synth_engine_templates_per_s", make_engine_templates),
    ):
        items, cpu, wall = timed(work)
        figures[key] = round(items / cpu, 2)
        figures[key + "_wall"] = round(items / wall, 2)
        rows.append((name, items, items / cpu, items / wall, 1e3 * cpu / items))

    classes = Counter(m.pattern_class.value for m in masters)
    master_counts = [len(m.minutiae) for m in masters]
    print(f"{'what':38} {'items':>6} {'/CPU s':>9} {'/wall s':>9} {'ms each':>9}")
    for name, items, per_cpu, per_wall, ms in rows:
        print(f"{name:38} {items:6d} {per_cpu:9.1f} {per_wall:9.1f} {ms:9.2f}")
    print()
    print(f"pattern classes of {len(masters)} masters: {dict(classes)}")
    lo, hi = min(master_counts), max(master_counts)
    print(f"minutiae per master: median {np.median(master_counts):.0f} (range {lo}-{hi})")
    p5, p50, p95 = np.percentile(counts, [5, 50, 95])
    share = 100 * np.mean(endings)
    print(
        f"minutiae per 400x400 impression: median {p50:.0f}, 5-95% {p5:.0f}-{p95:.0f}, "
        f"endings {share:.0f}%"
    )
    t5, t50, t95 = np.percentile(template_counts, [5, 50, 95])
    print(f"minutiae per flat template: median {t50:.0f}, 5-95% {t5:.0f}-{t95:.0f}")
    print("targets: >= 10 masters/s and >= 20 impressions/s on one core (per CPU second)")
    figures["synth_impression_minutiae_median"] = float(np.median(counts))
    figures["synth_template_minutiae_median"] = float(np.median(template_counts))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
