"""Impressions: what a live-scan sensor captures when the finger touches it once.

Each impression of a master applies, in order: placement (translation and rotation of the finger
on the platen), elastic skin distortion (Cappelli, Maio and Maltoni 2001: no slip in the middle
of the contact area, a transition ring, then a small rotation and shift of the outer skin, plus
a gentle random warp), the contact area (larger under pressure, never beyond the fingertip),
skin condition (dry skin gives thin broken ridges, wet skin thick merged ones) and sensor noise.
All geometry ends in one ``cv2.remap``; the ground-truth minutiae go through the same mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.synthetic.master import MasterPrint, finger_rng
from scomm.biometrics.synthetic.minutiae import GroundTruthMinutiae

Array = npt.NDArray[np.float64]

DEFAULT_SIZE = (400, 400)  # height, width: a live-scan flat at 500 ppi

# --- capture: calibrated against FVC2004 DB1_B (docs/synthetic-fingerprints.md, "Realism") ---
#: ordinary, displaced-and-rotated, pressed-and-distorted captures (FVC2004 asked for both)
MANNER_SHARES = (0.55, 0.2, 0.25)
ROTATION_SD = (6.0, 18.0)  # degrees: ordinary, displaced
ROTATION_LIMIT = 40.0
PAD_BELOW_CENTRE = 20.0  # the pad's centre lies this far below the pattern centre (pixels)
PAD_SD = 24.0  # roll and tilt: which part of the finger touches (pixels on the finger)
PLACEMENT_SD = np.array([30.0, 35.0])  # where the contact lands in the frame (x, y pixels)
PLACEMENT_CARELESS = 1.6
DISTORTION_ORDINARY = (0.8, 1.6)
DISTORTION_STRONG = (2.2, 3.4)
SKIN_ROTATION_SD = 3.0  # degrees of outer-skin rotation, times the capture's distortion
SKIN_SHIFT_SD = 5.0  # pixels of outer-skin shift, times the distortion
BUMP_SD = 1.5  # pixels of random warp per bump, times the distortion
CONTACT_HALF_WIDTH = (110.0, 175.0)  # half-width of the contact ellipse, light .. heavy press
CONTACT_ELONGATION = (1.2, 1.5)  # height / width of the contact ellipse
MOISTURE_MEAN = -0.15  # FVC2004 DB1 leans dry
MOISTURE_SD = 0.6
WET_BLOTCH = 0.8  # how far wet blotches lower the ink threshold (valleys fill in)
GRAIN = 0.32  # ragged ridge edges
DRY_BREAKS = (0.8, 0.6)  # ridge ink lost where fine noise exceeds 0.8 - 0.6 * dryness


@dataclass(frozen=True)
class Capture:
    """The drawn conditions of one impression (kept so tests and reports can explain it)."""

    rotation: float  # radians, finger turned on the platen
    shift_x: float  # master pixel shown at the image centre, relative to the pattern centre
    shift_y: float
    pressure: float  # 0 (light, dry-looking) .. 1 (heavy, wet-looking)
    moisture: float  # -1 dry .. +1 wet
    contact_x: float = 0.0  # centre of the contact area, relative to the image centre (pixels)
    contact_y: float = 0.0
    distortion: float = 1.0  # scale of the elastic skin distortion (1 = ordinary press)


@dataclass(frozen=True, eq=False)
class Impression:
    """A grey-scale live-scan image (dark ridges on a light background) with its truth."""

    identity: int
    finger: int
    index: int
    image: npt.NDArray[np.uint8]
    minutiae: GroundTruthMinutiae
    capture: Capture


@dataclass(frozen=True, eq=False)
class SkinWarp:
    """Maps impression pixels to master pixels."""

    centre_image: Array  # (2,)
    centre_master: Array  # (2,)
    cos_r: float
    sin_r: float
    contact: Array  # (2,) centre of the contact area, impression pixels
    inner: float
    outer: float
    skin_cos: float
    skin_sin: float
    skin_shift: Array  # (2,)
    bump_centres: Array  # (n, 2)
    bump_vectors: Array  # (n, 2)
    bump_scale: float

    def distortion(self, qx: Array, qy: Array) -> tuple[Array, Array]:
        """Skin displacement at impression points (in impression pixels)."""
        rx = qx - self.contact[0]
        ry = qy - self.contact[1]
        ring = np.clip((np.hypot(rx, ry) - self.inner) / (self.outer - self.inner), 0.0, 1.0)
        brick = ring * ring * (3 - 2 * ring)
        dx = brick * ((self.skin_cos - 1) * rx - self.skin_sin * ry + self.skin_shift[0])
        dy = brick * (self.skin_sin * rx + (self.skin_cos - 1) * ry + self.skin_shift[1])
        # gentle random warp: a few Gaussian bumps of displacement, all at once
        ex = qx[..., None] - self.bump_centres[:, 0]
        ey = qy[..., None] - self.bump_centres[:, 1]
        g = np.exp((ex * ex + ey * ey) * (-0.5 / self.bump_scale**2))
        return dx + g @ self.bump_vectors[:, 0], dy + g @ self.bump_vectors[:, 1]

    def to_master(self, qx: Array, qy: Array) -> tuple[Array, Array]:
        dx, dy = self.distortion(qx, qy)
        ux = qx + dx - self.centre_image[0]
        uy = qy + dy - self.centre_image[1]
        mx = self.centre_master[0] + self.cos_r * ux - self.sin_r * uy
        my = self.centre_master[1] + self.sin_r * ux + self.cos_r * uy
        return mx, my

    def minutiae_to_image(self, minutiae: GroundTruthMinutiae) -> tuple[Array, Array, Array]:
        """Positions and directions of master minutiae in the impression."""
        n = len(minutiae)
        mx = minutiae.x.astype(np.float64)
        my = minutiae.y.astype(np.float64)
        both_x, both_y = self.to_image(
            np.concatenate([mx, mx + 3 * np.cos(minutiae.theta)]),
            np.concatenate([my, my + 3 * np.sin(minutiae.theta)]),
        )
        qx, qy = both_x[:n], both_y[:n]
        return qx, qy, np.arctan2(both_y[n:] - qy, both_x[n:] - qx)

    def to_image(self, mx: Array, my: Array) -> tuple[Array, Array]:
        """Inverse of :meth:`to_master` by fixed-point iteration (the distortion is gentle)."""
        vx = mx - self.centre_master[0]
        vy = my - self.centre_master[1]
        tx = self.centre_image[0] + self.cos_r * vx + self.sin_r * vy
        ty = self.centre_image[1] - self.sin_r * vx + self.cos_r * vy
        qx, qy = tx.copy(), ty.copy()
        for _ in range(8):  # the distortion's slope is well under 0.3: converges fast
            dx, dy = self.distortion(qx, qy)
            qx, qy = tx - dx, ty - dy
        return qx, qy


def render_impression(
    master: MasterPrint,
    index: int,
    size: tuple[int, int] = DEFAULT_SIZE,
) -> Impression:
    """Impression number ``index`` of ``master``; the same arguments give the same image."""
    if index < 0:
        raise ValueError(f"impression index must be >= 0, got {index}")
    height, width = size
    if not (64 <= height <= 1024 and 64 <= width <= 1024):
        raise ValueError(f"impression size must be within 64..1024 pixels, got {size}")
    rng = finger_rng(master.seed, master.identity, master.finger, 1, index)
    capture = draw_capture(rng)
    warp = draw_warp(rng, master.pattern.centre_x, master.pattern.centre_y, capture, height, width)

    step = 8
    gy, gx = np.mgrid[0 : height + step : step, 0 : width + step : step].astype(np.float64)
    mx, my = warp.to_master(gx, gy)
    full = (width + step, height + step)
    # coarse grid node (i, j) sits at pixel (j * step, i * step): resize with align-corners
    map_x = _upsample(mx, full, step)[:height, :width]
    map_y = _upsample(my, full, step)[:height, :width]
    ridges = np.asarray(
        cv2.remap(master.ridges, map_x, map_y, cv2.INTER_LINEAR, borderValue=0.0),
        dtype=np.float32,
    )
    outline = cv2.remap(master.outline, map_x, map_y, cv2.INTER_LINEAR, borderValue=0.0)
    contact = np.asarray(
        _contact_area(rng, warp, capture, height, width) * outline, dtype=np.float32
    )
    creases = cv2.remap(master.creases, map_x, map_y, cv2.INTER_LINEAR, borderValue=1.0)
    image = _skin_and_sensor(rng, ridges, contact * creases, capture)
    minutiae = _visible_minutiae(master.minutiae, warp, contact)
    return Impression(
        identity=master.identity,
        finger=master.finger,
        index=index,
        image=image,
        minutiae=minutiae,
        capture=capture,
    )


def _upsample(coarse: Array, full: tuple[int, int], step: int) -> npt.NDArray[np.float32]:
    # exact bilinear interpolation between nodes spaced `step` apart (node 0 at pixel 0)
    xs = np.arange(full[0], dtype=np.float32) / step
    ys = np.arange(full[1], dtype=np.float32) / step
    map_x, map_y = np.meshgrid(xs, ys)
    return np.asarray(
        cv2.remap(
            coarse.astype(np.float32),
            map_x,
            map_y,
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        ),
        dtype=np.float32,
    )


def draw_capture(rng: np.random.Generator) -> Capture:
    """How the finger met the sensor this time.

    The finger pad (a point ``PAD_BELOW_CENTRE`` below the pattern centre, moved by the roll of
    the finger) lands at a random place in the frame; careless captures are turned and moved
    further, or pressed and dragged so that the skin distorts more.
    """
    manner = rng.choice(len(MANNER_SHARES), p=MANNER_SHARES)
    displaced, distorted = manner == 1, manner == 2
    rotation = np.deg2rad(
        np.clip(rng.normal(0, ROTATION_SD[int(displaced)]), -ROTATION_LIMIT, ROTATION_LIMIT)
    )
    pad = rng.normal(0, PAD_SD, 2) + np.array([0.0, PAD_BELOW_CENTRE])
    place = rng.normal(0, 1, 2) * PLACEMENT_SD * (PLACEMENT_CARELESS if displaced else 1.0)
    # the image point ``centre + place`` shows the master point ``pattern centre + pad``
    cos_r, sin_r = np.cos(rotation), np.sin(rotation)
    shift = pad - np.array(
        [cos_r * place[0] - sin_r * place[1], sin_r * place[0] + cos_r * place[1]]
    )
    low, high = DISTORTION_STRONG if distorted else DISTORTION_ORDINARY
    return Capture(
        rotation=float(rotation),
        shift_x=float(shift[0]),
        shift_y=float(shift[1]),
        pressure=float(rng.beta(2.0, 2.0)),
        moisture=float(np.clip(rng.normal(MOISTURE_MEAN, MOISTURE_SD), -1, 1)),
        contact_x=float(place[0]),
        contact_y=float(place[1]),
        distortion=float(rng.uniform(low, high)),
    )


def draw_warp(
    rng: np.random.Generator,
    centre_x: float,
    centre_y: float,
    capture: Capture,
    height: int,
    width: int,
) -> SkinWarp:
    """Placement and skin distortion, around the finger's pattern centre."""
    centre_image = np.array([(width - 1) / 2, (height - 1) / 2])
    centre_master = np.array([centre_x + capture.shift_x, centre_y + capture.shift_y])
    contact = centre_image + np.array([capture.contact_x, capture.contact_y])
    inner = rng.uniform(35, 70) * (0.8 + 0.4 * capture.pressure)
    strength = capture.distortion
    skin_angle = np.deg2rad(rng.normal(0, SKIN_ROTATION_SD * strength))
    bumps = 5
    return SkinWarp(
        centre_image=centre_image,
        centre_master=centre_master,
        cos_r=float(np.cos(capture.rotation)),
        sin_r=float(np.sin(capture.rotation)),
        contact=contact,
        inner=float(inner),
        outer=float(inner + rng.uniform(80, 140)),
        skin_cos=float(np.cos(skin_angle)),
        skin_sin=float(np.sin(skin_angle)),
        skin_shift=rng.normal(0, SKIN_SHIFT_SD * strength, 2),
        bump_centres=rng.uniform(0, 1, (bumps, 2)) * np.array([width, height]),
        bump_vectors=rng.normal(0, BUMP_SD * strength, (bumps, 2)),
        bump_scale=float(rng.uniform(50, 90)),
    )


