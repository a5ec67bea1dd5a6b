"""Master fingerprints: the finger itself, from which every impression is taken.

A master is the ridge pattern ``cos(psi)`` of one (identity, finger) on a 480 x 560 canvas at
500 ppi, the outline of the fingertip, and the minutiae that the spiral phase put there. Minutiae
are placed by dart throwing with a minimum spacing, more densely where the smooth phase cannot
keep the ridges close enough (inside loops and tents), and with the polarity that adds a ridge
there; each is then nudged by at most half a ridge period across the flow so that it becomes
the ending or bifurcation that was drawn. Type and direction are finally *measured* from the
finished phase field, so the ground truth describes the image, not the intention.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.synthetic.frequency import RidgePeriodMap, sample_period_map
from scomm.biometrics.synthetic.minutiae import BIFURCATION, ENDING, GroundTruthMinutiae
from scomm.biometrics.synthetic.pattern import (
    MASTER_HEIGHT,
    MASTER_WIDTH,
    FingerPattern,
    PatternClass,
    pattern_for_class,
    sample_pattern,
)
from scomm.biometrics.synthetic.phase import (
    ContinuousPhase,
    distance_to_segments,
    solve_continuous_phase,
    strain,
)
from scomm.biometrics.synthetic.ridges import (
    SLIT_BAND,
    SpiralSet,
    phase_at,
    render_ridges,
    slit_pinning,
)
from scomm.biometrics.synthetic.seeding import seeded_generator
from scomm.domain import FingerPosition

Array = npt.NDArray[np.float64]

#: minutiae per pixel of finger area (about 45 in the part of a finger a 400 x 400 flat sees)
DENSITY_RANGE = (3.0e-4, 4.4e-4)
MIN_SPACING = 11.0
ENDING_SHARE = 0.55
MAX_STRAIN = 0.1
MAX_LAYOUTS = 8


@dataclass(frozen=True, eq=False)
class MasterPrint:
    """One finger of one synthetic identity."""

    seed: int
    identity: int
    finger: int
    pattern: FingerPattern
    periods: RidgePeriodMap
    #: ``cos(psi)`` in [-1, 1]; ridges are where it is positive (float32, MASTER_HEIGHT x WIDTH)
    ridges: npt.NDArray[np.float32]
    #: fingertip outline, 1 inside and 0 outside with a soft edge (float32)
    outline: npt.NDArray[np.float32]
    #: skin creases and scars: 1 = skin prints, towards 0 on a crease (float32)
    creases: npt.NDArray[np.float32]
    minutiae: GroundTruthMinutiae

    @property
    def pattern_class(self) -> PatternClass:
        return self.pattern.pattern_class


def finger_rng(
    seed: int, identity: int, finger: int, stream: int, *more: int
) -> np.random.Generator:
    """Independent, reproducible random streams per (seed, identity, finger, purpose, ...)."""
    for name, value in (("seed", seed), ("identity", identity), ("finger", finger)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    return seeded_generator(seed, identity, finger, stream, *more)  # default_rng's stream


def generate_master(
    seed: int,
    identity: int,
    finger: FingerPosition | int = FingerPosition.RIGHT_INDEX,
    pattern_class: PatternClass | None = None,
) -> MasterPrint:
    """The master print of ``identity``'s ``finger``; the same arguments give the same print."""
    finger_code = int(finger)
    rng = finger_rng(seed, identity, finger_code, 0)
    for _ in range(MAX_LAYOUTS):  # redraw the rare layouts no ridge phase can follow
        pattern = (
            sample_pattern(rng, finger_code)
            if pattern_class is None
            else pattern_for_class(rng, pattern_class)
        )
        periods = sample_period_map(rng, pattern.centre_x, pattern.centre_y)
        phase = solve_continuous_phase(pattern, periods)
        if strain(phase) < MAX_STRAIN:
            break
    outline = Fingertip.sample(rng).image()
    spirals = _place_spirals(rng, pattern, phase, outline)
    pin = slit_pinning(phase, spirals)
    spirals, pin = _nudge_to_kind(rng, phase, spirals, pin)
    minutiae = _measure(phase, spirals, pin)
    ridges = render_ridges(phase, spirals, pin, outline > 0)
    return MasterPrint(
        seed=seed,
        identity=identity,
        finger=finger_code,
        pattern=pattern,
        periods=periods,
        ridges=ridges,
        outline=outline,
        creases=_creases(rng, outline.shape),
        minutiae=minutiae,
    )


