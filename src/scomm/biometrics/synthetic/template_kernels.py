"""Template-level synthesis compiled: the draws and arithmetic of ``templates``, bit for bit.

The demo's galleries hold 100,000 filler templates; drawn with small numpy calls (~150 a
template: the pattern, the outline, the thinning, the placement, the skin warp, the noise)
each cost ~1 ms before its cylinders were built. Here the same numbers are drawn from the same
generators in the same order inside compiled code (numba's ``np.random.Generator`` methods
reproduce NumPy's streams), and the same float64 operations are applied in the same order, so
every template is the one the plain numpy code makes
(tests/biometrics/synthetic/test_template_kernels.py keeps that code and compares).

Two steps stay in numpy, where compiled code would round differently: the float32 ``cos`` and
``sin`` of the master minutiae's directions (NumPy has its own SIMD float32 routines), and the
skin warp's ``to_master`` of spurious minutiae (a BLAS matrix-vector product).

A finger's flow is passed as two arrays: ``flow`` = base angle, centre x, centre y, arch
strength and the three waves (frequency x, frequency y, amplitude, phase); ``points`` = one row
per singular point: x, y, +0.5 (core) or -0.5 (delta), and the direction of its cut.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
from numba import njit

from scomm.biometrics.synthetic.draws import cumulative_shares
from scomm.biometrics.synthetic.pattern import MASTER_HEIGHT, MASTER_WIDTH
from scomm.biometrics.synthetic.profile import CaptureProfile

Array = npt.NDArray[np.float64]

FLOW_BASE, FLOW_CX, FLOW_CY, FLOW_ARCH, FLOW_WAVES = 0, 1, 2, 3, 4
FLOW_SIZE = FLOW_WAVES + 12
WAVES = 3

# the capture profile, packed (see ``packed_profile``)
P_ROT_SD0, P_ROT_SD1, P_ROT_LIMIT, P_PAD_BELOW, P_PAD_SD = 0, 1, 2, 3, 4
P_PLACE_SD_X, P_PLACE_SD_Y, P_CARELESS = 5, 6, 7
P_DIST_ORD_LO, P_DIST_ORD_HI, P_DIST_STRONG_LO, P_DIST_STRONG_HI = 8, 9, 10, 11
P_SKIN_ROT_SD, P_SKIN_SHIFT_SD, P_BUMP_SD = 12, 13, 14
P_CONTACT_LO, P_CONTACT_HI, P_ELONG_LO, P_ELONG_HI = 15, 16, 17, 18
P_MOIST_MEAN, P_MOIST_SD = 19, 20
P_MANNER = 21  # three cumulative shares

# the skin warp, packed as ``templates._warp_to_image`` reads it, then the capture's rotation
W_CONTACT_X, W_CONTACT_Y, W_ROTATION = 6, 7, 15
WARP_SIZE = 16

BUMPS = 5
DEG = np.pi / 180.0  # what ``np.deg2rad`` multiplies by


@functools.cache
def packed_profile(profile: CaptureProfile) -> Array:
    """The numbers of ``profile`` that an impression draws with, as one array."""
    return np.array(
        [
            *profile.rotation_sd, profile.rotation_limit, profile.pad_below_centre,
            profile.pad_sd, *profile.placement_sd, profile.placement_careless,
            *profile.distortion_ordinary, *profile.distortion_strong,
            profile.skin_rotation_sd, profile.skin_shift_sd, profile.bump_sd,
            *profile.contact_half_width, *profile.contact_elongation,
            profile.moisture_mean, profile.moisture_sd,
            *cumulative_shares(profile.manner_shares),
        ],
        dtype=np.float64,
    )  # fmt: skip


@njit(cache=True)
def draw_index(rng: np.random.Generator, cdf: Array) -> int:  # pragma: no cover - compiled
    """``draws.draw_index``: how many cumulative shares lie at or below one ``rng.random()``."""
    r = rng.random()
    index = 0
    for share in cdf:
        if share <= r:
            index += 1
    return index


@njit(cache=True)
def normal_angle(x: float, y: float, flow: Array, points: Array) -> float:  # pragma: no cover
    """``FingerPattern.normal_angle`` at one point, with the same operations in the same order."""
    theta = flow[FLOW_BASE]
    for p in range(points.shape[0]):
        dx = x - points[p, 0]
        dy = y - points[p, 1]
        c, s = np.cos(points[p, 3]), np.sin(points[p, 3])
        along = dx * c + dy * s
        across = -dx * s + dy * c
        theta += points[p, 2] * np.arctan2(-across, -along)
    u = (x - flow[FLOW_CX]) / MASTER_WIDTH
    v = (y - flow[FLOW_CY]) / MASTER_HEIGHT
    top = 1.0 / (1.0 + np.exp(8.0 * (v + 0.05)))
    correction = np.arctan(flow[FLOW_ARCH] * u) * (0.35 + 0.65 * top)
    for w in range(WAVES):
        fx, fy, amp, phase = flow[FLOW_WAVES + 4 * w : FLOW_WAVES + 4 * w + 4]
        correction = correction + amp * np.sin(2 * np.pi * (fx * u + fy * v) + phase)
    return theta + correction + np.pi / 2


@njit(cache=True)
def draw_flow(
    rng: np.random.Generator, pattern_class: int
) -> tuple[Array, Array]:  # pragma: no cover - compiled
    """``pattern.pattern_for_class``'s draws (classes numbered as ``pattern.CLASS_ORDER``), as
    ``flow`` and ``points`` (see the module's docstring)."""
    cx = MASTER_WIDTH / 2 + rng.normal(0.0, 12.0)
    cy = MASTER_HEIGHT * 0.5 + rng.normal(0.0, 15.0)
    base = rng.normal(0.0, 0.06)
    points = np.zeros((0, 4))
    if pattern_class == 1:  # tented arch
        core_x = cx + rng.normal(0.0, 10.0)
        core_y = cy - 20 + rng.normal(0.0, 10.0)
        gap = rng.uniform(45.0, 85.0)
        points = np.array([[core_x, core_y, 0.5, 0.0], [core_x, core_y + gap, -0.5, 0.0]])
        _pair(points, 0, 1)
    elif pattern_class == 2 or pattern_class == 3:  # left or right loop
        side = 1.0 if pattern_class == 2 else -1.0
        core_x = cx + side * rng.uniform(5.0, 35.0)
        core_y = cy - rng.uniform(10.0, 50.0)
        distance = rng.uniform(120.0, 175.0)
        angle = rng.uniform(45.0, 70.0) * DEG
        points = np.array(
            [
                [core_x, core_y, 0.5, 0.0],
                [
                    core_x + side * distance * np.cos(angle),
                    core_y + distance * np.sin(angle),
                    -0.5,
                    0.0,
                ],
            ]
        )
        _pair(points, 0, 1)
        base += side * rng.uniform(0.0, 0.25)
    elif pattern_class == 4:  # whorl
        spread = rng.uniform(0.0, 40.0)
        tilt = rng.uniform(0.0, np.pi)
        points = np.zeros((4, 4))
        points[0, 0] = cx + 0.5 * spread * np.cos(tilt)
        points[0, 1] = cy - 30 + 0.5 * spread * np.sin(tilt) + 8
        points[1, 0] = cx - 0.5 * spread * np.cos(tilt)
        points[1, 1] = cy - 30 - 0.5 * spread * np.sin(tilt) - 8
        points[2, 0] = cx - rng.uniform(100.0, 150.0)
        points[2, 1] = cy + rng.uniform(70.0, 140.0)
        points[3, 0] = cx + rng.uniform(100.0, 150.0)
        points[3, 1] = cy + rng.uniform(70.0, 140.0)
        points[:2, 2] = 0.5
        points[2:, 2] = -0.5
        _pair(points, 0, 1)
        points[2, 3] = np.pi * rng.uniform(0.75, 0.9)
        points[3, 3] = np.pi * rng.uniform(0.1, 0.25)
    flow = np.zeros(FLOW_SIZE)
    for w in range(WAVES):
        flow[FLOW_WAVES + 4 * w] = rng.normal(0.0, 0.9)
        flow[FLOW_WAVES + 4 * w + 1] = rng.normal(0.0, 0.9)
        flow[FLOW_WAVES + 4 * w + 2] = rng.normal(0.0, 0.08)
        flow[FLOW_WAVES + 4 * w + 3] = rng.uniform(0.0, 2 * np.pi)
    arch = rng.uniform(2.0, 3.5) if pattern_class == 0 else rng.uniform(0.6, 1.6)
    flow[FLOW_BASE] = base
    flow[FLOW_CX] = cx
    flow[FLOW_CY] = cy + (60 if pattern_class == 0 else 0)
    flow[FLOW_ARCH] = arch
    return flow, points


@njit(cache=True)
def _pair(points: Array, a: int, b: int) -> None:  # pragma: no cover - compiled
    """Both cuts of a joined pair run along the line from ``a`` through ``b``."""
    angle = np.arctan2(points[b, 1] - points[a, 1], points[b, 0] - points[a, 0])
    points[a, 3] = angle
    points[b, 3] = angle


@njit(cache=True)
def master_minutiae(
    rng: np.random.Generator,
    flow: Array,
    points: Array,
    density_range: tuple[float, float],
    density_scale: float,
    min_spacing: float,
    ending_share: float,
) -> tuple[
    npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.uint8]
]:  # pragma: no cover - compiled
    """``synthesize_master_template``'s draws after the pattern: the fingertip, the candidate
    points, their thinning, directions and types (arrays as ``GroundTruthMinutiae`` keeps them)."""
    tip_x = MASTER_WIDTH / 2 + rng.normal(0.0, 6.0)
    tip_y = MASTER_HEIGHT / 2 + 40 + rng.normal(0.0, 8.0)
    half_width = rng.uniform(175.0, 205.0)
    half_height = rng.uniform(250.0, 280.0)
    power = rng.uniform(2.2, 2.8)
    box = 4.0 * half_width * min(half_height, MASTER_HEIGHT / 2)
    count = rng.poisson(rng.uniform(density_range[0], density_range[1]) * box * density_scale)
    n = count + count // 2 + 8
    xs = rng.uniform(12.0, MASTER_WIDTH - 12.0, n)
    ys = rng.uniform(12.0, MASTER_HEIGHT - 12.0, n)
    keep = np.zeros(n, dtype=np.bool_)
    root = 1.0 / power
    for i in range(n):
        u = np.abs(xs[i] - tip_x) / half_width
        v = np.abs(ys[i] - tip_y) / half_height
        if ys[i] > tip_y:
            v = v * 0.6
        radius = (u**power + v**power) ** root
        keep[i] = min(max((1.0 - radius) * 25.0, 0.0), 1.0) > 0.9
        for p in range(points.shape[0]):
            keep[i] &= np.hypot(xs[i] - points[p, 0], ys[i] - points[p, 1]) > 20
    xs, ys = xs[keep], ys[keep]
    spaced = spaced_points(xs, ys, min_spacing)
    xs, ys = xs[spaced][:count], ys[spaced][:count]
    m = xs.shape[0]
    turns = rng.integers(0, 2, m)
    theta = np.empty(m)
    for i in range(m):
        theta[i] = normal_angle(xs[i], ys[i], flow, points) - np.pi / 2 + np.pi * turns[i]
    kind = (rng.uniform(0.0, 1.0, m) >= ending_share).astype(np.uint8)
    theta32 = np.mod(theta.astype(np.float32), np.float32(2 * np.pi))
    return xs.astype(np.float32), ys.astype(np.float32), theta32, kind


