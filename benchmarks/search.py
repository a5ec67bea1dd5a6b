"""1:N search at scale: latency, memory, accuracy of indexed against exhaustive search.

Run: .venv/bin/python benchmarks/search.py [--quick] [--sizes 10000,100000,1000000]
     [--exhaustive-probes 200] [--workers 2] [--keep]

Galleries hold right-index templates of synthetic people (template-level synthesis, seed
GALLERY_SEED, impression 0) plus five real fingers of FVC2004 DB1_B (101-105, impression 1).
Mated probes: synthetic impression 1 of enrolled people, and FVC impressions 2-8 of the enrolled
fingers (35 real probes). Non-mated probes: synthetic people of another seed, and all eight
impressions of FVC fingers 106-110, which are not enrolled. Galleries are cached under
build/search/ (``--fresh`` rebuilds them); building one is reported separately from searching.
The 1,000,000 gallery (~15 GB on disk) is deleted after its searches unless ``--keep``.
Searches run in a fresh process; its resident set (peak and after all its searches, all
memory-mapped pages it holds included) is reported beside the gallery's accounted memory: the
process after its searches with the whole index counted, less the template pages it read.
Times are CPU seconds of this single-threaded process per search (the machine is shared; wall
clock there measures the neighbours), wall-clock figures beside them.
The last line printed is one JSON object of figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import resource
import shutil
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import numpy as np

from scomm.biometrics import (
    Gallery,
    Searcher,
    Template,
    extract,
    matcher,
    read_image,
    threshold_for_fpir,
)
from scomm.biometrics.mcc import MCC_VERSION
from scomm.biometrics.search import minutiae_template
from scomm.biometrics.synthetic import generate_master, render_impression
from scomm.biometrics.synthetic.templates import synthesize_master_template, template_impression
from scomm.domain import FingerPosition

ROOT = Path(__file__).parents[1]
FVC = ROOT.parent / "shared" / "data" / "fingerprints" / "fvc2004_db1_b"
CACHE = ROOT / "build" / "search" / f"mcc{MCC_VERSION}"  # new cylinders: new galleries
GALLERY_SEED = 7001
STRANGER_SEED = 7002
FINGER = FingerPosition.RIGHT_INDEX
ENROLLED_FVC = range(101, 106)
STRANGER_FVC = range(106, 111)
CHUNK = 500


WORKER_CPU = [0.0]
"""CPU seconds the synthesis workers spent (they report it with each chunk)."""


def _synth_chunk(start: int, stop: int, index: int, seed: int) -> tuple[float, list[bytes]]:
    c0 = time.process_time()
    out = []
    for identity in range(start, stop):
        master = synthesize_master_template(seed, identity, FINGER)
        out.append(minutiae_template(template_impression(master, index)).to_bytes())
    return time.process_time() - c0, out


def synthetic_templates(
    count: int, index: int, seed: int, workers: int, start: int = 0
) -> Iterator[bytes]:
    """Template bytes of people start..start+count-1 of ``seed``, impression ``index``."""
    bounds = [(a, min(a + CHUNK, start + count)) for a in range(start, start + count, CHUNK)]
    if workers <= 1:
        for a, b in bounds:
            yield from _synth_chunk(a, b, index, seed)[1]
        return
    with ProcessPoolExecutor(workers) as pool:
        # a few chunks ahead of the consumer, so finished chunks do not pile up in memory
        ahead: deque[Future[tuple[float, list[bytes]]]] = deque()
        for a, b in bounds:
            ahead.append(pool.submit(_synth_chunk, a, b, index, seed))
            while len(ahead) > 4 * workers or (ahead and a == bounds[-1][0]):
                cpu, blobs = ahead.popleft().result()
                WORKER_CPU[0] += cpu
                yield from blobs


def fvc_templates() -> dict[tuple[int, int], Template]:
    """FVC2004 DB1_B templates, extracted once and cached."""
    cache = CACHE / "fvc"
    cache.mkdir(parents=True, exist_ok=True)
    out = {}
    for path in sorted(FVC.glob("*.tif")):
        finger, impression = (int(v) for v in path.stem.split("_"))
        stored = cache / f"{path.stem}.scft"
        if stored.exists():
            out[finger, impression] = Template.from_bytes(stored.read_bytes())
        else:
            template = extract(read_image(path))
            stored.write_bytes(template.to_bytes())
            out[finger, impression] = template
    return out


def build_gallery(
    size: int,
    fvc: dict[tuple[int, int], Template],
    workers: int,
    fresh: bool,
    snapshots: tuple[int, ...] = (),
) -> tuple[Path, dict[str, float]]:
    """The cached gallery of ``size``, built if missing. Smaller galleries hold the first
    people of larger ones: on the way, a copy is kept at each size in ``snapshots`` not yet
    cached (identical to building it alone, and much cheaper)."""
    path = CACHE / f"gallery-{size}"
    if fresh and path.exists():
        shutil.rmtree(path)
    stats_path = path / "build.json"
    if stats_path.exists():
        # a gallery built before sketches gets them here (once), not in the measured process
        Gallery.open(path).close()
        return path, json.loads(stats_path.read_text())
    tmp = path.with_name(path.name + ".partial")
    done_before = {"build_s": 0.0, "build_cpu_s": 0.0}
    if tmp.exists() and (tmp / "gallery.json").exists() and not fresh:
        # an interrupted build resumes after its last flush (bulk enrolment flushes often)
        if (tmp / "build.partial.json").exists():
            done_before = json.loads((tmp / "build.partial.json").read_text())
    elif tmp.exists():
        shutil.rmtree(tmp)
    start, cpu = time.perf_counter(), _cpu()
    gallery = Gallery.open(tmp)
    first = max(0, len(gallery) - len(ENROLLED_FVC))
    if first:
        print(f"  resuming {tmp.name} at {len(gallery):,} subjects")

    def elapsed() -> dict[str, float]:
        return {
            "build_s": done_before["build_s"] + time.perf_counter() - start,
            "build_cpu_s": done_before["build_cpu_s"] + _cpu() - cpu,
        }

    with gallery.bulk_enrolment():
        for finger in ENROLLED_FVC:
            if f"FVC{finger}" not in gallery:
                gallery.enrol(f"FVC{finger}", {FINGER: fvc[finger, 1]})
        synthetic = size - len(ENROLLED_FVC)
        wanted = {
            n - len(ENROLLED_FVC): CACHE / f"gallery-{n}"
            for n in snapshots
            if n < size and not (CACHE / f"gallery-{n}" / "build.json").exists()
        }
        made = synthetic_templates(synthetic - first, 0, GALLERY_SEED, workers, start=first)
        for i, blob in enumerate(made, start=first):
            gallery.enrol(f"S{i}", {FINGER: Template.from_bytes(blob)})
            if i % 20_000 == 0:
                (tmp / "build.partial.json").write_text(json.dumps(elapsed()))
            if i % 100_000 == 0:
                print(f"  enrolled {i:,}/{synthetic:,} ({time.perf_counter() - start:.0f} s)")
            if i + 1 in wanted:
                gallery.flush()
                copy = wanted[i + 1]
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(tmp, copy)
                # wall time so far; CPU is unknown while the workers run
                copied = {"build_s": elapsed()["build_s"], "copy_of": size}
                (copy / "build.json").write_text(json.dumps(copied))
                print(f"  kept a copy at {i + 1 + len(ENROLLED_FVC):,}")
    gallery.close()
    stats = elapsed()
    (tmp / "build.json").write_text(json.dumps(stats))
    tmp.rename(path)
    print(
        f"gallery of {size:,} built in {stats['build_s']:.0f} s wall, "
        f"{stats['build_cpu_s']:.0f} CPU s (this process and its workers)"
    )
    return path, stats


def _cpu() -> float:
    """CPU seconds of this process and of the synthesis workers' chunks so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + WORKER_CPU[0]