@dataclass(frozen=True)
class Fingertip:
    """The fingertip's outline: a superellipse, open towards the bottom of the canvas."""

    centre_x: float
    centre_y: float
    half_width: float
    half_height: float
    power: float

    @classmethod
    def sample(cls, rng: np.random.Generator) -> Fingertip:
        return cls(
            centre_x=float(MASTER_WIDTH / 2 + rng.normal(0, 6)),
            centre_y=float(MASTER_HEIGHT / 2 + 40 + rng.normal(0, 8)),
            half_width=float(rng.uniform(175, 205)),
            half_height=float(rng.uniform(250, 280)),
            power=float(rng.uniform(2.2, 2.8)),
        )

    def coverage(self, x: Array, y: Array) -> Array:
        """1 well inside, 0 outside, a soft edge a few pixels wide."""
        u = np.abs(x - self.centre_x) / self.half_width
        v = np.abs(y - self.centre_y) / self.half_height
        v = np.where(y > self.centre_y, v * 0.6, v)  # the finger continues below the tip
        radius = (u**self.power + v**self.power) ** (1.0 / self.power)
        return np.asarray(np.clip((1.0 - radius) * 25.0, 0.0, 1.0), dtype=np.float64)

    def image(self) -> npt.NDArray[np.float32]:
        # u depends on the column only and v on the row only: their powers are taken once per
        # column and row, and the sum's root only on the soft edge: well inside (radius below
        # 0.95, (1 - radius) * 25 >= 1.25) the outline is 1 and outside (a sum of powers above
        # 1.001, so a radius above 1.0003) it is 0, far beyond the root's rounding either way
        xs = np.arange(MASTER_WIDTH, dtype=np.float32)
        ys = np.arange(MASTER_HEIGHT, dtype=np.float32)[:, None]
        u = np.abs(xs - np.float32(self.centre_x)) / np.float32(self.half_width)
        v = np.abs(ys - np.float32(self.centre_y)) / np.float32(self.half_height)
        v = np.where(ys > self.centre_y, v * np.float32(0.6), v)
        power = np.float32(self.power)
        total = u**power + v**power
        outline = np.zeros(total.shape, dtype=np.float32)
        inside = total <= np.float32(0.95 ** float(power) * (1 - 1e-4))
        outline[inside] = 1.0
        edge = ~inside & (total < np.float32(1.001))
        radius = total[edge] ** (np.float32(1.0) / power)
        outline[edge] = np.clip((1.0 - radius) * 25.0, 0.0, 1.0)
        return outline


