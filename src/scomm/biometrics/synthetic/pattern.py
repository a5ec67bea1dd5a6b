"""Pattern classes, singular points and the ridge orientation model.

The orientation follows the zero-pole model (Sherlock and Monro 1993): every core turns the ridge
direction by half a turn around it, every delta by minus half a turn. A smooth, single-valued
correction (the finger's arch curvature and a few random low-order terms, in the spirit of Vizcaya
and Gerhardt 1996) makes it look less like a textbook drawing without adding singular points.

The half-angle has branch cuts. Each cut is a straight *slit* from a singular point either to its
partner (a core-delta or core-core pair) or out of the print. Crossing a slit turns the ridge
normal round; the phase solver needs to know where that happens, so slits are explicit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

from scomm.biometrics.synthetic.draws import cumulative_shares, draw_index
from scomm.domain import FingerPosition

Array = npt.NDArray[np.float64]

MASTER_HEIGHT = 560
MASTER_WIDTH = 480


class PatternClass(Enum):
    """The five classes of the Henry system as used by SFinGe and NIST SD4."""

    ARCH = "arch"
    TENTED_ARCH = "tented_arch"
    LEFT_LOOP = "left_loop"
    RIGHT_LOOP = "right_loop"
    WHORL = "whorl"


# Class frequencies by finger (thumb, index, middle, ring, little), right hand; mirrored (left and
# right loops swapped) for the left hand. Whorls favour thumbs and ring fingers, arches and radial
# loops the index finger; overall close to the 3.7/2.9/33.8/31.7/27.9 % mix reported for NIST data.
_CLASS_PRIORS: dict[int, tuple[float, float, float, float, float]] = {
    # arch, tented, left(radial on right hand), right(ulnar on right hand), whorl
    0: (0.02, 0.02, 0.04, 0.50, 0.42),
    1: (0.09, 0.08, 0.16, 0.35, 0.32),
    2: (0.04, 0.03, 0.03, 0.66, 0.24),
    3: (0.02, 0.02, 0.02, 0.48, 0.46),
    4: (0.02, 0.02, 0.01, 0.75, 0.20),
}
_CLASS_SHARES = {
    index: cumulative_shares(tuple(np.array(priors) / np.array(priors).sum()))
    for index, priors in _CLASS_PRIORS.items()
}
"""The priors as ``rng.choice(5, p=priors / priors.sum())`` accumulates them."""
CLASS_ORDER = (
    PatternClass.ARCH,
    PatternClass.TENTED_ARCH,
    PatternClass.LEFT_LOOP,
    PatternClass.RIGHT_LOOP,
    PatternClass.WHORL,
)


@dataclass(frozen=True)
class SingularPoint:
    """A core (index +1/2) or delta (index -1/2) at pixel coordinates of the master print."""

    x: float
    y: float
    is_core: bool


@dataclass(frozen=True)
class Slit:
    """A branch cut of the half-angle: from ``start`` along the unit direction for ``length``."""

    start_x: float
    start_y: float
    dir_x: float
    dir_y: float
    length: float


@dataclass(frozen=True)
class FingerPattern:
    """Everything that fixes the ridge flow of one finger."""

    pattern_class: PatternClass
    singular_points: tuple[SingularPoint, ...]
    slits: tuple[Slit, ...]
    #: per singular point, the direction along which its own cut leaves it (radians)
    cut_angles: tuple[float, ...]
    base_angle: float
    centre_x: float
    centre_y: float
    arch_strength: float
    #: coefficients of the smooth correction: (cos, sin) pairs of low spatial frequencies
    wobble: tuple[tuple[float, float, float, float], ...]

    def normal_angle(self, x: Array, y: Array) -> Array:
        """Raw angle of the ridge normal at (x, y): continuous except across the slits."""
        theta = np.full(np.broadcast(x, y).shape, self.base_angle, dtype=np.float64)
        for point, cut in zip(self.singular_points, self.cut_angles, strict=True):
            # angle of (z - s) measured so that its 2*pi jump lies exactly along the cut ray
            dx = x - point.x
            dy = y - point.y
            c, s = np.cos(cut), np.sin(cut)
            along = dx * c + dy * s
            across = -dx * s + dy * c
            angle = np.arctan2(-across, -along)  # jumps where across == 0 and along > 0
            theta += (0.5 if point.is_core else -0.5) * angle
        theta += self._correction(x, y)
        return theta + np.pi / 2

    def _correction(self, x: Array, y: Array) -> Array:
        """Smooth single-valued angle correction: arch curvature plus a few random waves."""
        u = (x - self.centre_x) / MASTER_WIDTH
        v = (y - self.centre_y) / MASTER_HEIGHT
        # ridges bend down towards the sides like the fingertip's outline, mostly above the core
        top = 1.0 / (1.0 + np.exp(8.0 * (v + 0.05)))
        correction = np.arctan(self.arch_strength * u) * (0.35 + 0.65 * top)
        for fx, fy, amp, phase in self.wobble:
            correction = correction + amp * np.sin(2 * np.pi * (fx * u + fy * v) + phase)
        return np.asarray(correction, dtype=np.float64)


def _finger_index(finger: FingerPosition | int) -> tuple[int, bool]:
    """Finger (0 thumb .. 4 little) and whether it is on the left hand."""
    code = int(finger)
    if 1 <= code <= 10:
        return (code - 1) % 5, code > 5
    return 1, False  # unknown or plain captures: behave like an index finger


def sample_pattern(rng: np.random.Generator, finger: FingerPosition | int) -> FingerPattern:
    """Draw a pattern class for the finger, then its singular points and flow corrections."""
    return pattern_for_class(rng, draw_pattern_class(rng, finger))


def draw_pattern_class(rng: np.random.Generator, finger: FingerPosition | int) -> PatternClass:
    """The finger's pattern class, drawn from its priors (loops mirrored on the left hand)."""
    index, left_hand = _finger_index(finger)
    pattern_class = CLASS_ORDER[draw_index(rng, _CLASS_SHARES[index])]
    if left_hand and pattern_class in (PatternClass.LEFT_LOOP, PatternClass.RIGHT_LOOP):
        pattern_class = (
            PatternClass.RIGHT_LOOP
            if pattern_class is PatternClass.LEFT_LOOP
            else PatternClass.LEFT_LOOP
        )
    return pattern_class