def rss_bytes() -> int:
    """Resident set of this process (anonymous memory and mapped file pages it holds)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def mapped_rss(name: str) -> int:
    """Resident bytes of this process's mappings of files called ``name``."""
    total, inside = 0, False
    with open("/proc/self/smaps") as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
                inside = len(fields) >= 6 and fields[5].endswith("/" + name)
            elif inside and fields[0] == "Rss:":
                total += int(fields[1]) * 1024
    return total


def peak_rss_bytes() -> int:
    """The most this process has held resident (its high-water mark)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir())


Probe = tuple[str | None, dict[FingerPosition, Template], str]


def probes(
    fvc: dict[tuple[int, int], Template], mated_synthetic: int, strangers: int, workers: int
) -> list[Probe]:
    """(expected subject or None, probe, kind) for every search."""
    out: list[Probe] = []
    for f in ENROLLED_FVC:
        out += [(f"FVC{f}", {FINGER: fvc[f, i]}, "fvc") for i in range(2, 9)]
    for f in STRANGER_FVC:
        out += [(None, {FINGER: fvc[f, i]}, "fvc") for i in range(1, 9)]
    mates = synthetic_templates(mated_synthetic, 1, GALLERY_SEED, workers)
    out += [(f"S{i}", {FINGER: Template.from_bytes(b)}, "synthetic") for i, b in enumerate(mates)]
    others = synthetic_templates(strangers, 1, STRANGER_SEED, workers)
    out += [(None, {FINGER: Template.from_bytes(b)}, "synthetic") for b in others]
    return out


def run_searches(path: Path, todo: list[Probe], exhaustive: bool) -> dict[str, object]:
    before = rss_bytes()
    gallery = Gallery.open(path)
    opened = rss_bytes() - before
    searcher = Searcher(gallery)
    searcher.search(todo[0][1], 1)  # compile and touch the index once, outside the timing
    cpu, wall, ranks, tops, mate_scores, compared = [], [], [], [], [], []
    for expected, probe, _ in todo:
        c0, w0 = time.process_time(), time.perf_counter()
        found = searcher.search(probe, 10, exhaustive=exhaustive)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        compared.append(searcher.last.compared)
        tops.append(found[0].score if found else 0.0)
        ids = [c.subject_id for c in found]
        ranks.append(ids.index(expected) + 1 if expected in ids else 0)
        mate_scores.append(found[ids.index(expected)].score if expected in ids else 0.0)
    return {
        "cpu": cpu,
        "wall": wall,
        "ranks": ranks,
        "tops": tops,
        "mate_scores": mate_scores,
        "compared": compared,
        "templates": gallery.template_count,
        "index_bytes": gallery.index.nbytes if gallery.index else 0,
        "sketch_bytes": gallery.sketches.nbytes,
        "open_bytes": opened,
        "rss_bytes": rss_bytes() - before,
        "template_pages": mapped_rss("templates.bin"),
        "index_pages": mapped_rss("index.postings"),
        "base_rss": before,
        "process_rss": rss_bytes(),
        "process_peak_rss": peak_rss_bytes(),
    }


def fresh_process_searches(path: Path, todo: list[Probe]) -> dict[str, object]:
    """``run_searches`` in a new interpreter, so that its resident set, peak included, is the
    searching process's alone (not the build's nor the probes' synthesis)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        return pool.submit(run_searches, path, todo, False).result()


