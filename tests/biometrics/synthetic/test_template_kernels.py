"""The compiled template synthesis gives the plain numpy code's templates, bit for bit.

``_plain_impression`` below is ``template_impression`` as it was before it was compiled
(session 7): each draw a numpy call, each step numpy operations. The fast paths
(``template_impression``, ``impression_of_new_finger``, ``template_of_new_finger``) must give
exactly its minutiae and templates, for random people, fingers, impressions and profiles.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.biometrics.synthetic import BOOKING_LIVE_SCAN, DB1_B_LIKE, generate_master
from scomm.biometrics.synthetic.impression import (
    DEFAULT_PROFILE,
    DEFAULT_SIZE,
    SkinWarp,
    contact_axes,
    draw_capture,
    draw_warp,
)
from scomm.biometrics.synthetic.master import MIN_SPACING, finger_rng
from scomm.biometrics.synthetic.minutiae import GroundTruthMinutiae
from scomm.biometrics.synthetic.profile import CaptureProfile
from scomm.biometrics.synthetic.template_kernels import spaced_points, warp_to_image
from scomm.biometrics.synthetic.templates import (
    ANGLE_JITTER,
    MISS_RATE,
    POSITION_JITTER,
    SPURIOUS_RATE,
    TYPE_CONFUSION,
    FingerSource,
    impression_of_new_finger,
    synthesize_master_template,
    template_impression,
    template_of_new_finger,
    to_engine_template,
)
from scomm.cli.demo_full import filler_template
from scomm.domain import FingerPosition


def _plain_impression(
    source: FingerSource,
    index: int,
    size: tuple[int, int] = DEFAULT_SIZE,
    profile: CaptureProfile = DEFAULT_PROFILE,
) -> GroundTruthMinutiae:
    """``template_impression`` before session 7 (its skin warp inversion was compiled then)."""
    height, width = size
    rng = finger_rng(source.seed, source.identity, source.finger, 1, index)
    capture = draw_capture(rng, profile)
    pattern = source.pattern
    warp = draw_warp(rng, pattern.centre_x, pattern.centre_y, capture, height, width, profile)
    half_w, half_h = contact_axes(rng, capture, height, width, profile)
    truth = source.minutiae
    qx, qy, theta = _plain_minutiae_to_image(warp, truth)
    in_contact = np.hypot((qx - warp.contact[0]) / half_w, (qy - warp.contact[1]) / half_h) < 1
    keep = in_contact & (qx >= 0) & (qx <= width - 1) & (qy >= 0) & (qy <= height - 1)

    noise = finger_rng(source.seed, source.identity, source.finger, 3, index)
    miss_rate = noise.uniform(*MISS_RATE)
    keep &= noise.uniform(0, 1, len(qx)) >= miss_rate
    kept = int(keep.sum())
    x = qx[keep] + noise.normal(0, POSITION_JITTER, kept)
    y = qy[keep] + noise.normal(0, POSITION_JITTER, kept)
    t = theta[keep] + noise.normal(0, ANGLE_JITTER, kept)
    kind = truth.kind[keep].copy()
    confused = noise.uniform(0, 1, kept) < TYPE_CONFUSION
    kind[confused] = 1 - kind[confused]

    spurious = int(noise.poisson(SPURIOUS_RATE * max(kept, 1)))
    sx = warp.contact[0] + half_w * noise.uniform(-0.8, 0.8, spurious)
    sy = warp.contact[1] + half_h * noise.uniform(-0.8, 0.8, spurious)
    inside = (sx >= 0) & (sx <= width - 1) & (sy >= 0) & (sy <= height - 1)
    sx, sy = sx[inside], sy[inside]
    back_x, back_y = warp.to_master(sx, sy)
    st_ = pattern.normal_angle(back_x, back_y) - np.pi / 2 - capture.rotation
    st_ = st_ + np.pi * noise.integers(0, 2, len(sx))
    sk = noise.integers(0, 2, len(sx)).astype(np.uint8)
    return GroundTruthMinutiae(
        np.clip(np.concatenate([x, sx]), 0, width - 1).astype(np.float32),
        np.clip(np.concatenate([y, sy]), 0, height - 1).astype(np.float32),
        np.concatenate([t, st_]).astype(np.float32),
        np.concatenate([kind, sk]),
    )


def _plain_minutiae_to_image(
    warp: SkinWarp, truth: GroundTruthMinutiae
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(truth)
    mx = truth.x.astype(np.float64)
    my = truth.y.astype(np.float64)
    packed = np.array(
        [
            *warp.centre_image, *warp.centre_master, warp.cos_r, warp.sin_r,
            *warp.contact, warp.inner, warp.outer, warp.skin_cos, warp.skin_sin,
            *warp.skin_shift, warp.bump_scale,
        ],
        dtype=np.float64,
    )  # fmt: skip
    both_x, both_y = warp_to_image(
        np.concatenate([mx, mx + 3 * np.cos(truth.theta)]),
        np.concatenate([my, my + 3 * np.sin(truth.theta)]),
        packed,
        np.ascontiguousarray(warp.bump_centres, dtype=np.float64),
        np.ascontiguousarray(warp.bump_vectors, dtype=np.float64),
    )
    qx, qy = both_x[:n], both_y[:n]
    return qx, qy, np.arctan2(both_y[n:] - qy, both_x[n:] - qx)


def _assert_same(got: GroundTruthMinutiae, want: GroundTruthMinutiae) -> None:
    for name in ("x", "y", "theta", "kind"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name


people = st.tuples(
    st.integers(0, 2**40), st.integers(0, 2**40), st.integers(0, 10), st.integers(0, 5)
)


@settings(max_examples=300, deadline=None)
@given(people)
def test_new_finger_templates_are_the_plain_codes(person: tuple[int, int, int, int]) -> None:
    seed, identity, finger, index = person
    master = synthesize_master_template(seed, identity, finger)
    plain = _plain_impression(master, index)
    _assert_same(impression_of_new_finger(seed, identity, finger, index), plain)
    _assert_same(template_impression(master, index), plain)
    fast = template_of_new_finger(seed, identity, finger, index)
    want = to_engine_template(plain)
    assert fast.to_bytes() == want.to_bytes()
    for name in ("bits", "known", "usable"):
        assert np.array_equal(getattr(fast.cylinders, name), getattr(want.cylinders, name))


@settings(max_examples=60, deadline=None)
@given(people, st.sampled_from([DB1_B_LIKE, BOOKING_LIVE_SCAN]), st.sampled_from([300, 400, 512]))
def test_impressions_under_other_profiles_and_sizes_are_the_plain_codes(
    person: tuple[int, int, int, int], profile: CaptureProfile, side: int
) -> None:
    seed, identity, finger, index = person
    master = synthesize_master_template(seed, identity, finger)
    size = (side, 400)
    plain = _plain_impression(master, index, size, profile)
    _assert_same(template_impression(master, index, size, profile), plain)
    _assert_same(impression_of_new_finger(seed, identity, finger, index, size, profile), plain)


@pytest.mark.parametrize("finger", [FingerPosition.RIGHT_THUMB, FingerPosition.LEFT_RING])
def test_impressions_of_a_master_print_are_the_plain_codes(finger: FingerPosition) -> None:
    master = generate_master(8, 41, finger)
    for index in range(4):
        plain = _plain_impression(master, index, profile=BOOKING_LIVE_SCAN)
        _assert_same(template_impression(master, index, profile=BOOKING_LIVE_SCAN), plain)


FILLERS_DIGEST = "722f7b29264239ecd341a0d2a281c0cb9b6853b1842dec8e92b2092c02521218"
"""sha256 over ``filler_template(n, FingerPosition(1 + n % 10)).to_bytes()`` for n in
0..199, made with main at 9a1dcc9 (the plain numpy synthesis) before it was compiled; the
same check over 3,000 fillers matched template by template."""


def test_fillers_are_those_main_made_before_compiling() -> None:
    digest = hashlib.sha256()
    for number in range(200):
        digest.update(filler_template(number, FingerPosition(1 + number % 10)).to_bytes())
    assert digest.hexdigest() == FILLERS_DIGEST


def test_spacing_near_the_limit_is_decided_as_hypot_decides() -> None:
    rng = np.random.default_rng(12)
    for _ in range(200):
        n = 40
        xs = rng.uniform(0, 60, n)
        ys = rng.uniform(0, 60, n)
        # pairs at the spacing to within a few rounding steps, either side
        angle = rng.uniform(0, 2 * np.pi, n // 2)
        gap = MIN_SPACING * (1 + rng.integers(-4, 5, n // 2) * np.finfo(np.float64).eps)
        xs[1::2] = xs[::2] + gap * np.cos(angle)
        ys[1::2] = ys[::2] + gap * np.sin(angle)
        close = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :]) < MIN_SPACING
        assert np.array_equal(spaced_points(xs, ys, MIN_SPACING), ~np.triu(close, 1).any(axis=0))
