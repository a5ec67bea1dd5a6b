"""1:N identification: index votes, a sketch stage, full 1:1 re-ranking, fusion across fingers.

A search takes a probe's templates by finger position, in three stages. For each probe finger
the index (``index.py``) votes for the gallery templates of that position by hash collisions,
and the subjects with most votes (fused across fingers) make a shortlist of thousands. Their
in-memory sketches (``sketch.sketch_scores``: a few agreeing cylinders in agreeing geometry)
pick the few hundred that get the full 1:1 comparison on all the probe's fingers; templates
enrolled since the last index build are added as they are. A subject's fused score is the mean
over the probe's fingers (a finger the subject lacks scores 0): the sum rule, which a 2-finger
IDENT probe and a 10-finger CJIS probe share. Candidates come back ranked by fused score.

Whether the best candidate is a hit is decided by a threshold chosen for a target false
positive identification rate (FPIR): the share of searches for people not in the gallery that
would still return a candidate at or above it. The threshold depends on the gallery's size and
the number of probe fingers, so it is calibrated per gallery (``calibrate_threshold``) with
non-mated searches, by default synthetic people no gallery holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.gallery import Gallery
from scomm.biometrics.index import top_voted
from scomm.biometrics.matcher import Comparator
from scomm.biometrics.sketch import SketchParams, sketch_scores, sketch_template
from scomm.biometrics.template import Template
from scomm.biometrics.thresholds import threshold_for_fmr
from scomm.domain import FingerPosition

Probe = Mapping[FingerPosition, Template]
DEFAULT_FPIR = 0.01
COMPARISONS = 300
"""Budget of full 1:1 comparisons per search: single-finger searches re-rank 300 subjects, a
two-finger search 150, a ten-finger search the best ``MIN_SUBJECTS`` (fused index votes and
sketches agree far more with ten fingers)."""
SHORTLIST = 5000
"""Subjects (for a single finger; divided among the fingers of larger probes) taken by index
votes to the sketch stage, which picks the ``COMPARISONS`` that are fully compared. At 100,000
templates the mates that the full matcher puts first and votes alone lost were at vote ranks
653 to 4,294 (and one at 56,128); the sketches bring those within 5,000 to the first few
hundred (docs/search.md)."""
BY_VOTES = 1 / 3
"""Share of the compared subjects taken by votes alone, before the sketches choose the rest:
a mate with many votes but one of few cylinders to sketch stays in (at 100,000 templates, two
of 120 mates at vote rank 18 fell to sketch ranks 314 and 1,377)."""
SKETCH_MAX_FINGERS = 2
"""Probes with more fingers than this skip the sketch stage: ten fingers' fused votes already
put the mate first (the demo's FBI searches found 110 of 110 on file by votes alone), while
sketching 500 subjects on ten fingers made the demo's tenprint searches dearer (a first run's
FBI calibration and full replay, ~25 CPU-s together)."""
MIN_SUBJECTS = 50
RECALIBRATE_AFTER = 0.25
"""FPIR grows with the gallery: a threshold is redone once the gallery changed size by this."""
CALIBRATION_SEED = 0x5C0FF
"""Seed of the synthetic non-mated probes (identities drawn from it are enrolled nowhere)."""


@dataclass(frozen=True)
class Candidate:
    subject_id: str
    score: float
    """Fused score: mean over the probe's fingers of the 1:1 scores in [0, 1]."""
    finger_scores: Mapping[FingerPosition, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchStats:
    """What one search cost: subjects proposed, templates fully compared, and the templates
    enrolled at the probe's finger positions."""

    proposed: int
    compared: int
    gallery_templates: int
    shortlisted: int = 0
    """Subjects whose sketches were compared (the middle stage)."""

    @property
    def penetration(self) -> float:
        """Share of the gallery's templates (at the probe's positions) fully compared."""
        return self.compared / self.gallery_templates if self.gallery_templates else 0.0


class Searcher:
    """Runs searches against a gallery with one comparator (and its compiled code)."""

    def __init__(
        self,
        gallery: Gallery,
        comparator: Comparator | None = None,
        comparisons: int = COMPARISONS,
        min_subjects: int = MIN_SUBJECTS,
        shortlist: int = SHORTLIST,
        sketch: SketchParams | None = None,
        by_votes: float = BY_VOTES,
    ) -> None:
        self.gallery = gallery
        self.comparator = comparator or Comparator()
        self.comparisons = comparisons
        self.min_subjects = min_subjects
        self.shortlist = shortlist
        """Subjects taken by votes to the sketch stage (0: none; votes pick the compared)."""
        self.sketch = sketch or SketchParams()
        self.by_votes = by_votes
        self._shortlisted = 0
        self.last = SearchStats(0, 0, 0)
        self._masks: dict[int, tuple[int, npt.NDArray[np.bool_]]] = {}

    def search(self, probe: Probe, top_k: int = 10, exhaustive: bool = False) -> list[Candidate]:
        if not probe:
            raise ValueError("probe has no fingers")
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        g = self.gallery
        owners = g.subject_numbers()
        at = [self._allowed(int(FingerPosition(p))) for p in probe]
        self._shortlisted = 0
        if exhaustive or g.index is None:
            chosen = np.unique(np.concatenate([owners[a] for a in at])).astype(np.int64)
        else:
            chosen = self._retrieve(probe, owners)
        total = np.zeros(chosen.size, dtype=np.float64)
        per_finger: dict[FingerPosition, npt.NDArray[np.float64]] = {}
        compared = 0
        for position, template in probe.items():
            numbers = g.finger_numbers(chosen, int(FingerPosition(position)))
            has = numbers >= 0
            scores = np.zeros(chosen.size, dtype=np.float64)
            scores[has] = g.score(self.comparator, template, numbers[has].astype(np.int64))
            compared += int(has.sum())
            per_finger[FingerPosition(position)] = scores
            total += scores
        total /= len(probe)
        at_positions = sum(int(np.count_nonzero(a)) for a in at)
        self.last = SearchStats(int(chosen.size), compared, at_positions, self._shortlisted)
        keep = np.arange(chosen.size)
        if chosen.size > top_k:  # ties at the cut are kept, to be broken by name
            keep = np.flatnonzero(total >= np.partition(total, chosen.size - top_k)[-top_k])
        names = {int(i): g.subject_name(int(chosen[i])) for i in keep}
        order = sorted(names, key=lambda i: (-total[i], names[i]))[:top_k]
        return [
            Candidate(names[i], float(total[i]), {p: float(f[i]) for p, f in per_finger.items()})
            for i in order
        ]

    def _allowed(self, position: int) -> npt.NDArray[np.bool_]:
        """Live templates of a finger position, kept until the gallery changes."""
        g = self.gallery
        cached = self._masks.get(position)
        if cached is None or cached[0] != g.generation:
            cached = (g.generation, g.live_mask() & (g.positions() == position))
            self._masks[position] = cached
        return cached[1]

    def _retrieve(self, probe: Probe, owners: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
        """Subjects worth the full comparison: index votes fused across the probe's fingers
        (each finger's votes scaled to its best) shortlist ``shortlist / fingers`` subjects,
        whose sketches choose the best ``comparisons / fingers`` (at least ``min_subjects``);
        and every subject enrolled since the index was built."""
        g = self.gallery
        index = g.index
        assert index is not None
        fused = np.zeros(g.subject_slots, dtype=np.float64)
        late: list[npt.NDArray[np.int32]] = []
        for position, template in probe.items():
            pos = int(FingerPosition(position))
            # Keys carry the position, but hashed buckets are shared: mask the other fingers.
            allowed = self._allowed(pos)
            votes = index.votes(template, pos, allowed[: index.size])
            _add_by_owner(votes, owners, fused)
            late.append(owners[index.size :][allowed[index.size :]])
        wanted = max(self.min_subjects, self.comparisons // len(probe))
        sketching = len(probe) <= SKETCH_MAX_FINGERS
        listed = self.shortlist // len(probe) if sketching else 0
        shortlist = top_voted(fused, max(wanted, listed))
        chosen = shortlist[:wanted]
        if shortlist.size > wanted:
            self._shortlisted = int(shortlist.size)
            voted = int(wanted * self.by_votes)
            rest = shortlist[voted:]
            agreement = self._sketch_agreement(probe, rest)
            sketched = rest[np.argsort(-agreement, kind="stable")[: wanted - voted]]
            chosen = np.concatenate([shortlist[:voted], sketched])
        return np.unique(np.concatenate([chosen, *late]).astype(np.int64))

    def _sketch_agreement(
        self, probe: Probe, subjects: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """Per subject: its sketches' agreement with the probe's fingers, each finger's scaled
        to its best and summed (0 for a finger not sketched: it was enrolled since the index
        was built, and is compared anyway)."""
        g = self.gallery
        sketches = g.sketches
        total = np.zeros(subjects.size, dtype=np.float64)
        for position, template in probe.items():
            numbers = g.finger_numbers(subjects, int(FingerPosition(position))).astype(np.int64)
            has = (numbers >= 0) & (numbers < sketches.count)
            mine = sketch_template(template, g.params.min_set_cells)
            scores = sketch_scores(mine, sketches, numbers[has], self.sketch)
            best = float(scores.max()) if scores.size else 0.0
            if best > 0:
                total[has] += scores / best
        return total


@compiled()
def _add_by_owner(
    votes: npt.NDArray[np.float32], owners: npt.NDArray[np.int32], fused: npt.NDArray[np.float64]
) -> None:
    """Add each template's votes, scaled to the best, to its subject's: one pass, where
    ``np.bincount`` with weights took 2 of a search's 10 ms of retrieval at 100,000 templates
    (and grows with the gallery). The same sums, in the same order."""
    best = np.float32(0.0)
    for i in range(votes.size):
        best = max(best, votes[i])
    if best <= 0:
        return
    for i in range(votes.size):
        if votes[i] > 0:
            fused[owners[i]] += np.float32(votes[i] / best)


def search(gallery: Gallery, probe: Probe, top_k: int = 10) -> list[Candidate]:
    """Ranked candidates for ``probe`` (templates by finger position) in ``gallery``."""
    return Searcher(gallery).search(probe, top_k)


def threshold_for_fpir(nonmated_top_scores: Iterable[float], fpir: float) -> float:
    """Lowest fused score that at most ``fpir`` of non-mated searches' best candidates reach.

    A non-mated search that returned no candidate counts with score 0.
    """
    return threshold_for_fmr(np.fromiter(nonmated_top_scores, dtype=np.float64), fpir)


def synthetic_probes(
    count: int, positions: Iterable[FingerPosition], seed: int = CALIBRATION_SEED
) -> list[dict[FingerPosition, Template]]:
    """Template-level synthetic probes of ``count`` people (identities 0..count-1 of ``seed``)."""
    from scomm.biometrics.synthetic.templates import (
        synthesize_master_template,
        template_impression,
    )

    fingers = [FingerPosition(p) for p in positions]
    probes = []
    for identity in range(count):
        probe = {}
        for finger in fingers:
            master = synthesize_master_template(seed, identity, finger)
            probe[finger] = minutiae_template(template_impression(master, 1))
        probes.append(probe)
    return probes


def minutiae_template(truth: object, width: int = 400, height: int = 400) -> Template:
    """A matcher template from synthetic minutiae (``GroundTruthMinutiae``, 400 x 400 flats)."""
    from scomm.biometrics.synthetic.minutiae import GroundTruthMinutiae
    from scomm.biometrics.synthetic.templates import to_engine_template

    if not isinstance(truth, GroundTruthMinutiae):
        raise TypeError(f"expected GroundTruthMinutiae, got {type(truth).__name__}")
    return to_engine_template(truth, (height, width))


def threshold_key(fingers: int, fpir: float) -> str:
    return f"{fingers}@{fpir!r}"


def calibrate_threshold(
    gallery: Gallery,
    positions: Iterable[FingerPosition],
    fpir: float = DEFAULT_FPIR,
    searches: int = 200,
    probes: Iterable[Probe] | None = None,
) -> float:
    """Threshold at ``fpir`` for probes of these finger positions, stored in the gallery.

    Runs ``searches`` non-mated searches (synthetic people unless ``probes`` are given) and
    keeps the threshold in the gallery's metadata (saved by ``flush``/``close``).
    """
    fingers = sorted({FingerPosition(p) for p in positions})
    if not 0.0 < fpir < 1.0:
        raise ValueError(f"target FPIR must be in (0, 1), got {fpir}")
    if probes is None:
        probes = synthetic_probes(searches, fingers)
    searcher = Searcher(gallery)
    tops = [(found[0].score if (found := searcher.search(p, 1)) else 0.0) for p in probes]
    if len(tops) * fpir < 1:
        raise ValueError(f"{len(tops)} non-mated searches cannot resolve an FPIR of {fpir}")
    return store_threshold(gallery, len(fingers), fpir, threshold_for_fpir(tops, fpir))


def store_threshold(gallery: Gallery, fingers: int, fpir: float, value: float) -> float:
    """Keep ``value`` as the gallery's threshold at ``fpir`` for probes of ``fingers`` fingers,
    valid for its present size (``stored_thresholds``; saved by its next ``flush``)."""
    gallery.thresholds[threshold_key(fingers, fpir)] = (value, gallery.template_count)
    gallery.mark_changed()
    return value


def stored_thresholds(gallery: Gallery, fpir: float = DEFAULT_FPIR) -> dict[int, float]:
    """The gallery's calibrated thresholds at ``fpir`` by probe finger count, those still valid:
    calibrated when the gallery held within ``RECALIBRATE_AFTER`` of its present templates."""
    found = {}
    for key, (threshold, size) in gallery.thresholds.items():
        fingers, _, at = key.partition("@")
        fresh = abs(gallery.template_count - size) <= RECALIBRATE_AFTER * max(size, 1)
        if at == repr(fpir) and fresh:
            found[int(fingers)] = threshold
    return found


def decision_threshold(
    gallery: Gallery, positions: Iterable[FingerPosition], fpir: float = DEFAULT_FPIR
) -> float:
    """The gallery's calibrated threshold for probes of these fingers, calibrated again (with
    template-level synthetic probes) when there is none or the gallery has since grown or shrunk
    by more than ``RECALIBRATE_AFTER``. Galleries searched with probes extracted from images
    use ``scomm.agencies.full_calibration.operating_threshold`` instead."""
    fingers = {FingerPosition(p) for p in positions}
    stored = stored_thresholds(gallery, fpir).get(len(fingers))
    if stored is not None:
        return stored
    return calibrate_threshold(gallery, fingers, fpir)
