from __future__ import annotations

import itertools
import math

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.biometrics import (
    Extractor,
    FingerprintImage,
    Matcher,
    Minutia,
    MinutiaType,
    Template,
    compare,
    from_iso19794_2,
    to_iso19794_2,
)
from scomm.biometrics.matcher import Comparator, MatcherParams
from scomm.biometrics.search import minutiae_template
from scomm.biometrics.synthetic.templates import synthesize_master_template, template_impression
from scomm.domain import FingerPosition

Templates = dict[tuple[int, int], Template]


def test_genuine_pairs_score_far_above_impostor_pairs(fvc_templates: Templates) -> None:
    keys = sorted(fvc_templates)
    genuine, impostor = [], []
    for a, b in itertools.combinations(keys, 2):
        score = compare(fvc_templates[a], fvc_templates[b])
        assert 0.0 <= score <= 1.0
        (genuine if a[0] == b[0] else impostor).append(score)
    assert np.mean(genuine) > 3 * np.mean(impostor)
    assert np.median(genuine) > np.percentile(impostor, 95)


def test_a_print_matches_itself(fvc_templates: Templates) -> None:
    matcher = Matcher()
    for template in fvc_templates.values():
        assert matcher.decide(template, template).match


def _moved(template: Template, angle: float, dx: float, dy: float) -> Template:
    c, s = math.cos(angle), math.sin(angle)
    cx, cy = template.width / 2, template.height / 2
    moved = []
    for m in template.minutiae:
        x = cx + c * (m.x - cx) - s * (m.y - cy) + dx
        y = cy + s * (m.x - cx) + c * (m.y - cy) + dy
        if 0 <= x < template.width and 0 <= y < template.height:
            moved.append(Minutia(x, y, m.theta + angle, m.kind, m.reliability))
    return Template.create(moved, template.width, template.height)


def test_rotated_and_translated_template_still_matches(fvc_templates: Templates) -> None:
    matcher = Matcher()
    original = fvc_templates[101, 1]
    for angle, dx, dy in ((0.5, 20, -15), (-0.8, -10, 25), (1.3, 0, 0)):
        assert matcher.decide(original, _moved(original, angle, dx, dy)).match


def test_directions_more_than_a_quarter_turn_apart_are_not_paired(
    fvc_templates: Templates,
) -> None:
    # MCC compares only minutiae within 90 degrees of each other: an upside-down print
    # is not a capture that happens, and allowing it would double the chance pairings.
    original = fvc_templates[101, 1]
    assert not Matcher().decide(original, _moved(original, math.pi, 0, 0)).match


def test_rotated_image_matches_its_original(fvc_image: FingerprintImage) -> None:
    extractor = Extractor()
    original = extractor.run(fvc_image).template
    h, w = fvc_image.pixels.shape
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), 25.0, 1.0)
    rotation[:, 2] += (15, -10)
    turned = cv2.warpAffine(fvc_image.pixels, rotation, (w, h), borderValue=255)
    moved = extractor.run(FingerprintImage(turned.astype(np.uint8))).template
    assert Matcher().decide(original, moved).match


def test_iso_exported_templates_still_match(fvc_templates: Templates) -> None:
    a = from_iso19794_2(to_iso19794_2(fvc_templates[102, 1]))
    b = from_iso19794_2(to_iso19794_2(fvc_templates[102, 2]))
    assert abs(compare(a, b) - compare(fvc_templates[102, 1], fvc_templates[102, 2])) < 0.05


def test_empty_templates_score_zero(fvc_templates: Templates) -> None:
    empty = Template.create([], 640, 480)
    assert compare(empty, fvc_templates[101, 1]) == 0.0
    assert compare(empty, empty) == 0.0


def test_compare_many_scores_a_gallery_in_order(fvc_templates: Templates) -> None:
    from scomm.biometrics import Comparator

    gallery = [fvc_templates[k] for k in sorted(fvc_templates)]
    probe = fvc_templates[103, 2]
    scores = Comparator().compare_many(probe, gallery)
    assert scores.shape == (len(gallery),)
    assert list(scores) == [compare(probe, t) for t in gallery]
    best = sorted(fvc_templates)[int(scores.argmax())]
    assert best == (103, 2)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(
            Minutia,
            x=st.floats(0, 639),
            y=st.floats(0, 479),
            theta=st.floats(0, 6.28),
            kind=st.sampled_from(list(MinutiaType)),
            reliability=st.floats(0, 1),
        ),
        max_size=80,
    ),
    st.lists(st.tuples(st.floats(0, 639), st.floats(0, 479), st.floats(0, 6.28)), max_size=80),
)
def test_any_templates_compare_within_bounds(
    ms: list[Minutia], others: list[tuple[float, float, float]]
) -> None:
    a = Template.create(ms, 640, 480)
    b = Template.create([Minutia(x, y, t, MinutiaType.ENDING, 0.5) for x, y, t in others], 640, 480)
    assert 0.0 <= compare(a, b) <= 1.0
    assert 0.0 <= compare(a, a) <= 1.0


def test_the_consensus_check_lowers_impostors_far_more_than_mates() -> None:
    """Impostors' best scores rest on a few locally compatible pairs that no single alignment
    of the whole print explains; mates' and a print's own do not."""
    fingers = [
        [
            minutiae_template(
                template_impression(synthesize_master_template(77, i, FingerPosition.LEFT_INDEX), k)
            )
            for k in range(2)
        ]
        for i in range(30)
    ]
    checked, unchecked = Comparator(), Comparator(MatcherParams(consensus_full=1.0))

    def scores(c: Comparator) -> tuple[float, float]:
        mated = np.mean([c.compare(a, b) for a, b in fingers])
        impostor = [
            c.compare(fingers[i][0], fingers[j][1]) for i, j in itertools.permutations(range(30), 2)
        ]
        return float(mated), float(np.mean(np.sort(impostor)[-30:]))

    (mated_on, impostor_on), (mated_off, impostor_off) = scores(checked), scores(unchecked)
    assert mated_on > 0.95 * mated_off
    assert impostor_on < 0.85 * impostor_off
    own = fingers[0][0]
    assert checked.compare(own, own) == unchecked.compare(own, own)
