"""The generator's fast paths give what the plain formulas give (the speed-ups change no print).

Each fast path is compared with the straightforward computation it replaced, written out here.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from scomm.biometrics.synthetic import generate_master
from scomm.biometrics.synthetic.impression import draw_capture, draw_warp
from scomm.biometrics.synthetic.master import MIN_SPACING, Fingertip, finger_rng
from scomm.biometrics.synthetic.pattern import MASTER_HEIGHT, MASTER_WIDTH, PatternClass
from scomm.biometrics.synthetic.phase import _squared_norm, solve_continuous_phase
from scomm.biometrics.synthetic.ridges import (
    SpiralSet,
    _smooth_at,
    _spiral_arrays,
    render_ridges,
    slit_pinning,
    spiral_unit,
)
from scomm.biometrics.synthetic.templates import (
    _minutiae_to_image,
    _spaced,
    synthesize_master_template,
    template_impression,
    to_engine_template,
)
from scomm.biometrics.template import Minutia, MinutiaType, Template
from scomm.domain import FingerPosition


def test_fingertip_outline_is_the_superellipse_pixel_by_pixel() -> None:
    rng = np.random.default_rng(4)
    for _ in range(20):
        tip = Fingertip.sample(rng)
        ys, xs = np.mgrid[0:MASTER_HEIGHT, 0:MASTER_WIDTH].astype(np.float32)
        u = np.abs(xs - np.float32(tip.centre_x)) / np.float32(tip.half_width)
        v = np.abs(ys - np.float32(tip.centre_y)) / np.float32(tip.half_height)
        v = np.where(ys > tip.centre_y, v * np.float32(0.6), v)
        power = np.float32(tip.power)
        radius = (u**power + v**power) ** (np.float32(1.0) / power)
        plain = np.clip((1.0 - radius) * 25.0, 0.0, 1.0).astype(np.float32)
        fast = tip.image()
        assert fast.dtype == np.float32 and np.array_equal(fast, plain)


@pytest.mark.parametrize("pattern_class", [PatternClass.WHORL, PatternClass.RIGHT_LOOP])
def test_ridges_equal_the_spiral_phase_evaluated_everywhere(pattern_class: PatternClass) -> None:
    master = generate_master(21, 3, FingerPosition.RIGHT_THUMB, pattern_class)
    rng = finger_rng(21, 3, 1, 9)
    spirals = SpiralSet(
        rng.uniform(40, 440, 60), rng.uniform(40, 520, 60), rng.choice([-1.0, 1.0], 60)
    )
    phase = solve_continuous_phase(master.pattern, master.periods)
    pin = slit_pinning(phase, spirals)
    skin = master.outline > 0
    fast = render_ridges(phase, spirals, pin, skin)
    # the plain way: the spiral phase at every coarse node
    height, width = skin.shape
    hy, hx = np.mgrid[0 : height // 2, 0 : width // 2]
    cos_s, sin_s = spiral_unit(
        (2.0 * hx + 0.5).ravel(), (2.0 * hy + 0.5).ravel(),
        np.full(hx.size, -1, dtype=np.int64), *_spiral_arrays(spirals),
    )  # fmt: skip
    up_c = cv2.resize(cos_s.reshape(hx.shape).astype(np.float32), (width, height))
    up_s = cv2.resize(sin_s.reshape(hx.shape).astype(np.float32), (width, height))
    ys, xs = np.nonzero(skin)
    smooth = np.zeros((height, width), dtype=np.float32)
    smooth[ys, xs] = _smooth_at(phase, pin, xs.astype(np.float64), ys.astype(np.float64))
    norm = np.sqrt(up_c * up_c + up_s * up_s) + np.float32(1e-6)
    plain = np.where(skin, (np.cos(smooth) * up_c - np.sin(smooth) * up_s) / norm, 0)
    assert np.array_equal(fast, plain.astype(np.float32))


def test_squared_norm_is_the_dot_product() -> None:
    vector = np.random.default_rng(1).normal(0, 3, 15_000)
    assert _squared_norm(vector) == pytest.approx(float(vector @ vector), rel=1e-12)


def test_compiled_skin_warp_inversion_matches_the_numpy_one() -> None:
    for identity in range(30):
        master = synthesize_master_template(5, identity, 1 + identity % 10)
        rng = finger_rng(5, identity, master.finger, 1, 0)
        capture = draw_capture(rng)
        centre = (master.pattern.centre_x, master.pattern.centre_y)
        warp = draw_warp(rng, *centre, capture, 400, 400)
        fast = _minutiae_to_image(warp, master.minutiae)
        plain = warp.minutiae_to_image(master.minutiae)
        for got, want in zip(fast, plain, strict=True):
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_engine_template_from_arrays_equals_one_from_minutia_objects() -> None:
    kinds = (MinutiaType.ENDING, MinutiaType.BIFURCATION)
    for identity in range(20):
        truth = template_impression(synthesize_master_template(5, identity, 2), identity % 3)
        fast = to_engine_template(truth)
        plain = Template.create(
            [
                Minutia(float(x), float(y), float(t), kinds[int(k)], 1.0)
                for x, y, t, k in zip(truth.x, truth.y, truth.theta, truth.kind, strict=True)
                if 0 <= x < 400 and 0 <= y < 400
            ],
            width=400, height=400, ppi=500, quality=60,
        )  # fmt: skip
        assert fast.to_bytes() == plain.to_bytes()


def test_spacing_rule_is_the_upper_triangle_of_close_pairs() -> None:
    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 40, 150):
        xs, ys = rng.uniform(0, 120, n), rng.uniform(0, 120, n)
        close = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :]) < MIN_SPACING
        plain = ~np.triu(close, 1).any(axis=0)
        assert np.array_equal(_spaced(xs, ys, MIN_SPACING), plain)
