"""Impressions: deterministic live-scan images whose truth follows the skin."""

from __future__ import annotations

import numpy as np
import pytest

from scomm.biometrics.synthetic import generate_master, render_impression
from scomm.biometrics.synthetic.master import MasterPrint


@pytest.fixture(scope="module")
def master() -> MasterPrint:
    return generate_master(5, 17, 2)


def test_impression_is_a_400x400_uint8_flat_with_dark_ridges(master: MasterPrint) -> None:
    dark = 0
    for index in range(6):
        imp = render_impression(master, index)
        assert imp.image.shape == (400, 400)
        assert imp.image.dtype == np.uint8
        # an optical sensor saturates off the finger: the contact never fills the frame
        assert float(np.mean(imp.image == 255)) > 0.15
        finger = imp.image[imp.image < 250]
        assert finger.size > 10_000 and float(finger.std()) > 25
        dark += float(np.percentile(finger, 5)) < 80
    assert dark >= 4  # only a very dry, light touch leaves the ridges pale


def test_impressions_differ_like_careless_live_scans(master: MasterPrint) -> None:
    """Placement, rotation, contact and skin condition vary widely between impressions."""
    captures = [render_impression(master, index).capture for index in range(24)]
    degrees = np.rad2deg([c.rotation for c in captures])
    contact = np.array([(c.contact_x, c.contact_y) for c in captures])
    moisture = np.array([c.moisture for c in captures])
    distortion = np.array([c.distortion for c in captures])
    assert np.abs(degrees).max() > 12  # some are turned well beyond a careful placement
    assert np.abs(degrees).max() <= 40
    assert contact.std(axis=0).min() > 15  # the finger lands all over the frame
    assert moisture.min() < -0.4 and moisture.max() > 0.3  # dry and wet prints
    assert distortion.max() > 2 * distortion.min()  # some are pressed and dragged


def test_same_index_same_image_other_index_other_image(master: MasterPrint) -> None:
    a = render_impression(master, 1)
    b = render_impression(master, 1)
    c = render_impression(master, 2)
    assert np.array_equal(a.image, b.image)
    assert a.minutiae.same_as(b.minutiae)
    assert not np.array_equal(a.image, c.image)


def test_minutiae_inside_the_image_and_most_of_the_master_seen(master: MasterPrint) -> None:
    counts = []
    for index in range(4):
        imp = render_impression(master, index)
        m = imp.minutiae
        assert np.all((m.x >= 0) & (m.x <= 399) & (m.y >= 0) & (m.y <= 399))
        counts.append(len(m))
    assert min(counts) >= 15 and max(counts) <= len(master.minutiae)


def test_truth_moves_with_the_skin(master: MasterPrint) -> None:
    """Ridge endings of the master stay ridge endings in the impression's grey levels."""
    agree, total = 0, 0
    for index in range(3):
        imp = render_impression(master, index)
        m = imp.minutiae
        grey = imp.image.astype(np.float32)
        ahead = grey[
            np.clip(np.round(m.y + 4 * np.sin(m.theta)).astype(int), 0, 399),
            np.clip(np.round(m.x + 4 * np.cos(m.theta)).astype(int), 0, 399),
        ]
        side = grey[
            np.clip(np.round(m.y + 4.5 * np.sin(m.theta + np.pi / 2)).astype(int), 0, 399),
            np.clip(np.round(m.x + 4.5 * np.cos(m.theta + np.pi / 2)).astype(int), 0, 399),
        ]
        # an ending has ridge (dark) ahead and valley (light) beside; a bifurcation the reverse
        dark_ahead = ahead < side
        agree += int(np.count_nonzero(dark_ahead == (m.kind == 0)))
        total += len(m)
    assert agree / total > 0.75


def test_bad_arguments_are_rejected(master: MasterPrint) -> None:
    with pytest.raises(ValueError, match="index"):
        render_impression(master, -1)
    with pytest.raises(ValueError, match="size"):
        render_impression(master, 0, size=(10, 400))


def test_the_engine_sees_db1_b_like_flats() -> None:
    """Extracted counts in FVC2004 DB1_B's range (18-59, mean 38), mostly true minutiae, and no
    minutiae conjured out of the background (a grey, noisy one once added ~20 a print)."""
    from scomm.biometrics import FingerprintImage, extract

    counts, near_truth = [], []
    for identity in range(4):
        master = generate_master(11, identity, 2)
        for index in range(3):
            imp = render_impression(master, index)
            found = extract(FingerprintImage(imp.image))
            counts.append(len(found))
            truth = imp.minutiae
            d = np.hypot(found.x[:, None] - truth.x, found.y[:, None] - truth.y)
            near_truth.append(float((d.min(axis=1) < 10).mean()))
            # every reported minutia lies where the finger printed
            ink = imp.image < 250
            ys = np.clip(np.round(found.y).astype(int), 0, 399)
            xs = np.clip(np.round(found.x).astype(int), 0, 399)
            near_ink = [
                ink[max(y - 12, 0) : y + 13, max(x - 12, 0) : x + 13].any()
                for x, y in zip(xs, ys, strict=True)
            ]
            assert all(near_ink)
    assert 22 <= np.mean(counts) <= 50
    assert np.mean(near_truth) > 0.55
