"""1:N search over a gallery: ranking, fusion, thresholds, persistence, deletion."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from scomm.biometrics import (
    Candidate,
    Comparator,
    Gallery,
    GalleryError,
    Searcher,
    Template,
    calibrate_threshold,
    minutiae_template,
    synthetic_probes,
    threshold_for_fpir,
)
from scomm.biometrics.sketch import SketchParams, sketch_scores, sketch_template
from scomm.biometrics.synthetic.templates import synthesize_master_template, template_impression
from scomm.domain import FingerPosition as F

SEED = 4242
INDEXES = (F.RIGHT_INDEX, F.LEFT_INDEX)
TEN = tuple(F(p) for p in range(1, 11))


def impression(identity: int, finger: F, index: int, seed: int = SEED) -> Template:
    return minutiae_template(
        template_impression(synthesize_master_template(seed, identity, finger), index)
    )


def person(identity: int, fingers: tuple[F, ...], index: int) -> dict[F, Template]:
    return {f: impression(identity, f, index) for f in fingers}


@pytest.fixture(scope="module")
def enrolled() -> dict[str, dict[F, Template]]:
    """40 people enrolled with both index fingers (impression 0)."""
    return {f"P{i:03d}": person(i, INDEXES, 0) for i in range(40)}


@pytest.fixture
def gallery(tmp_path: Path, enrolled: dict[str, dict[F, Template]]) -> Gallery:
    g = Gallery.open(tmp_path / "gallery")
    for subject, fingers in enrolled.items():
        g.enrol(subject, fingers)
    g.flush()
    return g


def test_mated_probes_are_found_at_rank_one(gallery: Gallery) -> None:
    assert gallery.index is not None and gallery.indexed == 80
    hits = 0
    for i in range(0, 40, 4):
        found = gallery.search({F.RIGHT_INDEX: impression(i, F.RIGHT_INDEX, 1)}, top_k=5)
        hits += found[0].subject_id == f"P{i:03d}"
        assert all(a.score >= b.score for a, b in itertools.pairwise(found))
    # DB1_B-like captures: now and then a probe shows too little of the finger to be found
    assert hits >= 9


def test_two_fingers_fuse_into_a_clearer_margin(gallery: Gallery) -> None:
    probe = person(7, INDEXES, 1)
    both = gallery.search(probe, top_k=2)
    assert both[0].subject_id == "P007"
    assert set(both[0].finger_scores) == set(INDEXES)
    assert both[0].score == pytest.approx(np.mean(list(both[0].finger_scores.values())))


def test_two_finger_probe_against_ten_finger_records(tmp_path: Path) -> None:
    g = Gallery.open(tmp_path / "tenprint")
    for i in range(6):
        g.enrol(f"T{i}", person(i, TEN, 0))
    probe = person(3, INDEXES, 2)  # legacy IDENT capture: both index fingers only
    found = g.search(probe, top_k=3)
    assert found[0].subject_id == "T3"
    assert set(found[0].finger_scores) == set(INDEXES)
    g.flush()  # index the records (until then late enrolments are all compared)
    searcher = Searcher(g, comparisons=4, min_subjects=2)  # fused votes pick two subjects
    assert searcher.search(person(4, TEN, 1), 1)[0].subject_id == "T4"
    assert searcher.last.compared == 20


def test_non_mated_probes_are_rejected_at_the_calibrated_threshold(gallery: Gallery) -> None:
    threshold = calibrate_threshold(gallery, [F.RIGHT_INDEX], fpir=0.05, searches=200)
    assert gallery.threshold([F.RIGHT_INDEX], fpir=0.05) == threshold  # stored, not redone
    assert gallery.thresholds["1@0.05"] == (threshold, 80)  # redone once the gallery grows
    strangers = synthetic_probes(100, [F.RIGHT_INDEX], seed=99)  # another seed: nobody enrolled
    tops = [gallery.search(p, 1)[0].score for p in strangers]
    assert sum(t >= threshold for t in tops) <= 12  # 5 expected; a 2-sided 99% margin
    mates = [gallery.search({F.RIGHT_INDEX: impression(i, F.RIGHT_INDEX, 1)}, 1) for i in (1, 2)]
    assert all(m[0].score >= threshold for m in mates)


def test_a_stored_threshold_survives_reopening_and_is_redone_once_the_gallery_grew(
    tmp_path: Path, gallery: Gallery, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scomm.biometrics.search as search

    threshold = calibrate_threshold(gallery, INDEXES, fpir=0.05, searches=100)
    gallery.close()
    again = Gallery.open(tmp_path / "gallery")
    assert again.thresholds == {"2@0.05": (threshold, 80)}  # saved with the template count
    redone: list[int] = []

    def calibrate(g: Gallery, positions: object, fpir: float) -> float:
        redone.append(g.template_count)
        return 0.5

    monkeypatch.setattr(search, "calibrate_threshold", calibrate)
    for number in range(10):  # 80 -> 100 templates: within 25 %, still the stored one
        again.enrol(f"N{number}", person(100 + number, INDEXES, 0))
    assert again.threshold(INDEXES, 0.05) == threshold and not redone
    assert again.threshold([F.RIGHT_INDEX], 0.05) == 0.5 and redone == [100]  # another count
    again.enrol("N10", person(110, INDEXES, 0))  # 102 templates: more than 25 % above 80
    assert again.threshold(INDEXES, 0.05) == 0.5 and redone == [100, 102]


def test_threshold_for_fpir_is_the_score_few_non_mated_searches_reach() -> None:
    tops = [i / 100 for i in range(100)]
    t = threshold_for_fpir(tops, 0.05)
    assert sum(s >= t for s in tops) == 5
    with pytest.raises(ValueError):
        threshold_for_fpir([], 0.01)


def test_gallery_survives_close_and_reopen(
    tmp_path: Path, gallery: Gallery, enrolled: dict[str, dict[F, Template]]
) -> None:
    probe = {F.LEFT_INDEX: impression(11, F.LEFT_INDEX, 1)}
    before = gallery.search(probe, top_k=3)
    gallery.close()
    again = Gallery.open(tmp_path / "gallery")
    assert len(again) == 40 and again.template_count == 80
    assert again.search(probe, top_k=3) == before
    stored = again.fingers("P005")[F.RIGHT_INDEX]
    assert stored.to_bytes() == enrolled["P005"][F.RIGHT_INDEX].to_bytes()


def test_deleting_a_subject_removes_it_from_results(tmp_path: Path, gallery: Gallery) -> None:
    probe = {F.RIGHT_INDEX: impression(9, F.RIGHT_INDEX, 1)}
    assert gallery.search(probe, 1)[0].subject_id == "P009"
    assert gallery.delete("P009")
    assert not gallery.delete("P009")
    assert "P009" not in gallery and len(gallery) == 39
    assert all(c.subject_id != "P009" for c in gallery.search(probe, 40))
    gallery.close()
    reopened = Gallery.open(tmp_path / "gallery")
    assert all(c.subject_id != "P009" for c in reopened.search(probe, 40))


def test_late_enrolments_are_searched_before_the_index_is_rebuilt(gallery: Gallery) -> None:
    gallery.enrol("NEW", {F.RIGHT_INDEX: impression(500, F.RIGHT_INDEX, 0)})
    assert gallery.indexed == 80  # not yet indexed
    found = gallery.search({F.RIGHT_INDEX: impression(500, F.RIGHT_INDEX, 1)}, 1)
    assert found == [Candidate("NEW", found[0].score, found[0].finger_scores)]


def test_re_enrolling_a_finger_replaces_it(gallery: Gallery) -> None:
    gallery.enrol("P000", {F.RIGHT_INDEX: impression(600, F.RIGHT_INDEX, 0)})
    assert gallery.template_count == 80
    found = gallery.search({F.RIGHT_INDEX: impression(600, F.RIGHT_INDEX, 1)}, 1)
    assert found[0].subject_id == "P000"


def test_indexed_search_agrees_with_exhaustive_at_rank_one(gallery: Gallery) -> None:
    searcher = Searcher(gallery, comparisons=20, min_subjects=4)
    agree = 0
    for i in range(0, 40, 8):
        probe = {F.LEFT_INDEX: impression(i, F.LEFT_INDEX, 3)}
        indexed = searcher.search(probe, 1)
        assert searcher.last.compared == 20  # the index proposed half of the gallery
        agree += indexed[0].subject_id == searcher.search(probe, 1, exhaustive=True)[0].subject_id
    # a capture that barely overlaps its enrolment (as real ones sometimes do) may score its
    # mate near impostor level, and then the index need not propose it
    assert agree >= 4


def test_bad_input_is_refused_with_a_reason(tmp_path: Path, gallery: Gallery) -> None:
    with pytest.raises(ValueError, match="no fingers"):
        gallery.search({}, 1)
    with pytest.raises(ValueError, match="no fingers"):
        gallery.enrol("X", {})
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "file.txt").write_text("x")
    with pytest.raises(GalleryError, match="not a gallery"):
        Gallery.open(tmp_path / "junk")
    meta_path = tmp_path / "gallery" / "gallery.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps(meta | {"mcc_version": -1}))
    with pytest.raises(GalleryError, match="MCC version -1"):
        Gallery.open(tmp_path / "gallery")
    meta_path.write_text("{broken")
    with pytest.raises(GalleryError, match="unreadable"):
        Gallery.open(tmp_path / "gallery")


def test_scores_read_from_the_gallery_equal_the_matchers(gallery: Gallery) -> None:
    gallery.enrol("NEW", {F.RIGHT_INDEX: impression(700, F.RIGHT_INDEX, 0)})  # not yet written
    probe = impression(3, F.RIGHT_INDEX, 1)
    numbers = np.array([gallery.number_of(s, F.RIGHT_INDEX) for s in ("P003", "P004", "NEW")])
    comparator = Comparator()
    expected = [comparator.compare(probe, gallery.template_at(int(n))) for n in numbers]
    scores = gallery.score(comparator, probe, numbers)
    assert scores.tolist() == expected and scores[0] > 3 * max(scores[1:])


def test_bulk_enrolment_indexes_once_at_the_end(tmp_path: Path) -> None:
    g = Gallery.open(tmp_path / "bulk")
    with g.bulk_enrolment():
        for i in range(30):
            g.enrol(f"B{i}", {F.RIGHT_INDEX: impression(i, F.RIGHT_INDEX, 0)})
        assert g.indexed == 0
    assert g.indexed == 30 and g.index is not None
    assert g.search({F.RIGHT_INDEX: impression(7, F.RIGHT_INDEX, 1)}, 1)[0].subject_id == "B7"


def test_a_stored_template_sketches_like_the_template(gallery: Gallery) -> None:
    sketches = gallery.sketches
    assert sketches.count == gallery.indexed == 80
    for number in (0, 17, 79):
        alone = sketch_template(gallery.template_at(number), gallery.params.min_set_cells)
        a, b = sketches.offsets[number], sketches.offsets[number + 1]
        assert b - a == alone.bits.size > 10
        assert np.array_equal(alone.bits, sketches.bits[a:b])
        assert np.array_equal(alone.directions, sketches.directions[a:b])
        assert np.array_equal(alone.xy, sketches.xy[a:b])


def test_a_mates_sketch_agrees_best_with_the_probe(gallery: Gallery) -> None:
    numbers = np.array([gallery.number_of(f"P{i:03d}", F.RIGHT_INDEX) for i in range(40)])
    first = 0
    for i in range(0, 40, 4):
        probe = sketch_template(impression(i, F.RIGHT_INDEX, 1), gallery.params.min_set_cells)
        scores = sketch_scores(probe, gallery.sketches, numbers, SketchParams())
        assert scores.shape == (40,) and scores.min() >= 0
        first += int(np.argmax(scores)) == i
    assert first >= 8


def test_the_sketches_choose_what_is_compared(gallery: Gallery) -> None:
    searcher = Searcher(gallery, comparisons=4, min_subjects=1, by_votes=0.0)
    hits = 0
    for i in range(1, 40, 4):
        found = searcher.search({F.RIGHT_INDEX: impression(i, F.RIGHT_INDEX, 1)}, 1)
        assert searcher.last.proposed == 4 < searcher.last.shortlisted
        hits += found[0].subject_id == f"P{i:03d}"
    assert hits >= 8


def test_sketches_are_kept_with_the_gallery_and_remade_when_missing(
    tmp_path: Path, gallery: Gallery
) -> None:
    before = gallery.sketches
    gallery.enrol("Q", {F.RIGHT_INDEX: impression(700, F.RIGHT_INDEX, 0)})
    gallery.close()
    folder = tmp_path / "gallery"
    with Gallery.open(folder) as reopened:
        kept = reopened.sketches
    assert kept.count == 81
    assert np.array_equal(kept.bits[: before.bits.size], before.bits)
    assert np.array_equal(kept.offsets[:81], before.offsets)
    (folder / "sketch.npz").unlink()
    with Gallery.open(folder) as remade:
        for name in ("bits", "directions", "xy", "offsets"):
            assert np.array_equal(getattr(remade.sketches, name), getattr(kept, name))
    assert (folder / "sketch.npz").exists()


def test_a_gallery_of_another_format_version_is_refused(tmp_path: Path, gallery: Gallery) -> None:
    gallery.close()
    meta_path = tmp_path / "gallery" / "gallery.json"
    meta_path.write_text(json.dumps(json.loads(meta_path.read_text()) | {"version": 1}))
    with pytest.raises(GalleryError, match=r"version 1 scomm gallery.*re-enrol"):
        Gallery.open(tmp_path / "gallery")


def test_an_index_of_32_bit_postings_is_rebuilt_on_open(tmp_path: Path, gallery: Gallery) -> None:
    """Galleries indexed before postings took 3 bytes: the index is rebuilt from the stored
    keys when the gallery is opened, and searches find what they found before."""
    probe = {F.RIGHT_INDEX: impression(5, F.RIGHT_INDEX, 1)}
    before = gallery.search(probe, 3)
    gallery.close()
    folder = tmp_path / "gallery"
    postings = folder / "index.postings"
    packed = np.fromfile(postings, dtype=np.uint8).reshape(-1, 3)
    wide = np.zeros((len(packed), 4), dtype=np.uint8)
    wide[:, :3] = packed
    wide.tofile(postings)
    np.save(folder / "index.bases.npy", np.load(folder / "index.bases.npy"))
    meta = json.loads((folder / "gallery.json").read_text())
    del meta["posting_bytes"]
    (folder / "gallery.json").write_text(json.dumps(meta))
    with Gallery.open(folder) as reopened:
        assert reopened.search(probe, 3) == before
    assert postings.stat().st_size == packed.size
    assert json.loads((folder / "gallery.json").read_text())["posting_bytes"] == 3


def test_synthetic_probes_are_deterministic_and_distinct() -> None:
    a = synthetic_probes(2, [F.RIGHT_INDEX], seed=5)
    b = synthetic_probes(2, [F.RIGHT_INDEX], seed=5)
    c = synthetic_probes(2, [F.RIGHT_INDEX], seed=6)
    assert a[0][F.RIGHT_INDEX].to_bytes() == b[0][F.RIGHT_INDEX].to_bytes()
    assert a[0][F.RIGHT_INDEX].to_bytes() != a[1][F.RIGHT_INDEX].to_bytes()
    assert a[0][F.RIGHT_INDEX].to_bytes() != c[0][F.RIGHT_INDEX].to_bytes()


def _resident_bytes_of(path: Path) -> int:
    """Resident bytes of this process's mappings of ``path`` (Linux /proc)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
            inside = len(fields) >= 6 and fields[-1] == str(path)
        elif inside and fields[0] == "Rss:":
            total += int(fields[1]) * 1024
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="needs Linux /proc")
def test_searching_lets_go_of_the_template_pages_it_read(
    tmp_path: Path, gallery: Gallery, monkeypatch: pytest.MonkeyPatch
) -> None:
    gallery.close()
    reopened = Gallery.open(tmp_path / "gallery")
    probe = {F.RIGHT_INDEX: impression(9, F.RIGHT_INDEX, 1)}
    templates = (tmp_path / "gallery" / "templates.bin").resolve()
    kept = Searcher(reopened).search(probe, 5, exhaustive=True)
    assert _resident_bytes_of(templates) > 0  # under the budget: the pages stay mapped
    monkeypatch.setattr("scomm.biometrics.gallery.MAPPED_READ_BUDGET", 0)
    assert Searcher(reopened).search(probe, 5, exhaustive=True) == kept
    assert _resident_bytes_of(templates) == 0


