"""The generator's fast paths give what the plain formulas give (the speed-ups change no print).

Each fast path is compared with the straightforward computation it replaced, written out here.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numba import njit

from scomm.biometrics.synthetic import generate_master
from scomm.biometrics.synthetic.draws import cumulative_shares, draw_index
from scomm.biometrics.synthetic.impression import (
    _contact_area,
    _sensor_grey,
    _smooth_noise,
    contact_axes,
    draw_capture,
    draw_warp,
)
from scomm.biometrics.synthetic.master import MIN_SPACING, Fingertip, _dart_throw, finger_rng
from scomm.biometrics.synthetic.pattern import MASTER_HEIGHT, MASTER_WIDTH, PatternClass
from scomm.biometrics.synthetic.phase import _squared_norm, solve_continuous_phase
from scomm.biometrics.synthetic.profile import BOOKING_LIVE_SCAN
from scomm.biometrics.synthetic.ridges import (
    SpiralSet,
    _smooth_at,
    _spiral_arrays,
    render_ridges,
    slit_pinning,
    spiral_unit,
)
from scomm.biometrics.synthetic.seeding import seeded_generator
from scomm.biometrics.synthetic.template_kernels import spaced_points, warp_to_image
from scomm.biometrics.synthetic.templates import (
    synthesize_master_template,
    template_impression,
    to_engine_template,
)
from scomm.biometrics.template import Minutia, MinutiaType, Template
from scomm.domain import FingerPosition


def test_fingertip_outline_is_the_superellipse_pixel_by_pixel() -> None:
    rng = np.random.default_rng(4)
    for _ in range(300):  # the root is taken on the soft edge only: many outlines
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
        assert np.array_equal(np.signbit(fast), np.signbit(plain))


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
        packed = np.array(
            [
                *warp.centre_image, *warp.centre_master, warp.cos_r, warp.sin_r,
                *warp.contact, warp.inner, warp.outer, warp.skin_cos, warp.skin_sin,
                *warp.skin_shift, warp.bump_scale,
            ]
        )  # fmt: skip
        mx = master.minutiae.x.astype(np.float64)
        my = master.minutiae.y.astype(np.float64)
        fast = warp_to_image(mx, my, packed, warp.bump_centres, warp.bump_vectors)
        plain = warp.to_image(mx, my)
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
        assert np.array_equal(spaced_points(xs, ys, MIN_SPACING), plain)


@pytest.mark.parametrize(
    "shares", [(0.09, 0.08, 0.16, 0.35, 0.32), (0.55, 0.2, 0.25), (0.9, 0.04, 0.06), (1.0,)]
)
def test_weighted_draw_is_numpys_choice_and_leaves_the_same_state(
    shares: tuple[float, ...],
) -> None:
    cdf = cumulative_shares(shares)
    for seed in range(3000):
        plain, fast = np.random.default_rng([seed, 1]), np.random.default_rng([seed, 1])
        assert draw_index(fast, cdf) == int(plain.choice(len(shares), p=shares))
        assert fast.random() == plain.random()


def test_shares_that_are_not_a_distribution_are_refused() -> None:
    for bad in ((), (0.5, 0.6), (-0.2, 1.2), (float("nan"), 1.0)):
        with pytest.raises(ValueError, match="shares"):
            cumulative_shares(bad)


@njit(cache=False)
def _spiral_point_by_point(
    px: np.ndarray, py: np.ndarray, skip: np.ndarray, mx: np.ndarray, my: np.ndarray,
    mp: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The spiral product as first written: one point at a time, spiral after spiral."""
    n = px.shape[0]
    cos_s, sin_s = np.empty(n), np.empty(n)
    for p in range(n):
        re, im = 1.0, 0.0
        for m in range(mx.shape[0]):
            if m == skip[p]:
                continue
            dx = px[p] - mx[m]
            dy = (py[p] - my[m]) * mp[m]
            re, im = re * dx - im * dy, re * dy + im * dx
            if (m & 7) == 7:
                mag = np.sqrt(re * re + im * im)
                if mag > 0.0:
                    re /= mag
                    im /= mag
        mag = np.sqrt(re * re + im * im)
        cos_s[p], sin_s[p] = (re / mag, im / mag) if mag > 0.0 else (1.0, 0.0)
    return cos_s, sin_s


