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
from numba import njit

from scomm.biometrics.synthetic.impression import (
    DEFAULT_PROFILE,
    DEFAULT_SIZE,
    SkinWarp,
    contact_axes,
    draw_capture,
    draw_warp,
)
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
    FingerPattern,
    sample_pattern,
)
from scomm.biometrics.synthetic.profile import CaptureProfile
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
    spaced = _spaced(xs, ys, MIN_SPACING)  # drop the later point of each close pair
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


@njit(cache=True)
def _spaced(xs: Array, ys: Array, spacing: float) -> npt.NDArray[np.bool_]:  # pragma: no cover
    """Per point, whether no earlier point lies closer than ``spacing`` (earlier points that
    are dropped themselves count too: one pass, no chains)."""
    n = xs.shape[0]
    keep = np.ones(n, dtype=np.bool_)
    for j in range(n):
        for i in range(j):
            if np.hypot(xs[i] - xs[j], ys[i] - ys[j]) < spacing:
                keep[j] = False
                break
    return keep


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
    if index < 0:
        raise ValueError(f"impression index must be >= 0, got {index}")
    height, width = size
    rng = finger_rng(source.seed, source.identity, source.finger, 1, index)
    capture = draw_capture(rng, profile)
    pattern = source.pattern
    warp = draw_warp(rng, pattern.centre_x, pattern.centre_y, capture, height, width, profile)
    half_w, half_h = contact_axes(rng, capture, height, width, profile)
    truth = source.minutiae
    qx, qy, theta = _minutiae_to_image(warp, truth)
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
    st = pattern.normal_angle(back_x, back_y) - np.pi / 2 - capture.rotation
    st = st + np.pi * noise.integers(0, 2, len(sx))
    sk = noise.integers(0, 2, len(sx)).astype(np.uint8)
    return GroundTruthMinutiae(
        np.clip(np.concatenate([x, sx]), 0, width - 1).astype(np.float32),
        np.clip(np.concatenate([y, sy]), 0, height - 1).astype(np.float32),
        np.concatenate([t, st]).astype(np.float32),
        np.concatenate([kind, sk]),
    )


def _minutiae_to_image(warp: SkinWarp, truth: GroundTruthMinutiae) -> tuple[Array, Array, Array]:
    """``warp.minutiae_to_image(truth)`` with the fixed-point inversion of the skin warp
    compiled, point by point, instead of eight rounds of small numpy operations."""
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
    both_x, both_y = _warp_to_image(
        np.concatenate([mx, mx + 3 * np.cos(truth.theta)]),
        np.concatenate([my, my + 3 * np.sin(truth.theta)]),
        packed,
        np.ascontiguousarray(warp.bump_centres, dtype=np.float64),
        np.ascontiguousarray(warp.bump_vectors, dtype=np.float64),
    )
    qx, qy = both_x[:n], both_y[:n]
    return qx, qy, np.arctan2(both_y[n:] - qy, both_x[n:] - qx)


@njit(cache=True)
def _warp_to_image(
    mx: Array, my: Array, w: Array, centres: Array, vectors: Array
) -> tuple[Array, Array]:  # pragma: no cover - compiled
    """``SkinWarp.to_image`` (``w`` packed as in ``_minutiae_to_image``): master points to
    impression points by fixed-point iteration of the skin distortion."""
    n = mx.shape[0]
    out_x = np.empty(n)
    out_y = np.empty(n)
    scale = -0.5 / w[14] ** 2
    for p in range(n):
        vx = mx[p] - w[2]
        vy = my[p] - w[3]
        tx = w[0] + w[4] * vx + w[5] * vy
        ty = w[1] - w[5] * vx + w[4] * vy
        qx, qy = tx, ty
        for _ in range(8):  # the distortion's slope is well under 0.3: converges fast
            rx = qx - w[6]
            ry = qy - w[7]
            ring = min(max((np.hypot(rx, ry) - w[8]) / (w[9] - w[8]), 0.0), 1.0)
            brick = ring * ring * (3 - 2 * ring)
            dx = brick * ((w[10] - 1) * rx - w[11] * ry + w[12])
            dy = brick * (w[11] * rx + (w[10] - 1) * ry + w[13])
            bump_x = 0.0
            bump_y = 0.0
            for b in range(centres.shape[0]):
                ex = qx - centres[b, 0]
                ey = qy - centres[b, 1]
                g = np.exp((ex * ex + ey * ey) * scale)
                bump_x += g * vectors[b, 0]
                bump_y += g * vectors[b, 1]
            qx, qy = tx - (dx + bump_x), ty - (dy + bump_y)
        out_x[p] = qx
        out_y[p] = qy
    return out_x, out_y


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
