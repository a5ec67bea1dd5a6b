"""Template-level synthesis: minutiae sets with realistic statistics and no image.

A 1:N search benchmark needs millions of enrolled fingers; rendering each would take hours.
These templates are drawn from the same models as the images (pattern class priors per finger,
singular points, zero-pole orientation, fingertip outline, minutia density, spacing and type mix)
so their statistics match: minutiae run along the ridge flow, avoid the singular points, and
number as many as our extractor finds in FVC2004 DB1_B's flats (38 on average). An impression
of a template applies the same placement and skin distortion as an image impression, keeps
what the contact area covers, and then adds what a feature extractor does to truth: misses,
spurious minutiae, jitter, type confusions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from scomm.biometrics.synthetic.impression import DEFAULT_PROFILE, DEFAULT_SIZE, SkinWarp
from scomm.biometrics.synthetic.master import (
    DENSITY_RANGE,
    ENDING_SHARE,
    MIN_SPACING,
    Fingertip,
    finger_rng,
)
from scomm.biometrics.synthetic.minutiae import BIFURCATION, ENDING, GroundTruthMinutiae
from scomm.biometrics.synthetic.pattern import (
    MASTER_HEIGHT,
    MASTER_WIDTH,
    CLASS_ORDER,
    FingerPattern,
    draw_pattern_class,
    sample_pattern,
)
from scomm.biometrics.synthetic.profile import CaptureProfile
from scomm.biometrics.synthetic.template_kernels import (
    FLOW_CX,
    FLOW_CY,
    W_ROTATION,
    draw_flow,
    draw_placement,
    master_minutiae,
    observed_minutiae,
    packed_profile,
    spaced_points,
    spurious_directions,
)
from scomm.biometrics.template import MinutiaType, Template
from scomm.domain import FingerPosition

Array = npt.NDArray[np.float64]

#: what a good extractor does to true minutiae (rates per minutia); the miss rate varies with
#: the impression's quality, which spreads the counts as real captures do
MISS_RATE = (0.02, 0.24)
DENSITY_SCALE = 1.2
"""Share of the drawn density kept as master minutiae: with the misses and spurious ones of
an impression, counts per 400 x 400 impression come out as FVC2004 DB1_B's (mean 38, sd 12.5
there with our extractor; 38.9 here on 100 impressions under the DB1_B-like captures of
`impression`, whose smaller contact areas needed 1.2 where the earlier captures needed 0.84)."""
SPURIOUS_RATE = 0.10
TYPE_CONFUSION = 0.12
POSITION_JITTER = 2.0  # pixels
ANGLE_JITTER = 0.12  # radians


class FingerSource(Protocol):
    """A master print or master template: what impressions are taken from."""

    @property
    def seed(self) -> int: ...
    @property
    def identity(self) -> int: ...
    @property
    def finger(self) -> int: ...
    @property
    def pattern(self) -> FingerPattern: ...
    @property
    def minutiae(self) -> GroundTruthMinutiae: ...


@dataclass(frozen=True, eq=False)
class MasterTemplate:
    """The minutiae of a whole finger (master canvas coordinates), without ridges."""

    seed: int
    identity: int
    finger: int
    pattern: FingerPattern
    minutiae: GroundTruthMinutiae


def synthesize_master_template(
    seed: int, identity: int, finger: FingerPosition | int = FingerPosition.RIGHT_INDEX
) -> MasterTemplate:
    """A finger's minutiae with the statistics of :func:`generate_master`, in microseconds."""
    finger_code = int(finger)
    rng = finger_rng(seed, identity, finger_code, 4)
    pattern = sample_pattern(rng, finger_code)
    tip = Fingertip.sample(rng)
    # about as many candidates as the outline holds at the drawn density, then thinned
    box = 4.0 * tip.half_width * min(tip.half_height, MASTER_HEIGHT / 2)
    count = int(rng.poisson(rng.uniform(*DENSITY_RANGE) * box * DENSITY_SCALE))
    n = count + count // 2 + 8
    xs = rng.uniform(12, MASTER_WIDTH - 12, n)
    ys = rng.uniform(12, MASTER_HEIGHT - 12, n)
    keep = tip.coverage(xs, ys) > 0.9
    for point in pattern.singular_points:
        keep &= np.hypot(xs - point.x, ys - point.y) > 20
    xs, ys = xs[keep], ys[keep]
    spaced = spaced_points(xs, ys, MIN_SPACING)  # drop the later point of each close pair
    xs, ys = xs[spaced][:count], ys[spaced][:count]
    along_ridge = pattern.normal_angle(xs, ys) - np.pi / 2
    theta = along_ridge + np.pi * rng.integers(0, 2, len(xs))
    kind = np.where(rng.uniform(0, 1, len(xs)) < ENDING_SHARE, ENDING, BIFURCATION)
    return MasterTemplate(
        seed=seed,
        identity=identity,
        finger=finger_code,
        pattern=pattern,
        minutiae=GroundTruthMinutiae(
            xs.astype(np.float32),
            ys.astype(np.float32),
            theta.astype(np.float32),
            kind.astype(np.uint8),
        ),
    )


def template_impression(
    source: FingerSource,
    index: int,
    size: tuple[int, int] = DEFAULT_SIZE,
    profile: CaptureProfile = DEFAULT_PROFILE,
) -> GroundTruthMinutiae:
    """The minutiae a good extractor would report from impression ``index`` of ``source``.

    Placement and distortion are drawn exactly as :func:`render_impression` draws them (from the
    same capture ``profile``), so for a master print the template lines up with the rendered
    image of the same index and profile.
    """
    flow, points = packed_flow(source.pattern)
    return _impression(source, flow, points, source.minutiae, index, size, profile)