@njit(cache=True)
def spaced_points(xs: Array, ys: Array, spacing: float) -> npt.NDArray[np.bool_]:  # pragma: no cover
    """Per point, whether no earlier point lies closer than ``spacing`` (earlier points that
    are dropped themselves count too: one pass, no chains).

    ``np.hypot`` decides only near the spacing: a pair a coordinate ``spacing`` or more apart
    is not closer (the hypotenuse is at least either side, rounding included), and squared
    distances clear of ``spacing ** 2`` by a relative 1e-9, far beyond their rounding, say
    which side of it the hypotenuse lies."""
    n = xs.shape[0]
    keep = np.ones(n, dtype=np.bool_)
    below = spacing * spacing * (1.0 - 1e-9)
    above = spacing * spacing * (1.0 + 1e-9)
    for j in range(n):
        for i in range(j):
            dx = xs[i] - xs[j]
            dy = ys[i] - ys[j]
            if abs(dx) >= spacing or abs(dy) >= spacing:
                continue
            d2 = dx * dx + dy * dy
            if d2 < below or (d2 <= above and np.hypot(dx, dy) < spacing):
                keep[j] = False
                break
    return keep


@njit(cache=True)
def draw_placement(
    rng: np.random.Generator, prof: Array, centre_x: float, centre_y: float, height: int, width: int
) -> tuple[Array, Array, Array, float, float]:  # pragma: no cover - compiled
    """``draw_capture``, ``draw_warp`` and ``contact_axes`` in a row: the packed skin warp
    (with the rotation after it), its bump centres and vectors, and the contact's half-axes."""
    manner = draw_index(rng, prof[P_MANNER : P_MANNER + 3])
    displaced, distorted = manner == 1, manner == 2
    limit = prof[P_ROT_LIMIT]
    turn = rng.normal(0.0, prof[P_ROT_SD1] if displaced else prof[P_ROT_SD0])
    rotation = min(max(turn, -limit), limit) * DEG
    pad = rng.normal(0.0, prof[P_PAD_SD], 2)
    pad_x, pad_y = pad[0] + 0.0, pad[1] + prof[P_PAD_BELOW]
    careless = prof[P_CARELESS] if displaced else 1.0
    place = rng.normal(0.0, 1.0, 2)
    place_x = place[0] * prof[P_PLACE_SD_X] * careless
    place_y = place[1] * prof[P_PLACE_SD_Y] * careless
    cos_r, sin_r = np.cos(rotation), np.sin(rotation)
    shift_x = pad_x - (cos_r * place_x - sin_r * place_y)
    shift_y = pad_y - (sin_r * place_x + cos_r * place_y)
    low = prof[P_DIST_STRONG_LO] if distorted else prof[P_DIST_ORD_LO]
    high = prof[P_DIST_STRONG_HI] if distorted else prof[P_DIST_ORD_HI]
    pressure = rng.beta(2.0, 2.0)
    rng.normal(prof[P_MOIST_MEAN], prof[P_MOIST_SD])  # the moisture: images only
    strength = rng.uniform(low, high)

    w = np.empty(WARP_SIZE)
    w[0], w[1] = (width - 1) / 2, (height - 1) / 2
    w[2], w[3] = centre_x + shift_x, centre_y + shift_y
    w[4], w[5] = cos_r, sin_r
    w[6], w[7] = w[0] + place_x, w[1] + place_y
    inner = rng.uniform(35.0, 70.0) * (0.8 + 0.4 * pressure)
    skin_angle = rng.normal(0.0, prof[P_SKIN_ROT_SD] * strength) * DEG
    w[8] = inner
    w[9] = inner + rng.uniform(80.0, 140.0)
    w[10], w[11] = np.cos(skin_angle), np.sin(skin_angle)
    shift = rng.normal(0.0, prof[P_SKIN_SHIFT_SD] * strength, 2)
    w[12], w[13] = shift[0], shift[1]
    centres = rng.uniform(0.0, 1.0, 2 * BUMPS).reshape(BUMPS, 2)
    centres[:, 0] *= width
    centres[:, 1] *= height
    vectors = rng.normal(0.0, prof[P_BUMP_SD] * strength, 2 * BUMPS).reshape(BUMPS, 2)
    w[14] = rng.uniform(50.0, 90.0)
    w[W_ROTATION] = rotation

    low, high = prof[P_CONTACT_LO], prof[P_CONTACT_HI]
    half_w = (low + (high - low) * pressure) * rng.uniform(0.85, 1.15)
    half_h = half_w * rng.uniform(prof[P_ELONG_LO], prof[P_ELONG_HI])
    return w, centres, vectors, min(half_w, width), min(half_h, height)