def pattern_for_class(rng: np.random.Generator, pattern_class: PatternClass) -> FingerPattern:
    """Singular points in plausible places for the class, with their slits."""
    cx = MASTER_WIDTH / 2 + rng.normal(0, 12)
    cy = MASTER_HEIGHT * 0.5 + rng.normal(0, 15)
    points: list[SingularPoint] = []
    slits: list[Slit] = []
    cuts: list[float] = []
    base = rng.normal(0, 0.06)
    if pattern_class is PatternClass.TENTED_ARCH:
        core = SingularPoint(cx + rng.normal(0, 10), cy - 20 + rng.normal(0, 10), True)
        gap = rng.uniform(45, 85)
        delta = SingularPoint(core.x, core.y + gap, False)
        points = [core, delta]
        _pair(points, slits, cuts, 0, 1)
    elif pattern_class in (PatternClass.LEFT_LOOP, PatternClass.RIGHT_LOOP):
        side = 1.0 if pattern_class is PatternClass.LEFT_LOOP else -1.0
        core = SingularPoint(cx + side * rng.uniform(5, 35), cy - rng.uniform(10, 50), True)
        distance = rng.uniform(120, 175)
        angle = np.deg2rad(rng.uniform(45, 70))
        delta = SingularPoint(
            core.x + side * distance * np.cos(angle), core.y + distance * np.sin(angle), False
        )
        points = [core, delta]
        _pair(points, slits, cuts, 0, 1)
        base += side * rng.uniform(0.0, 0.25)
    elif pattern_class is PatternClass.WHORL:
        spread = rng.uniform(0, 40)
        tilt = rng.uniform(0, np.pi)
        c1 = SingularPoint(
            cx + 0.5 * spread * np.cos(tilt), cy - 30 + 0.5 * spread * np.sin(tilt) + 8, True
        )
        c2 = SingularPoint(
            cx - 0.5 * spread * np.cos(tilt), cy - 30 - 0.5 * spread * np.sin(tilt) - 8, True
        )
        d_left = SingularPoint(cx - rng.uniform(100, 150), cy + rng.uniform(70, 140), False)
        d_right = SingularPoint(cx + rng.uniform(100, 150), cy + rng.uniform(70, 140), False)
        points = [c1, c2, d_left, d_right]
        _pair(points, slits, cuts, 0, 1)
        _ray(points, slits, cuts, 2, np.pi * rng.uniform(0.75, 0.9))
        _ray(points, slits, cuts, 3, np.pi * rng.uniform(0.1, 0.25))
    wobble = tuple(
        (
            float(rng.normal(0, 0.9)),
            float(rng.normal(0, 0.9)),
            float(rng.normal(0, 0.08)),
            float(rng.uniform(0, 2 * np.pi)),
        )
        for _ in range(3)
    )
    arch = rng.uniform(2.0, 3.5) if pattern_class is PatternClass.ARCH else rng.uniform(0.6, 1.6)
    return FingerPattern(
        pattern_class=pattern_class,
        singular_points=tuple(points),
        slits=tuple(slits),
        cut_angles=tuple(cuts),
        base_angle=float(base),
        centre_x=float(cx),
        centre_y=float(cy + (60 if pattern_class is PatternClass.ARCH else 0)),
        arch_strength=float(arch),
        wobble=wobble,
    )


def _pair(
    points: list[SingularPoint], slits: list[Slit], cuts: list[float], a: int, b: int
) -> None:
    """Join two singular points by one slit: both cuts run along the line from a through b."""
    pa, pb = points[a], points[b]
    dx, dy = pb.x - pa.x, pb.y - pa.y
    length = float(np.hypot(dx, dy))
    angle = float(np.arctan2(dy, dx))
    slits.append(Slit(pa.x, pa.y, dx / length, dy / length, length))
    cuts.extend([angle, angle])


def _ray(
    points: list[SingularPoint], slits: list[Slit], cuts: list[float], a: int, angle: float
) -> None:
    """A cut from a singular point straight out of the master canvas."""
    pa = points[a]
    c, s = float(np.cos(angle)), float(np.sin(angle))
    length = float(2 * np.hypot(MASTER_WIDTH, MASTER_HEIGHT))
    slits.append(Slit(pa.x, pa.y, c, s, length))
    cuts.append(angle)