def exhaustive_searches(path: Path, todo: list[Probe], workers: int) -> dict[str, object]:
    """Exhaustive searches split over worker processes (each compares the whole gallery)."""
    parts = [todo[w::workers] for w in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(run_searches, [path] * workers, parts, [True] * workers))
    merged: dict[str, object] = dict(results[0])
    for key in ("cpu", "wall", "ranks", "tops", "mate_scores", "compared"):
        rows: list[list[float]] = [list(r[key]) for r in results]  # type: ignore[call-overload]
        merged[key] = [rows[i % workers][i // workers] for i in range(len(todo))]
    return merged


def accuracy(
    todo: list[Probe], res: dict[str, object], kind: str | None = None
) -> dict[str, float]:
    ranks = np.array(res["ranks"])
    tops = np.array(res["tops"])
    mate = np.array(res["mate_scores"])
    mated = np.array([e is not None for e, _, _ in todo])
    sel = np.array([kind is None or k == kind for _, _, k in todo])
    threshold = threshold_for_fpir(tops[~mated], 0.01)
    m = mated & sel
    return {
        "rank1": float((ranks[m] == 1).mean()),
        "fnir_at_fpir1": float(((ranks[m] == 0) | (mate[m] < threshold)).mean()),
        "threshold_fpir1": threshold,
        "mated": int(m.sum()),
        "nonmated": int((~mated).sum()),
    }


def synth_rates() -> tuple[float, float]:
    """Synthetic image generation on one core: master prints and impressions per CPU second."""
    generate_master(1, 0)
    c0 = time.process_time()
    masters = [generate_master(11, i, FINGER) for i in range(5)]
    per_master = (time.process_time() - c0) / len(masters)
    render_impression(masters[0], 0)
    c0 = time.process_time()
    count = 0
    for master in masters:
        for index in range(1, 5):
            render_impression(master, index)
            count += 1
    per_impression = (time.process_time() - c0) / count
    return 1.0 / per_master, 1.0 / per_impression


def _build_note(build: dict[str, float]) -> str:
    if "copy_of" in build:
        return f"copied {build['build_s']:.0f} s into the build of {build['copy_of']:,.0f}"
    return f"built in {build['build_s']:.0f} s wall, {build['build_cpu_s']:.0f} CPU s"


def count_stats(fvc: dict[tuple[int, int], Template], todo: list[Probe]) -> dict[str, float]:
    """Minutiae per template: FVC2004 DB1_B (our extractor) beside the synthetic probes."""
    real = [len(t) for t in fvc.values()]
    synthetic = [len(p[FINGER]) for _, p, kind in todo if kind == "synthetic"]
    return {
        "minutiae_mean_db1b": round(float(np.mean(real)), 1),
        "minutiae_sd_db1b": round(float(np.std(real)), 1),
        "minutiae_mean_synthetic": round(float(np.mean(synthetic)), 1),
        "minutiae_sd_synthetic": round(float(np.std(synthetic)), 1),
    }


def template_rate() -> float:
    """Template-level synthesis on one core: master template, impression, engine template with
    cylinders, per CPU second."""
    c0 = time.process_time()
    _synth_chunk(0, 500, 0, 99)  # one core: this process
    return 500 / (time.process_time() - c0)


def exhaustive_comparison(
    path: Path, todo: list[Probe], mated_n: int, workers: int
) -> dict[str, float]:
    """Exhaustive against indexed search on the same probes: ``mated_n`` mated (spread evenly
    over real and synthetic) and a fifth as many non-mated."""
    mated = [p for p in todo if p[0] is not None]
    strangers = [p for p in todo if p[0] is None]
    subset = mated[:: max(1, len(mated) // mated_n)][:mated_n]
    subset += strangers[:: max(1, len(strangers) // (mated_n // 5))][: mated_n // 5]
    # The sweep costs ~100,000 comparisons a probe: its results are kept beside the gallery,
    # keyed by the probes, the gallery and the matcher's code, and reused until --fresh.
    digest = hashlib.sha256((path / "gallery.json").read_bytes())
    digest.update(Path(matcher.__file__).read_bytes())
    for expected, probe, _ in subset:
        digest.update(f"{expected}".encode() + probe[FINGER].to_bytes())
    cached = path / f"exhaustive-{digest.hexdigest()[:16]}.json"
    if cached.exists():
        full = json.loads(cached.read_text())
    else:
        full = exhaustive_searches(path, subset, workers)
        cached.write_text(json.dumps(full))
    cpu = float(np.sum(full["cpu"]))  # type: ignore[arg-type]
    fast = run_searches(path, subset, exhaustive=False)
    exh, idx = accuracy(subset, full), accuracy(subset, fast)
    exh_ranks, idx_ranks = np.array(full["ranks"]), np.array(fast["ranks"])
    mated_mask = np.array([e is not None for e, _, _ in subset])
    only_exh = int(((exh_ranks == 1) & (idx_ranks != 1) & mated_mask).sum())
    only_idx = int(((idx_ranks == 1) & (exh_ranks != 1) & mated_mask).sum())
    print(
        f"{'':>10}  same {exh['mated']} mated + {exh['nonmated']} non-mated probes, "
        f"exhaustive ({cpu:.0f} CPU s, p50 {1000 * np.median(full['cpu']):.0f} ms) against "
        f"indexed:\n{'':>12}rank-1 exhaustive {exh['rank1']:.2%}, indexed {idx['rank1']:.2%} "
        f"({100 * (idx['rank1'] - exh['rank1']):+.1f} points; mates at rank 1 only "
        f"exhaustively: {only_exh}, only indexed: {only_idx})\n{'':>12}FNIR@FPIR1% exhaustive "
        f"{exh['fnir_at_fpir1']:.2%}, indexed {idx['fnir_at_fpir1']:.2%} "
        f"(threshold from {exh['nonmated']} non-mated searches)"
    )
    return {
        "rank1_exhaustive": exh["rank1"],
        "rank1_indexed": idx["rank1"],
        "fnir_at_fpir1_exhaustive": exh["fnir_at_fpir1"],
        "fnir_at_fpir1_indexed_same_probes": idx["fnir_at_fpir1"],
        "exhaustive_mated_probes": exh["mated"],
        "exhaustive_nonmated_probes": exh["nonmated"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the 10,000 gallery alone")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--synthetic-probes", type=int, default=200)
    parser.add_argument("--exhaustive-probes", type=int, default=200)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--fresh", action="store_true", help="rebuild cached galleries")
    parser.add_argument("--keep", action="store_true", help="keep the 1,000,000 gallery")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    n_probes = 60 if args.quick else args.synthetic_probes

    fvc = fvc_templates()
    todo = probes(fvc, n_probes, n_probes, args.workers)
    figures: dict[str, object] = count_stats(fvc, todo)
    print(
        f"minutiae per template: DB1_B {figures['minutiae_mean_db1b']} "
        f"(sd {figures['minutiae_sd_db1b']}), synthetic {figures['minutiae_mean_synthetic']} "
        f"(sd {figures['minutiae_sd_synthetic']})"
    )
    header = (
        f"{'gallery':>10}{'p50 ms':>9}{'p99 ms':>9}{'wall p50':>9}{'search/s':>9}"
        f"{'RSS B/t':>9}{'index B/t':>10}{'disk B/t':>9}{'rank-1':>8}{'FNIR@1%':>9}{'penetr.':>9}"
    )
    build_gallery(max(sizes), fvc, args.workers, args.fresh, tuple(sizes))  # smaller on the way
    for size in sizes:
        path, build = build_gallery(size, fvc, args.workers, False, tuple(sizes))
        res = fresh_process_searches(path, todo)
        acc = accuracy(todo, res)
        cpu_ms = 1000 * np.array(res["cpu"])
        wall_ms = 1000 * np.array(res["wall"])
        templates = int(res["templates"])  # type: ignore[call-overload]
        resident = int(res["rss_bytes"])  # type: ignore[call-overload]
        template_pages = int(res["template_pages"])  # type: ignore[call-overload]
        # the gallery's memory: everything the searching process holds, with the whole index
        # counted (not just the pages the searches touched), but not the pages of
        # templates.bin it happened to read (memory-mapped, reclaimable; a search reads its
        # candidates' templates from disk)
        index_pages = int(res["index_pages"])  # type: ignore[call-overload]
        index_bytes = int(res["index_bytes"])  # type: ignore[call-overload]
        per_template = (resident - template_pages - index_pages + index_bytes) / templates
        index_per_template = int(res["index_bytes"]) / templates  # type: ignore[call-overload]
        sketch_per_template = int(res["sketch_bytes"]) / templates  # type: ignore[call-overload]
        disk = folder_bytes(path) / templates
        penetration = float(np.mean(res["compared"])) / templates  # type: ignore[arg-type]
        print(header)
        print(
            f"{size:>10,}{np.percentile(cpu_ms, 50):>9.1f}{np.percentile(cpu_ms, 99):>9.1f}"
            f"{np.percentile(wall_ms, 50):>9.1f}{1000 / cpu_ms.mean():>9.1f}"
            f"{per_template:>9.0f}{index_per_template:>10.0f}{disk:>9.0f}"
            f"{acc['rank1']:>8.2%}{acc['fnir_at_fpir1']:>9.2%}{penetration:>9.2%}"
        )
        process_rss = int(res["process_rss"])  # type: ignore[call-overload]
        process_peak = int(res["process_peak_rss"])  # type: ignore[call-overload]
        print(
            f"{'':>10}  {_build_note(build)}; accounted {per_template * templates / 2**30:.2f} "
            f"GiB; the searching process held {process_rss / 2**30:.2f} GiB resident after "
            f"{len(todo)} searches (peak {process_peak / 2**30:.2f} GiB), of which index "
            f"postings {index_pages / 2**30:.2f} GiB and template pages "
            f"{template_pages / 2**30:.2f} GiB; sketches {sketch_per_template:.0f} B/template "
            f"(in the accounted figure)"
        )
        for kind in ("fvc", "synthetic"):
            sub = accuracy(todo, res, kind)
            print(
                f"{'':>10}  {kind}: rank-1 {sub['rank1']:.2%} of {sub['mated']} mated, "
                f"FNIR@FPIR1% {sub['fnir_at_fpir1']:.2%}"
            )
        tag = {10_000: "10k", 100_000: "100k", 1_000_000: "1m"}.get(size, str(size))
        figures |= {
            f"p50_ms_{tag}": round(float(np.percentile(cpu_ms, 50)), 2),
            f"p99_ms_{tag}": round(float(np.percentile(cpu_ms, 99)), 2),
            f"p50_wall_ms_{tag}": round(float(np.percentile(wall_ms, 50)), 2),
            f"searches_per_s_{tag}": round(1000 / float(cpu_ms.mean()), 2),
            f"bytes_per_template_{tag}": round(per_template),
            f"resident_gib_{tag}": round(resident / 2**30, 3),
            f"rss_final_gib_{tag}": round(process_rss / 2**30, 3),
            f"rss_peak_gib_{tag}": round(process_peak / 2**30, 3),
            f"accounted_gib_{tag}": round(per_template * templates / 2**30, 3),
            f"resident_gib_without_template_pages_{tag}": round(
                (resident - template_pages) / 2**30, 3
            ),
            f"disk_bytes_per_template_{tag}": round(disk),
            f"index_bytes_per_template_{tag}": round(index_per_template),
            f"sketch_bytes_per_template_{tag}": round(sketch_per_template),
            f"rank1_indexed_{tag}": acc["rank1"],
            f"rank1_indexed_all_probes_{tag}": acc["rank1"],
            f"fnir_at_fpir1_{tag}": acc["fnir_at_fpir1"],
            f"penetration_{tag}": penetration,
            f"build_s_{tag}": round(build["build_s"], 1),
            f"build_cpu_s_{tag}": build.get("build_cpu_s"),
        }
        if size == max(sizes):
            figures["bytes_per_template"] = round(per_template)
        if args.exhaustive_probes and size == 100_000:
            # rank1_indexed_100k and rank1_exhaustive_100k: the same probes, both ways
            same = exhaustive_comparison(path, todo, args.exhaustive_probes, args.workers)
            figures |= {f"{k}_{tag}": v for k, v in same.items()}
        if size == 1_000_000 and not args.keep:
            shutil.rmtree(path)
    masters, impressions = synth_rates()
    templates_per_s = template_rate()
    print(
        f"synthesis, one core: {masters:.1f} masters/s, {impressions:.1f} impressions/s "
        f"(images); {templates_per_s:.0f} templates/s (template level)"
    )
    for key in (
        "p50_ms_100k",
        "p50_ms_1m",
        "p99_ms_1m",
        "rank1_indexed_100k",
        "rank1_exhaustive_100k",
        "fnir_at_fpir1_1m",
    ):
        figures.setdefault(key, None)
    figures.setdefault("bytes_per_template", None)
    figures["synth_masters_per_s"] = round(masters, 2)
    figures["synth_impressions_per_s"] = round(impressions, 2)
    figures["synth_templates_per_s"] = round(templates_per_s, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