@njit(cache=True)
def observed_minutiae(
    noise: np.random.Generator,
    w: Array,
    centres: Array,
    vectors: Array,
    half_w: float,
    half_h: float,
    x: npt.NDArray[np.float32],
    y: npt.NDArray[np.float32],
    cos_theta: npt.NDArray[np.float32],
    sin_theta: npt.NDArray[np.float32],
    kind: npt.NDArray[np.uint8],
    height: int,
    width: int,
    rates: Array,
) -> tuple[Array, Array, Array, npt.NDArray[np.uint8], Array, Array]:  # pragma: no cover
    """``template_impression`` from the master minutiae's positions to the spurious ones: the
    kept minutiae with their noise (x, y, direction, type), and the spurious positions in the
    image. ``rates``: miss rate range, position and angle jitter, type confusion, spurious rate;
    ``cos_theta`` and ``sin_theta`` are numpy's float32 ones of the master directions."""
    n = x.shape[0]
    px, py = warp_to_image(x.astype(np.float64), y.astype(np.float64), w, centres, vectors)
    keep = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        qx, qy = px[i], py[i]
        in_contact = np.hypot((qx - w[W_CONTACT_X]) / half_w, (qy - w[W_CONTACT_Y]) / half_h) < 1
        keep[i] = in_contact and qx >= 0 and qx <= width - 1 and qy >= 0 and qy <= height - 1
    # directions: a point 3 px along each kept minutia, mapped too (the others' are never used)
    ahead = np.flatnonzero(keep)
    ex = np.empty(ahead.size)
    ey = np.empty(ahead.size)
    for a in range(ahead.size):
        i = ahead[a]
        ex[a] = np.float64(x[i]) + np.float64(np.float32(3) * cos_theta[i])
        ey[a] = np.float64(y[i]) + np.float64(np.float32(3) * sin_theta[i])
    ex, ey = warp_to_image(ex, ey, w, centres, vectors)
    theta = np.zeros(n)
    for a in range(ahead.size):
        i = ahead[a]
        theta[i] = np.arctan2(ey[a] - py[i], ex[a] - px[i])

    miss_rate = noise.uniform(rates[0], rates[1])
    keep &= noise.uniform(0.0, 1.0, n) >= miss_rate
    kept = int(keep.sum())
    ox = px[keep] + noise.normal(0.0, rates[2], kept)
    oy = py[keep] + noise.normal(0.0, rates[2], kept)
    ot = theta[keep] + noise.normal(0.0, rates[3], kept)
    okind = kind[keep].copy()
    confused = noise.uniform(0.0, 1.0, kept) < rates[4]
    for i in range(kept):
        if confused[i]:
            okind[i] = 1 - okind[i]

    spurious = noise.poisson(rates[5] * max(kept, 1))
    sx = w[W_CONTACT_X] + half_w * noise.uniform(-0.8, 0.8, spurious)
    sy = w[W_CONTACT_Y] + half_h * noise.uniform(-0.8, 0.8, spurious)
    inside = (sx >= 0) & (sx <= width - 1) & (sy >= 0) & (sy <= height - 1)
    return ox, oy, ot, okind, sx[inside], sy[inside]


@njit(cache=True)
def spurious_directions(
    noise: np.random.Generator,
    flow: Array,
    points: Array,
    back_x: Array,
    back_y: Array,
    rotation: float,
) -> tuple[Array, npt.NDArray[np.uint8]]:  # pragma: no cover - compiled
    """The spurious minutiae's directions (along the flow at their master points, either way)
    and types, drawn as ``template_impression`` draws them."""
    m = back_x.shape[0]
    turns = noise.integers(0, 2, m)
    st = np.empty(m)
    for i in range(m):
        st[i] = normal_angle(back_x[i], back_y[i], flow, points) - np.pi / 2 - rotation
        st[i] = st[i] + np.pi * turns[i]
    return st, noise.integers(0, 2, m).astype(np.uint8)


@njit(cache=True)
def warp_to_image(
    mx: Array, my: Array, w: Array, centres: Array, vectors: Array
) -> tuple[Array, Array]:  # pragma: no cover - compiled
    """``SkinWarp.to_image`` (``w`` packed as in ``templates._minutiae_to_image``): master
    points to impression points by fixed-point iteration of the skin distortion."""
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
