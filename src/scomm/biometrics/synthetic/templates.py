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

from scomm.biometrics.synthetic.impression import (
    DEFAULT_PROFILE,
    DEFAULT_SIZE,
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
from scomm.biometrics.template import Minutia, MinutiaType, Template
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
    close = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :]) < MIN_SPACING
    first_of_pair = np.triu(close, 1).any(axis=0)  # drop the later point of each close pair
    xs, ys = xs[~first_of_pair][:count], ys[~first_of_pair][:count]
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
    if index < 0:
        raise ValueError(f"impression index must be >= 0, got {index}")
    height, width = size
    rng = finger_rng(source.seed, source.identity, source.finger, 1, index)
    capture = draw_capture(rng, profile)
    pattern = source.pattern
    warp = draw_warp(rng, pattern.centre_x, pattern.centre_y, capture, height, width, profile)
    half_w, half_h = contact_axes(rng, capture, height, width, profile)
    truth = source.minutiae
    qx, qy, theta = warp.minutiae_to_image(truth)
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
    kinds = (MinutiaType.ENDING, MinutiaType.BIFURCATION)
    return Template.create(
        [
            Minutia(float(x), float(y), float(t), kinds[int(k)], 1.0)
            for x, y, t, k in zip(
                minutiae.x[keep],
                minutiae.y[keep],
                minutiae.theta[keep],
                minutiae.kind[keep],
                strict=True,
            )
        ],
        width=width,
        height=height,
        ppi=ppi,
        quality=quality,
    )