def _creases(rng: np.random.Generator, shape: tuple[int, ...]) -> npt.NDArray[np.float32]:
    """Thin white lines where the skin folds or was cut; some people have many."""
    height, width = shape
    # drawn at half resolution (cheap), then smoothed up: creases are soft-edged anyway
    canvas = np.zeros((height // 2, width // 2), dtype=np.float32)
    for _ in range(int(rng.poisson(rng.choice([1.0, 3.0, 8.0])))):
        x, y = rng.uniform(0, width / 2), rng.uniform(0, height / 2)
        angle = rng.normal(0, 0.5) if rng.uniform() < 0.6 else rng.uniform(0, np.pi)
        half = rng.uniform(10, 90)
        dx, dy = half * np.cos(angle), half * np.sin(angle)
        start = (round(x - dx), round(y - dy))
        end = (round(x + dx), round(y + dy))
        cv2.line(canvas, start, end, float(rng.uniform(0.5, 1.0)), 1, cv2.LINE_AA)
    full = cv2.resize(canvas, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.asarray(1.0 - np.clip(full * 1.6, 0.0, 0.95), dtype=np.float32)


def _place_spirals(
    rng: np.random.Generator,
    pattern: FingerPattern,
    phase: ContinuousPhase,
    outline: npt.NDArray[np.float32],
) -> SpiralSet:
    area = float((outline > 0.5).sum())
    count = int(rng.poisson(rng.uniform(*DENSITY_RANGE) * area))
    deficit = _ridge_deficit(phase)
    candidates = 10 * count + 50
    margin = 12.0  # the type nudge moves a spiral by up to half a period
    cx = rng.uniform(margin, MASTER_WIDTH - 1 - margin, candidates)
    cy = rng.uniform(margin, MASTER_HEIGHT - 1 - margin, candidates)
    ok = outline[cy.astype(int), cx.astype(int)] > 0.9
    if len(phase.slit_length):
        near_slit = distance_to_segments(
            cx, cy, phase.slit_start, phase.slit_dir, phase.slit_length
        ).min(axis=1)
        ok &= near_slit > SLIT_BAND + 3
    for point in pattern.singular_points:
        ok &= np.hypot(cx - point.x, cy - point.y) > 24
    step = phase.step
    gi = np.clip(((cy + 0.5) / step).astype(int), 0, deficit.shape[0] - 1)
    gj = np.clip(((cx + 0.5) / step).astype(int), 0, deficit.shape[1] - 1)
    lack = deficit[gi, gj]
    ok &= rng.uniform(0, 1, candidates) < (1.0 + 4.0 * lack) / 5.0
    cx, cy, lack = cx[ok], cy[ok], lack[ok]
    picked = _dart_throw(cx, cy, count, MIN_SPACING)
    xs, ys = cx[picked], cy[picked]
    polarity = rng.choice(np.array([-1.0, 1.0]), len(picked))
    # where ridges spread apart along the flow, orient the spiral so that it adds a ridge there
    gradients = np.gradient(deficit, float(step))
    gy, gx = np.asarray(gradients[0]), np.asarray(gradients[1])
    d_gx = gx[gi[ok][picked], gj[ok][picked]]
    d_gy = gy[gi[ok][picked], gj[ok][picked]]
    normal = pattern.normal_angle(xs, ys)
    along = -np.sin(normal) * d_gx + np.cos(normal) * d_gy  # derivative along normal + 90 deg
    wants = (lack[picked] > 0.08) & (np.abs(along) > 1e-4)
    polarity = np.where(wants, -np.sign(along), polarity)
    return SpiralSet(xs, ys, polarity)


@compiled()
def _dart_throw(
    cx: Array, cy: Array, count: int, spacing: float
) -> npt.NDArray[np.int64]:  # pragma: no cover - compiled
    """The first ``count`` candidates, in order, that lie at least ``spacing`` from every one
    taken before them (compiled: a numpy distance test per candidate cost ~2 ms a master)."""
    chosen = np.empty(min(count, cx.shape[0]), dtype=np.int64)
    taken = 0
    for index in range(cx.shape[0]):
        if taken >= count:
            break
        for c in range(taken):
            if np.hypot(cx[chosen[c]] - cx[index], cy[chosen[c]] - cy[index]) < spacing:
                break
        else:
            chosen[taken] = index
            taken += 1
    return chosen[:taken]


def _ridge_deficit(phase: ContinuousPhase) -> Array:
    """How much sparser than wanted the smooth phase leaves the ridges (0 = as wanted)."""
    gradients = np.gradient(phase.values, float(phase.step))
    gy, gx = np.asarray(gradients[0]), np.asarray(gradients[1])
    target = 2 * np.pi / phase.period
    ratio = np.hypot(gx, gy) / target
    return np.asarray(np.clip(1.0 - ratio, 0.0, 1.0), dtype=np.float64)


def _local_wave(
    phase: ContinuousPhase, spirals: SpiralSet, pin: Array
) -> tuple[Array, Array, Array]:
    """Per spiral: phase without itself at its centre, local wave direction and wavenumber."""
    n = len(spirals.x)
    own = np.arange(n, dtype=np.int64)
    eps = 1.0
    px = np.concatenate([spirals.x, spirals.x + eps, spirals.x - eps, spirals.x, spirals.x])
    py = np.concatenate([spirals.y, spirals.y, spirals.y, spirals.y + eps, spirals.y - eps])
    values = phase_at(phase, spirals, pin, px, py, np.tile(own, 5))
    centre, right, left, down, up = values.reshape(5, n)
    gx = _wrap(right - left) / (2 * eps)
    gy = _wrap(down - up) / (2 * eps)
    return centre, np.arctan2(gy, gx), np.hypot(gx, gy)


def _wrap(angle: Array) -> Array:
    return np.asarray((angle + np.pi) % (2 * np.pi) - np.pi, dtype=np.float64)


def _nudge_to_kind(
    rng: np.random.Generator, phase: ContinuousPhase, spirals: SpiralSet, pin: Array
) -> tuple[SpiralSet, Array]:
    """Move each spiral across the flow so its phase offset makes the drawn minutia type.

    With the local phase ``phi0`` (own spiral excluded, plus ``polarity * direction``), the phase
    along the minutia's direction is ``phi0 - pi / 2``: a ridge (ending) when ``phi0 = pi / 2``,
    a valley (bifurcation) half a period further on.
    """
    n = len(spirals.x)
    if n == 0:
        return spirals, pin
    wants_ending = rng.uniform(0, 1, n) < ENDING_SHARE
    target = np.pi / 2 + np.where(wants_ending, 0.0, np.pi)
    xs, ys = spirals.x.copy(), spirals.y.copy()
    for _ in range(2):
        centre, beta, k = _local_wave(phase, spirals, pin)
        offset = _wrap(target - (centre + spirals.polarity * beta))
        shift = offset / np.maximum(k, 0.3)
        xs = xs + shift * np.cos(beta)
        ys = ys + shift * np.sin(beta)
        spirals = SpiralSet(xs.copy(), ys.copy(), spirals.polarity)
        pin = slit_pinning(phase, spirals)
    return spirals, pin


def _measure(phase: ContinuousPhase, spirals: SpiralSet, pin: Array) -> GroundTruthMinutiae:
    """Type and direction of each minutia as the final phase field draws it."""
    if len(spirals.x) == 0:
        return GroundTruthMinutiae.empty()
    centre, beta, _ = _local_wave(phase, spirals, pin)
    phi0 = centre + spirals.polarity * beta
    ending = np.cos(phi0 - np.pi / 2) > 0
    theta = beta - spirals.polarity * np.pi / 2
    kind = np.where(ending, ENDING, BIFURCATION).astype(np.uint8)
    return GroundTruthMinutiae(
        spirals.x.astype(np.float32),
        spirals.y.astype(np.float32),
        theta.astype(np.float32),
        kind,
    )
