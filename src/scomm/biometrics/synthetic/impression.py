"""Impressions: what a live-scan sensor captures when the finger touches it once.

Each impression of a master applies, in order: placement (translation and rotation of the finger
on the platen), elastic skin distortion (Cappelli, Maio and Maltoni 2001: no slip in the middle
of the contact area, a transition ring, then a small rotation and shift of the outer skin, plus
a gentle random warp), the contact area (larger under pressure, never beyond the fingertip),
skin condition (dry skin gives thin broken ridges, wet skin thick merged ones) and sensor noise.
All geometry ends in one ``cv2.remap``; the ground-truth minutiae go through the same mapping.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.synthetic.draws import cumulative_shares, draw_index
from scomm.biometrics.synthetic.master import MasterPrint, finger_rng
from scomm.biometrics.synthetic.minutiae import GroundTruthMinutiae
from scomm.biometrics.synthetic.profile import DB1_B_LIKE, CaptureProfile

Array = npt.NDArray[np.float64]

DEFAULT_SIZE = (400, 400)  # height, width: a live-scan flat at 500 ppi

# what the capture conditions are drawn from: ``profile.DB1_B_LIKE`` unless a profile is given
DEFAULT_PROFILE = DB1_B_LIKE


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
    profile: CaptureProfile = DEFAULT_PROFILE,
) -> Impression:
    """Impression number ``index`` of ``master`` taken the ``profile``'s way; the same arguments
    give the same image."""
    if index < 0:
        raise ValueError(f"impression index must be >= 0, got {index}")
    height, width = size
    if not (64 <= height <= 1024 and 64 <= width <= 1024):
        raise ValueError(f"impression size must be within 64..1024 pixels, got {size}")
    rng = finger_rng(master.seed, master.identity, master.finger, 1, index)
    capture = draw_capture(rng, profile)
    warp = draw_warp(
        rng, master.pattern.centre_x, master.pattern.centre_y, capture, height, width, profile
    )

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
        _contact_area(rng, warp, capture, height, width, profile) * outline, dtype=np.float32
    )
    creases = cv2.remap(master.creases, map_x, map_y, cv2.INTER_LINEAR, borderValue=1.0)
    image = _skin_and_sensor(rng, ridges, contact * creases, capture, profile)
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
    map_x, map_y = _node_maps(full, step)
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


@functools.lru_cache(maxsize=8)
def _node_maps(
    full: tuple[int, int], step: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Every pixel's position in units of ``step`` (read-only, shared: the same for every
    impression of a size)."""
    xs = np.arange(full[0], dtype=np.float32) / step
    ys = np.arange(full[1], dtype=np.float32) / step
    grids = np.meshgrid(xs, ys)
    map_x, map_y = (np.asarray(g, dtype=np.float32) for g in grids)  # float32 already
    map_x.setflags(write=False)
    map_y.setflags(write=False)
    return map_x, map_y


def draw_capture(rng: np.random.Generator, profile: CaptureProfile = DEFAULT_PROFILE) -> Capture:
    """How the finger met the sensor this time.

    The finger pad (a point ``pad_below_centre`` below the pattern centre, moved by the roll of
    the finger) lands at a random place in the frame; careless captures are turned and moved
    further, or pressed and dragged so that the skin distorts more.
    """
    manner = draw_index(rng, cumulative_shares(profile.manner_shares))
    displaced, distorted = manner == 1, manner == 2
    limit = profile.rotation_limit
    turn = rng.normal(0, profile.rotation_sd[int(displaced)])
    rotation = np.deg2rad(min(max(turn, -limit), limit))  # np.clip, without its overhead
    pad = rng.normal(0, profile.pad_sd, 2) + np.array([0.0, profile.pad_below_centre])
    careless = profile.placement_careless if displaced else 1.0
    place = rng.normal(0, 1, 2) * np.array(profile.placement_sd) * careless
    # the image point ``centre + place`` shows the master point ``pattern centre + pad``
    cos_r, sin_r = np.cos(rotation), np.sin(rotation)
    shift = pad - np.array(
        [cos_r * place[0] - sin_r * place[1], sin_r * place[0] + cos_r * place[1]]
    )
    low, high = profile.distortion_strong if distorted else profile.distortion_ordinary
    return Capture(
        rotation=float(rotation),
        shift_x=float(shift[0]),
        shift_y=float(shift[1]),
        pressure=float(rng.beta(2.0, 2.0)),
        moisture=min(max(rng.normal(profile.moisture_mean, profile.moisture_sd), -1.0), 1.0),
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
    profile: CaptureProfile = DEFAULT_PROFILE,
) -> SkinWarp:
    """Placement and skin distortion, around the finger's pattern centre."""
    centre_image = np.array([(width - 1) / 2, (height - 1) / 2])
    centre_master = np.array([centre_x + capture.shift_x, centre_y + capture.shift_y])
    contact = centre_image + np.array([capture.contact_x, capture.contact_y])
    inner = rng.uniform(35, 70) * (0.8 + 0.4 * capture.pressure)
    strength = capture.distortion
    skin_angle = np.deg2rad(rng.normal(0, profile.skin_rotation_sd * strength))
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
        skin_shift=rng.normal(0, profile.skin_shift_sd * strength, 2),
        bump_centres=rng.uniform(0, 1, (bumps, 2)) * np.array([width, height]),
        bump_vectors=rng.normal(0, profile.bump_sd * strength, (bumps, 2)),
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
    rng: np.random.Generator,
    capture: Capture,
    height: int,
    width: int,
    profile: CaptureProfile = DEFAULT_PROFILE,
) -> tuple[float, float]:
    """Half-axes of the elliptic contact area: more pressure, more skin on the glass.

    The contact is a property of the finger, not of the frame, so ``height`` and ``width`` only
    cap it (a small sensor cannot see more than itself)."""
    low, high = profile.contact_half_width
    half_w = (low + (high - low) * capture.pressure) * rng.uniform(0.85, 1.15)
    half_h = half_w * rng.uniform(*profile.contact_elongation)
    return float(min(half_w, width)), float(min(half_h, height))


