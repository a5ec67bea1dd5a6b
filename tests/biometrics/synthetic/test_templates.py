"""Template-level synthesis: realistic minutiae statistics without images."""

from __future__ import annotations

import numpy as np

from scomm.biometrics import compare
from scomm.biometrics.synthetic import generate_master, render_impression
from scomm.biometrics.synthetic.minutiae import ENDING
from scomm.biometrics.synthetic.templates import (
    synthesize_master_template,
    template_impression,
    to_engine_template,
)


def test_deterministic_and_distinct_per_identity() -> None:
    a = synthesize_master_template(3, 100, 7)
    assert a.minutiae.same_as(synthesize_master_template(3, 100, 7).minutiae)
    assert not a.minutiae.same_as(synthesize_master_template(3, 101, 7).minutiae)
    assert template_impression(a, 1).same_as(template_impression(a, 1))
    assert not template_impression(a, 1).same_as(template_impression(a, 2))


def test_flat_templates_have_realistic_statistics() -> None:
    counts, endings, spacing = [], [], []
    for identity in range(120):
        template = template_impression(synthesize_master_template(9, identity, 2), 0)
        counts.append(len(template))
        endings.append(float(np.mean(template.kind == ENDING)))
        assert np.all((template.x >= 0) & (template.x <= 399))
        assert np.all((template.y >= 0) & (template.y <= 399))
        d = np.hypot(template.x[:, None] - template.x, template.y[:, None] - template.y)
        spacing.append(float(np.median(np.sort(d, axis=1)[:, 1])))
    # FVC2004 DB1_B through our extractor: 38.1 minutiae a print, sd 12.5
    assert 34 <= np.mean(counts) <= 42 and 7 <= np.std(counts) <= 15
    assert 0.4 < np.mean(endings) < 0.7
    # nearest-neighbour distance of real minutiae is a few ridge periods
    assert 15 < np.median(spacing) < 50


def test_directions_follow_the_ridge_flow() -> None:
    master = synthesize_master_template(2, 5, 2)
    m = master.minutiae
    ridge = master.pattern.normal_angle(m.x.astype(float), m.y.astype(float)) - np.pi / 2
    # parallel or anti-parallel to the ridge direction
    assert np.allclose(np.abs(np.cos(m.theta - ridge)), 1.0, atol=1e-3)


def test_template_of_a_master_print_lines_up_with_its_image() -> None:
    master = generate_master(4, 8, 7)
    image_truth = render_impression(master, 0).minutiae
    template = template_impression(master, 0)
    # most template minutiae lie within a few pixels of a true minutia of the image
    d = np.hypot(template.x[:, None] - image_truth.x, template.y[:, None] - image_truth.y)
    matched = d.min(axis=1) < 8
    assert matched.mean() > 0.7
    assert abs(len(template) - len(image_truth)) < 0.35 * len(image_truth)


def test_engine_tells_mated_template_impressions_from_others() -> None:
    masters = [synthesize_master_template(5, identity, 2) for identity in range(6)]
    first = [to_engine_template(template_impression(m, 0)) for m in masters]
    second = [to_engine_template(template_impression(m, 1)) for m in masters]
    mated = [compare(a, b) for a, b in zip(first, second, strict=True)]
    others = [compare(first[i], second[j]) for i in range(6) for j in range(6) if i != j]
    assert min(mated) > max(others)
    assert len(first[0]) == len(template_impression(masters[0], 0))