def impression_of_new_finger(
    seed: int,
    identity: int,
    finger: FingerPosition | int,
    index: int = 0,
    size: tuple[int, int] = DEFAULT_SIZE,
    profile: CaptureProfile = DEFAULT_PROFILE,
) -> GroundTruthMinutiae:
    """``template_impression(synthesize_master_template(seed, identity, finger), index, ...)``
    without the master's Python objects: the gallery fillers' path (the same numbers)."""
    finger_code = int(finger)
    rng = finger_rng(seed, identity, finger_code, 4)
    flow, points = draw_flow(rng, CLASS_ORDER.index(draw_pattern_class(rng, finger_code)))
    x, y, theta, kind = master_minutiae(
        rng, flow, points, DENSITY_RANGE, DENSITY_SCALE, MIN_SPACING, ENDING_SHARE
    )
    truth = _Truth(x, y, theta, kind)
    return _impression(_Finger(seed, identity, finger_code), flow, points, truth, index, size, profile)


@dataclass(frozen=True)
class _Finger:
    """Whose streams an impression draws from."""

    seed: int
    identity: int
    finger: int


@dataclass(frozen=True, eq=False)
class _Truth:
    """Master minutiae as ``GroundTruthMinutiae`` holds them (float32, directions in [0, 2 pi))
    without its checks: they come straight from ``master_minutiae``."""

    x: npt.NDArray[np.float32]
    y: npt.NDArray[np.float32]
    theta: npt.NDArray[np.float32]
    kind: npt.NDArray[np.uint8]


def _impression(
    source: _Finger | FingerSource,
    flow: Array,
    points: Array,
    truth: _Truth | GroundTruthMinutiae,
    index: int,
    size: tuple[int, int],
    profile: CaptureProfile,
) -> GroundTruthMinutiae:
    """An impression's minutiae, drawn in compiled steps (``template_kernels``) from the
    streams of the plain code: placement and skin (stream 1), extractor noise (stream 3)."""
    if index < 0:
        raise ValueError(f"impression index must be >= 0, got {index}")
    height, width = size
    rng = finger_rng(source.seed, source.identity, source.finger, 1, index)
    w, centres, vectors, half_w, half_h = draw_placement(
        rng, packed_profile(profile), flow[FLOW_CX], flow[FLOW_CY], height, width
    )
    noise = finger_rng(source.seed, source.identity, source.finger, 3, index)
    x, y, t, kind, sx, sy = observed_minutiae(
        noise, w, centres, vectors, half_w, half_h, truth.x, truth.y,
        np.cos(truth.theta), np.sin(truth.theta), truth.kind, height, width, _RATES,
    )  # fmt: skip
    back_x, back_y = _skin_warp(w, centres, vectors).to_master(sx, sy) if sx.size else (sx, sy)
    st, sk = spurious_directions(noise, flow, points, back_x, back_y, w[W_ROTATION])
    return GroundTruthMinutiae(
        np.clip(np.concatenate([x, sx]), 0, width - 1).astype(np.float32),
        np.clip(np.concatenate([y, sy]), 0, height - 1).astype(np.float32),
        np.concatenate([t, st]).astype(np.float32),
        np.concatenate([kind, sk]),
    )


_RATES = np.array(
    [*MISS_RATE, POSITION_JITTER, ANGLE_JITTER, TYPE_CONFUSION, SPURIOUS_RATE], dtype=np.float64
)


def _skin_warp(w: Array, centres: Array, vectors: Array) -> SkinWarp:
    """The numpy skin warp of a packed one (its ``to_master`` is numpy's, BLAS product and all)."""
    return SkinWarp(
        centre_image=w[0:2], centre_master=w[2:4], cos_r=float(w[4]), sin_r=float(w[5]),
        contact=w[6:8], inner=float(w[8]), outer=float(w[9]), skin_cos=float(w[10]),
        skin_sin=float(w[11]), skin_shift=w[12:14], bump_centres=centres,
        bump_vectors=vectors, bump_scale=float(w[14]),
    )  # fmt: skip


def packed_flow(pattern: FingerPattern) -> tuple[Array, Array]:
    """A pattern's ridge flow as ``template_kernels`` takes it (``flow``, ``points``)."""
    flow = np.array(
        [
            pattern.base_angle, pattern.centre_x, pattern.centre_y, pattern.arch_strength,
            *(value for wave in pattern.wobble for value in wave),
        ],
        dtype=np.float64,
    )  # fmt: skip
    points = np.array(
        [
            (p.x, p.y, 0.5 if p.is_core else -0.5, cut)
            for p, cut in zip(pattern.singular_points, pattern.cut_angles, strict=True)
        ],
        dtype=np.float64,
    ).reshape(-1, 4)
    return flow, points


def to_engine_template(
    minutiae: GroundTruthMinutiae,
    size: tuple[int, int] = DEFAULT_SIZE,
    quality: int = 60,
    ppi: int = 500,
) -> Template:
    """The engine's :class:`Template` for these minutiae (same angle convention; the engine's
    types are ours + 1), so synthetic templates can be enrolled and searched like extracted
    ones. Minutiae outside the image are dropped."""
    height, width = size
    keep = (minutiae.x >= 0) & (minutiae.x < width) & (minutiae.y >= 0) & (minutiae.y < height)
    return Template.from_arrays(
        minutiae.x[keep].astype(np.float64),
        minutiae.y[keep].astype(np.float64),
        minutiae.theta[keep].astype(np.float64),
        minutiae.kind[keep].astype(np.int64) + int(MinutiaType.ENDING),  # ours + 1
        np.ones(int(keep.sum())),
        width=width,
        height=height,
        ppi=ppi,
        quality=quality,
    )