@pytest.mark.parametrize("spirals", [0, 1, 7, 8, 70, 133])
def test_spiral_product_in_blocks_equals_the_point_by_point_product(spirals: int) -> None:
    rng = np.random.default_rng(spirals)
    n = 1000 + spirals  # a last block that is not full
    px, py = rng.uniform(0, 480, n), rng.uniform(0, 560, n)
    mx, my = rng.uniform(0, 480, spirals), rng.uniform(0, 560, spirals)
    mp = rng.choice([-1.0, 1.0], spirals)
    on = min(spirals, 3)
    px[:on], py[:on] = mx[:on], my[:on]  # on a spiral: the product is zero
    for skip in (
        np.full(n, -1, dtype=np.int64),
        rng.integers(-1, max(spirals, 1), n),  # some points leave one spiral out
    ):
        fast = spiral_unit(px, py, skip, mx, my, mp)
        plain = _spiral_point_by_point(px, py, skip, mx, my, mp)
        for got, want in zip(fast, plain, strict=True):
            assert np.array_equal(got, want)


@njit(cache=False)
def _smooth_testing_every_slit(
    px: np.ndarray, py: np.ndarray, psi: np.ndarray, step: float, slit_start: np.ndarray,
    slit_dir: np.ndarray, slit_length: np.ndarray, slit_wrap: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """The bilinear continuous phase as first written: every node tested against every slit
    (the slit pinning, unchanged, is left out)."""
    rows, cols = psi.shape
    out = np.empty(px.shape[0])
    for p in range(px.shape[0]):
        x, y = px[p], py[p]
        fx, fy = (x + 0.5) / step - 0.5, (y + 0.5) / step - 0.5
        j0 = min(max(int(np.floor(fx)), 0), cols - 2)
        i0 = min(max(int(np.floor(fy)), 0), rows - 2)
        wx, wy = min(max(fx - j0, 0.0), 1.0), min(max(fy - i0, 0.0), 1.0)
        acc = 0.0
        for di in range(2):
            for dj in range(2):
                i, j = i0 + di, j0 + dj
                value = psi[i, j]
                node_x, node_y = (j + 0.5) * step - 0.5, (i + 0.5) * step - 0.5
                for k in range(slit_length.shape[0]):
                    ex = slit_start[k, 0] + slit_dir[k, 0] * slit_length[k]
                    ey = slit_start[k, 1] + slit_dir[k, 1] * slit_length[k]
                    sx, sy = slit_start[k, 0], slit_start[k, 1]
                    d1 = (ex - sx) * (y - sy) - (ey - sy) * (x - sx)
                    d2 = (ex - sx) * (node_y - sy) - (ey - sy) * (node_x - sx)
                    d3 = (node_x - x) * (sy - y) - (node_y - y) * (sx - x)
                    d4 = (node_x - x) * (ey - y) - (node_y - y) * (ex - x)
                    if d1 * d2 < 0.0 and d3 * d4 < 0.0:
                        value = slit_wrap[k] - value
                acc += (wx if dj == 1 else 1.0 - wx) * (wy if di == 1 else 1.0 - wy) * value
        out[p] = acc
    return out


@pytest.mark.parametrize("pattern_class", list(PatternClass))
def test_smooth_phase_testing_only_slits_nearby_equals_testing_every_slit(
    pattern_class: PatternClass,
) -> None:
    master = generate_master(21, 4, FingerPosition.RIGHT_THUMB, pattern_class)
    phase = solve_continuous_phase(master.pattern, master.periods)
    ys, xs = np.mgrid[-3 : MASTER_HEIGHT + 3, -3 : MASTER_WIDTH + 3].astype(np.float64)
    xs, ys = xs.ravel() + 0.25, ys.ravel() - 0.125  # every pixel, a little off the grid
    no_pin = np.zeros((len(phase.slit_length), 2))  # no pinning: the bilinear part alone
    fast = _smooth_at(phase, no_pin, xs, ys)
    plain = _smooth_testing_every_slit(
        xs, ys, phase.values, float(phase.step), phase.slit_start, phase.slit_dir,
        phase.slit_length, phase.slit_wrap,
    )  # fmt: skip
    assert np.array_equal(fast, plain)


def test_seeded_generators_are_default_rngs_state_for_state() -> None:
    draws = np.random.default_rng(5)
    cases: list[tuple[int, ...]] = [(0,), (0, 0, 0, 0, 0), (2**32,), (2**64 + 5, 1, 2**32 - 1)]
    cases += [(5, 10_000_000 + i, 1 + i % 10, i % 5, *([i] if i % 2 else [])) for i in range(300)]
    cases += [tuple(int(v) for v in draws.integers(0, 2**63, 1 + i % 9)) for i in range(300)]
    for values in cases:
        plain, fast = np.random.default_rng(list(values)), seeded_generator(*values)
        assert fast.bit_generator.state == plain.bit_generator.state
        assert np.array_equal(fast.normal(size=5), plain.normal(size=5))
    with pytest.raises(ValueError, match=">= 0"):
        seeded_generator(1, -2)


def test_dart_throwing_keeps_the_candidates_the_plain_loop_keeps() -> None:
    rng = np.random.default_rng(12)
    for count in (0, 1, 5, 60, 400):
        cx, cy = rng.uniform(12, 467, 10 * count + 50), rng.uniform(12, 547, 10 * count + 50)
        chosen: list[int] = []
        for index in range(len(cx)):
            if len(chosen) >= count:
                break
            if chosen:
                near = np.hypot(cx[chosen] - cx[index], cy[chosen] - cy[index])
                if near.min() < MIN_SPACING:
                    continue
            chosen.append(index)
        fast = _dart_throw(cx, cy, count, MIN_SPACING)
        assert fast.dtype == np.int64 and fast.tolist() == chosen


def test_contact_area_from_a_row_and_a_column_equals_the_one_from_coordinate_grids() -> None:
    for seed in range(40):
        height, width = (400, 400) if seed % 2 else (480, 320)
        rng = np.random.default_rng(seed)
        capture = draw_capture(rng, BOOKING_LIVE_SCAN)
        warp = draw_warp(rng, 240.0, 300.0, capture, height, width, BOOKING_LIVE_SCAN)
        plain_rng = np.random.default_rng()
        plain_rng.bit_generator.state = rng.bit_generator.state
        fast = _contact_area(rng, warp, capture, height, width, BOOKING_LIVE_SCAN)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        half_w, half_h = contact_axes(plain_rng, capture, height, width, BOOKING_LIVE_SCAN)
        r = np.hypot((xs - warp.contact[0]) / half_w, (ys - warp.contact[1]) / half_h)
        ragged = 0.08 * _smooth_noise(plain_rng, height, width, 30)
        plain = np.clip((1.0 + ragged - r) * 12.0, 0.0, 1.0).astype(np.float32)
        assert fast.dtype == np.float32 and np.array_equal(fast, plain)


def test_sensor_grey_in_one_pass_equals_numpys_image_by_image_steps() -> None:
    rng = np.random.default_rng(11)
    for _ in range(30):
        shape = (int(rng.integers(1, 60)), int(rng.integers(1, 60)))
        ridges = rng.uniform(-1, 1, shape).astype(np.float32)
        contact = rng.uniform(0, 1, shape).astype(np.float32)
        blotch, grain, breaks, patches = (
            rng.uniform(-1.7, 1.7, shape).astype(np.float32) for _ in range(4)
        )
        blotch[rng.random(shape) < 0.05] = 0.0
        pores = rng.uniform(0, 0.8, shape).astype(np.float32)
        moisture, pressure = float(rng.uniform(-1, 1)), float(rng.uniform(0, 1))
        wet_blotch, grain_weight = float(rng.uniform(0, 1)), float(rng.uniform(0, 0.5))
        breaks0, breaks1 = float(rng.uniform(0.5, 1)), float(rng.uniform(0, 1))
        background, ridge_grey = float(rng.uniform(262, 275)), float(rng.uniform(0, 30))
        dry, wet = max(-moisture, 0.0), max(moisture, 0.0)
        level = (
            -0.05 - 0.4 * moisture - wet_blotch * wet * np.maximum(blotch, 0.0) + 0.12 * blotch
            + grain_weight * grain
        )  # fmt: skip
        ink = np.clip((ridges - level) / 0.4 + 0.5, 0.0, 1.0)
        ink *= np.clip((breaks0 - breaks1 * dry - breaks) * 4.0, 0.0, 1.0)
        ink *= 1.0 - pores
        shade = np.clip(0.75 + 0.3 * pressure - 0.25 * dry + 0.2 * patches, 0.2, 1.0)
        plain = background - (background - ridge_grey) * (ink * contact * shade)
        constants = np.array(
            [
                -0.05 - 0.4 * moisture, wet_blotch * wet, grain_weight,
                breaks0 - breaks1 * dry, 0.75 + 0.3 * pressure - 0.25 * dry,
                background - ridge_grey, background,
            ],
            dtype=np.float32,
        )  # fmt: skip
        fast = _sensor_grey(ridges, contact, blotch, grain, breaks, pores, patches, constants)
        assert plain.dtype == np.float32 and np.array_equal(fast, plain)