def _contact_area(
    rng: np.random.Generator,
    warp: SkinWarp,
    capture: Capture,
    height: int,
    width: int,
    profile: CaptureProfile,
) -> npt.NDArray[np.float32]:
    """Where skin touches the platen: an ellipse around the contact centre with a ragged edge."""
    # the offsets depend on the column or the row alone: a row and a column, broadcast by
    # hypot, give the same numbers as full coordinate grids
    xs = np.arange(width, dtype=np.float32)[None, :]
    ys = np.arange(height, dtype=np.float32)[:, None]
    half_w, half_h = contact_axes(rng, capture, height, width, profile)
    r = np.hypot((xs - warp.contact[0]) / half_w, (ys - warp.contact[1]) / half_h)
    ragged = 0.08 * _smooth_noise(rng, height, width, 30)
    return np.asarray(np.clip((1.0 + ragged - r) * 12.0, 0.0, 1.0), dtype=np.float32)


def _skin_and_sensor(
    rng: np.random.Generator,
    ridges: npt.NDArray[np.float32],
    contact: npt.NDArray[np.float32],
    capture: Capture,
    profile: CaptureProfile,
) -> npt.NDArray[np.uint8]:
    """Ink from skin: dry skin prints thin, broken, pale ridges; wet skin thick ones whose
    valleys fill in blotches. Then an optical sensor's saturated white background and noise."""
    height, width = ridges.shape
    dry = max(-capture.moisture, 0.0)
    wet = max(capture.moisture, 0.0)
    blotch = _smooth_noise(rng, height, width, 20)
    grain = _smooth_noise(rng, height, width, 3)
    # dry skin: pieces of ridge do not print at all (the finer the grain, the more dots)
    breaks = _smooth_noise(rng, height, width, 5)
    pores = _pores(rng, height, width)
    # uneven pressure: pale patches, paler overall when dry and light
    patches = _smooth_noise(rng, height, width, 40)
    background = rng.uniform(262, 275)  # optical sensors saturate: pure white off the finger
    ridge_grey = rng.uniform(0, 30)
    # numpy's float32 steps, Python numbers rounded to float32 where they meet the images
    constants = np.array(
        [
            -0.05 - 0.4 * capture.moisture,  # the ink threshold on cos(psi): high = only ridge
            profile.wet_blotch * wet,  # crests print, low = valleys print too
            profile.grain,
            profile.dry_breaks[0] - profile.dry_breaks[1] * dry,
            0.75 + 0.3 * capture.pressure - 0.25 * dry,
            background - ridge_grey,
            background,
        ],
        dtype=np.float32,
    )
    grey = _sensor_grey(ridges, contact, blotch, grain, breaks, pores, patches, constants)
    image = np.asarray(cv2.GaussianBlur(grey, (0, 0), rng.uniform(0.5, 0.9)), dtype=np.float32)
    image += rng.normal(0, rng.uniform(1, 4), (height, width)).astype(np.float32)
    return np.asarray(np.clip(image, 0, 255).astype(np.uint8))


@compiled()
def _sensor_grey(
    ridges: npt.NDArray[np.float32],
    contact: npt.NDArray[np.float32],
    blotch: npt.NDArray[np.float32],
    grain: npt.NDArray[np.float32],
    breaks: npt.NDArray[np.float32],
    pores: npt.NDArray[np.float32],
    patches: npt.NDArray[np.float32],
    constants: npt.NDArray[np.float32],
) -> npt.NDArray[np.float32]:  # pragma: no cover - compiled
    """The grey level before blur and noise: ink from the ridges where the threshold lets it,
    lost to dry breaks and pores, times contact and shade. One pass, each step in float32 in
    the order numpy took it over twenty whole images."""
    level0, wet_blotch, grain_weight, breaks0, shade0, depth, background = constants
    zero, one = np.float32(0.0), np.float32(1.0)
    height, width = ridges.shape
    out = np.empty((height, width), dtype=np.float32)
    for y in range(height):
        for x in range(width):
            b = blotch[y, x]
            positive = b if b >= zero else zero
            level = level0 - wet_blotch * positive
            level = level + np.float32(0.12) * b
            level = level + grain_weight * grain[y, x]
            ink = (ridges[y, x] - level) / np.float32(0.4) + np.float32(0.5)
            ink = min(max(ink, zero), one)
            kept = (breaks0 - breaks[y, x]) * np.float32(4.0)
            ink = ink * min(max(kept, zero), one)
            ink = ink * (one - pores[y, x])
            shade = shade0 + np.float32(0.2) * patches[y, x]
            shade = min(max(shade, np.float32(0.2)), one)
            darkness = ink * contact[y, x] * shade
            out[y, x] = background - depth * darkness
    return out


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