def _smooth_noise(
    rng: np.random.Generator, height: int, width: int, cell: int
) -> npt.NDArray[np.float32]:
    """Low-frequency noise in roughly [-1, 1]: random values on a coarse grid, smoothly resized."""
    coarse = rng.standard_normal((height // cell + 2, width // cell + 2)).astype(np.float32)
    field = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    return np.asarray(np.clip(field, -2.5, 2.5) / 1.5, dtype=np.float32)


def contact_axes(
    rng: np.random.Generator, capture: Capture, height: int, width: int
) -> tuple[float, float]:
    """Half-axes of the elliptic contact area: more pressure, more skin on the glass.

    The contact is a property of the finger, not of the frame, so ``height`` and ``width`` only
    cap it (a small sensor cannot see more than itself)."""
    low, high = CONTACT_HALF_WIDTH
    half_w = (low + (high - low) * capture.pressure) * rng.uniform(0.85, 1.15)
    half_h = half_w * rng.uniform(*CONTACT_ELONGATION)
    return float(min(half_w, width)), float(min(half_h, height))


def _contact_area(
    rng: np.random.Generator, warp: SkinWarp, capture: Capture, height: int, width: int
) -> npt.NDArray[np.float32]:
    """Where skin touches the platen: an ellipse around the contact centre with a ragged edge."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    half_w, half_h = contact_axes(rng, capture, height, width)
    r = np.hypot((xs - warp.contact[0]) / half_w, (ys - warp.contact[1]) / half_h)
    ragged = 0.08 * _smooth_noise(rng, height, width, 30)
    return np.asarray(np.clip((1.0 + ragged - r) * 12.0, 0.0, 1.0), dtype=np.float32)


def _skin_and_sensor(
    rng: np.random.Generator,
    ridges: npt.NDArray[np.float32],
    contact: npt.NDArray[np.float32],
    capture: Capture,
) -> npt.NDArray[np.uint8]:
    """Ink from skin: dry skin prints thin, broken, pale ridges; wet skin thick ones whose
    valleys fill in blotches. Then an optical sensor's saturated white background and noise."""
    height, width = ridges.shape
    dry = max(-capture.moisture, 0.0)
    wet = max(capture.moisture, 0.0)
    blotch = _smooth_noise(rng, height, width, 20)
    grain = _smooth_noise(rng, height, width, 3)
    # the ink threshold on cos(psi): high = only ridge crests print, low = valleys print too
    level = (
        -0.05
        - 0.4 * capture.moisture
        - WET_BLOTCH * wet * np.maximum(blotch, 0.0)
        + 0.12 * blotch
        + GRAIN * grain
    )
    ink = np.clip((ridges - level) / 0.4 + 0.5, 0.0, 1.0)
    # dry skin: pieces of ridge do not print at all (the finer the grain, the more dots)
    breaks = _smooth_noise(rng, height, width, 5)
    ink *= np.clip((DRY_BREAKS[0] - DRY_BREAKS[1] * dry - breaks) * 4.0, 0.0, 1.0)
    ink *= 1.0 - _pores(rng, height, width)
    # uneven pressure: pale patches, paler overall when dry and light
    shade = np.clip(
        0.75 + 0.3 * capture.pressure - 0.25 * dry + 0.2 * _smooth_noise(rng, height, width, 40),
        0.2,
        1.0,
    )
    darkness = ink * contact * shade
    background = rng.uniform(262, 275)  # optical sensors saturate: pure white off the finger
    ridge_grey = rng.uniform(0, 30)
    image = background - (background - ridge_grey) * darkness
    image = cv2.GaussianBlur(image.astype(np.float32), (0, 0), rng.uniform(0.5, 0.9))
    image += rng.normal(0, rng.uniform(1, 4), (height, width)).astype(np.float32)
    return np.asarray(np.clip(image, 0, 255).astype(np.uint8))


def _pores(rng: np.random.Generator, height: int, width: int) -> npt.NDArray[np.float32]:
    """Sweat pores: small round gaps in the ink, a few per ridge millimetre."""
    count = int(height * width / 140)
    spots = np.zeros((height, width), dtype=np.float32)
    spots[rng.integers(0, height, count), rng.integers(0, width, count)] = 1.0
    blurred = cv2.GaussianBlur(spots, (0, 0), 0.9)
    return np.asarray(np.clip(blurred * 4.0, 0.0, 0.8), dtype=np.float32)


def _visible_minutiae(
    minutiae: GroundTruthMinutiae,
    warp: SkinWarp,
    contact: npt.NDArray[np.float32],
) -> GroundTruthMinutiae:
    """The master's minutiae mapped into the image, kept where the skin touched the sensor."""
    if len(minutiae) == 0:
        return minutiae
    qx, qy, theta = warp.minutiae_to_image(minutiae)
    height, width = contact.shape
    inside = (qx >= 0) & (qx <= width - 1) & (qy >= 0) & (qy <= height - 1)
    keep = inside.copy()
    ix = np.clip(np.round(qx).astype(int), 0, width - 1)
    iy = np.clip(np.round(qy).astype(int), 0, height - 1)
    keep &= contact[iy, ix] > 0.5
    return GroundTruthMinutiae(
        qx[keep].astype(np.float32),
        qy[keep].astype(np.float32),
        theta[keep].astype(np.float32),
        minutiae.kind[keep],
    )
