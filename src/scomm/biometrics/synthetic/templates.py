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

from scomm.biometrics.synthetic.draws import cumulative_shares, draw_index
from scomm.biometrics.synthetic.impression import DEFAULT_PROFILE, DEFAULT_SIZE
from scomm.biometrics.synthetic.master import (
    DENSITY_RANGE,
    ENDING_SHARE,
    MIN_SPACING,
    Fingertip,
    finger_rng,
)
from scomm.biometrics.synthetic.minutiae import BIFURCATION, ENDING, GroundTruthMinutiae
from scomm.biometrics.synthetic.pattern import (
    CLASS_ORDER,
    MASTER_HEIGHT,
    MASTER_WIDTH,
    FingerPattern,
    draw_pattern_class,
    sample_pattern,
)
from scomm.biometrics.synthetic.profile import CaptureProfile
from scomm.biometrics.synthetic.template_kernels import (
    BUMPS,
    FLOW_CX,
    FLOW_CY,
    bump_weights,
    candidate_minutiae,
    engine_minutiae,
    flow_from_draws,
    master_directions,
    packed_profile,
    placement_from_draws,
    reported_minutiae,
    spaced_points,
    spurious_directions,
    visible_minutiae,
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
    return _as_truth(_impression(source, flow, points, source.minutiae, index, size, profile), size)


def impression_of_new_finger(
    seed: int,
    identity: int,
    finger: FingerPosition | int,
    index: int = 0,
    size: tuple[int, int] = DEFAULT_SIZE,
    profile: CaptureProfile = DEFAULT_PROFILE,
) -> GroundTruthMinutiae:
    """``template_impression(synthesize_master_template(seed, identity, finger), index, ...)``
    without the master's Python objects (the same numbers)."""
    return _as_truth(_new_finger(seed, identity, int(finger), index, size, profile), size)


def template_of_new_finger(
    seed: int,
    identity: int,
    finger: FingerPosition | int,
    index: int = 0,
    size: tuple[int, int] = DEFAULT_SIZE,
    quality: int = 60,
    ppi: int = 500,
) -> Template:
    """``to_engine_template(impression_of_new_finger(seed, identity, finger, index, size),
    size, quality, ppi)``, the gallery fillers' path: the minutiae go from the compiled steps
    to the template's stored resolution in one more (the same template, bytes and all)."""
    drawn = _new_finger(seed, identity, int(finger), index, size, DEFAULT_PROFILE)
    height, width = size
    x, y, theta, kind = engine_minutiae(*drawn, height, width)
    return Template.of_quantised(x, y, theta, kind, np.ones(len(x)), width, height, ppi, quality)


def _new_finger(
    seed: int,
    identity: int,
    finger_code: int,
    index: int,
    size: tuple[int, int],
    profile: CaptureProfile,
) -> _Drawn:
    """A new finger's master minutiae drawn as ``synthesize_master_template`` draws them
    (stream 4), and their impression ``index``."""
    rng = finger_rng(seed, identity, finger_code, 4)
    pattern_class = CLASS_ORDER.index(draw_pattern_class(rng, finger_code))
    normals = rng.standard_normal(5 if pattern_class == 1 else 3)
    uniforms = rng.random(_CLASS_UNIFORMS[pattern_class])
    waves = np.concatenate(
        [part for _ in range(2) for part in (rng.standard_normal(3), rng.random(1))]
        + [rng.standard_normal(3), rng.random(2)]
    )
    flow, points = flow_from_draws(pattern_class, normals, uniforms, waves)
    tip_normals = rng.standard_normal(2)
    tip_uniforms = rng.random(4)
    tip = np.array(
        [
            MASTER_WIDTH / 2 + (0.0 + 6.0 * tip_normals[0]),
            MASTER_HEIGHT / 2 + 40 + (0.0 + 8.0 * tip_normals[1]),
            175 + (205 - 175) * tip_uniforms[0],
            250 + (280 - 250) * tip_uniforms[1],
            2.2 + (2.8 - 2.2) * tip_uniforms[2],
        ]
    )
    density = DENSITY_RANGE[0] + (DENSITY_RANGE[1] - DENSITY_RANGE[0]) * tip_uniforms[3]
    box = 4.0 * tip[2] * min(tip[3], MASTER_HEIGHT / 2)
    count = int(rng.poisson(density * box * DENSITY_SCALE))
    positions = rng.random(2 * (count + count // 2 + 8))
    xs, ys = candidate_minutiae(tip, count, positions, points, MIN_SPACING)
    turns = rng.integers(0, 2, len(xs))
    truth = _Truth(
        *master_directions(xs, ys, flow, points, turns, rng.random(len(xs)), ENDING_SHARE)
    )
    source = _Finger(seed, identity, finger_code)
    return _impression(source, flow, points, truth, index, size, profile)


_CLASS_UNIFORMS = (0, 1, 5, 5, 8)
"""How many ``random()`` draws each class's singular points take (``flow_from_draws``)."""


@dataclass(frozen=True)
class _Finger:
    """Whose streams an impression draws from."""

    seed: int
    identity: int
    finger: int


@dataclass(frozen=True, eq=False)
class _Truth:
    """Master minutiae as ``GroundTruthMinutiae`` holds them (float32, directions in [0, 2 pi))
    without its checks: they come straight from ``master_directions``."""

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
) -> _Drawn:
    """An impression's minutiae (float64, not yet clipped to the frame): placement and skin
    from stream 1, the extractor's noise from stream 3, each drawn in the plain code's order
    (``template_kernels`` does the rest)."""
    if index < 0:
        raise ValueError(f"impression index must be >= 0, got {index}")
    height, width = size
    rng = finger_rng(source.seed, source.identity, source.finger, 1, index)
    prof = packed_profile(profile)
    manner = draw_index(rng, cumulative_shares(profile.manner_shares))
    normals = rng.standard_normal(5)
    pressure = float(rng.beta(2.0, 2.0))
    rng.standard_normal()  # the skin's moisture: images only
    ring = rng.random(2)
    skin_rotation = rng.standard_normal(1)
    outer = rng.random(1)
    skin = np.concatenate([skin_rotation, rng.standard_normal(2)])
    bumps = np.concatenate([rng.random(2 * BUMPS), rng.standard_normal(2 * BUMPS)])
    uniforms = np.concatenate([ring, outer, rng.random(3)])
    w, centres, vectors, half_w, half_h = placement_from_draws(
        prof, manner, normals, pressure, uniforms, skin, bumps, flow[FLOW_CX], flow[FLOW_CY],
        height, width,
    )  # fmt: skip

    noise = finger_rng(source.seed, source.identity, source.finger, 3, index)
    # a master's minutiae are read-only, a new finger's not: one compiled kernel for both
    tx, ty = (a if a.flags.writeable else a.copy() for a in (truth.x, truth.y))
    x, y, theta, keep = visible_minutiae(
        w, centres, vectors, half_w, half_h, tx, ty, np.cos(truth.theta),
        np.sin(truth.theta), noise.random(1 + len(truth.x)), _MISS_RANGE, height, width,
    )  # fmt: skip
    kept = len(x)
    jitter = noise.standard_normal(3 * kept)
    confusion = noise.random(kept)
    spurious = noise.random(2 * int(noise.poisson(SPURIOUS_RATE * max(kept, 1))))
    x, y, t, kind, sx, sy = reported_minutiae(
        x, y, theta, truth.kind[keep], jitter, confusion, spurious, w[6:8], half_w, half_h,
        _RATES, height, width,
    )  # fmt: skip
    g = bump_weights(sx, sy, centres, -0.5 / float(w[14]) ** 2)
    turns = noise.integers(0, 2, len(sx))
    st = spurious_directions(
        flow, points, sx, sy, w, g @ vectors[:, 0], g @ vectors[:, 1], turns
    )  # fmt: skip
    sk = noise.integers(0, 2, len(sx)).astype(np.uint8)
    return (
        np.concatenate([x, sx]),
        np.concatenate([y, sy]),
        np.concatenate([t, st]),
        np.concatenate([kind, sk]),
    )


_Drawn = tuple[Array, Array, Array, npt.NDArray[np.uint8]]


def _as_truth(drawn: _Drawn, size: tuple[int, int]) -> GroundTruthMinutiae:
    """An impression's drawn minutiae, kept inside the frame."""
    x, y, theta, kind = drawn
    height, width = size
    return GroundTruthMinutiae(
        np.clip(x, 0, width - 1).astype(np.float32),
        np.clip(y, 0, height - 1).astype(np.float32),
        theta.astype(np.float32),
        kind,
    )


_MISS_RANGE = np.array(MISS_RATE, dtype=np.float64)
_RATES = np.array([POSITION_JITTER, ANGLE_JITTER, TYPE_CONFUSION], dtype=np.float64)


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