def test_probes_of_many_fingers_skip_the_sketches(gallery: Gallery) -> None:
    """Three fingers (one not enrolled) are past SKETCH_MAX_FINGERS: fused votes alone choose,
    and the mate is still found; two fingers still go through the sketch stage."""
    searcher = Searcher(gallery, comparisons=6, min_subjects=1, by_votes=0.0)
    for i in (3, 21):
        two = {f: impression(i, f, 1) for f in INDEXES}
        three = two | {F.RIGHT_THUMB: impression(i, F.RIGHT_THUMB, 1)}
        assert searcher.search(two, 1)[0].subject_id == f"P{i:03d}"
        assert searcher.last.shortlisted > searcher.last.proposed
        assert searcher.search(three, 1)[0].subject_id == f"P{i:03d}"
        assert searcher.last.shortlisted == 0 and searcher.last.proposed == 2


def test_a_template_enrolled_in_two_galleries_is_stored_alike(tmp_path: Path) -> None:
    """The stored form is made once per template (``enrolment.stored_template``): both galleries
    hold the bytes and keys a gallery of its own makes."""
    templates = {
        F.RIGHT_INDEX: minutiae_template(template_impression(synthesize_master_template(3, 1), 0)),
        F.LEFT_INDEX: minutiae_template(template_impression(synthesize_master_template(3, 2), 0)),
    }
    folders = ("first", "second", "alone")
    for name in folders[:2]:
        with Gallery.open(tmp_path / name) as gallery:
            gallery.enrol("A", templates)
    alone = {f: Template.from_bytes(t.to_bytes()) for f, t in templates.items()}  # new objects
    with Gallery.open(tmp_path / "alone") as gallery:
        gallery.enrol("A", alone)
    files = [sorted(p.name for p in (tmp_path / name).iterdir()) for name in folders]
    assert files[0] == files[1] == files[2] and "templates.bin" in files[0]
    for file in files[0]:
        contents = [(tmp_path / name / file).read_bytes() for name in folders]
        assert contents[0] == contents[1] == contents[2], file
