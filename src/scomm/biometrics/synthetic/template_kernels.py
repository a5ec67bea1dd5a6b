"""Template-level synthesis compiled: the arithmetic of ``templates``, bit for bit.

The demo's galleries hold 100,000 filler templates; made with small numpy operations (~150 a
template: the pattern, the outline, the thinning, the placement, the skin warp, the noise)
each cost ~1 ms before its cylinders were built. Here the random numbers are still drawn by
NumPy from the same generators in the same order, but in as few calls as give the same
numbers: ``uniform(low, high)`` is ``low + (high - low) * random()`` and ``normal(loc, scale)``
is ``loc + scale * standard_normal()`` in NumPy's own code, one double or one Gaussian each,
so a run of them is one ``random(k)`` or ``standard_normal(k)`` call whose values these
kernels scale with the same float64 operations. Everything between the draws is compiled and
does the plain code's operations in its order, so every template is the one the numpy code
makes (tests/biometrics/synthetic/test_template_kernels.py keeps that code and compares).

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

from scomm.biometrics.compiled import compiled
from scomm.biometrics.synthetic.pattern import MASTER_HEIGHT, MASTER_WIDTH
from scomm.biometrics.synthetic.profile import CaptureProfile
from scomm.biometrics.template import ANGLE_STEP, ANGLE_UNITS, POSITION_SCALE

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

# the skin warp, packed as ``warp_to_image`` reads it, then the capture's rotation
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
        ],
        dtype=np.float64,
    )  # fmt: skip


@compiled()
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
    return float(theta + correction + np.pi / 2)


@compiled()
def flow_from_draws(
    pattern_class: int, normals: Array, uniforms: Array, waves: Array
) -> tuple[Array, Array]:  # pragma: no cover - compiled
    """``pattern.pattern_for_class`` (classes numbered as ``pattern.CLASS_ORDER``) from its
    draws: ``normals`` (centre, base angle and a tented arch's core: standard normals),
    ``uniforms`` (the class's ``random()`` draws in order), ``waves`` (per wave three standard
    normals and a ``random()``, then the arch strength's ``random()``)."""
    cx = MASTER_WIDTH / 2 + (0.0 + 12.0 * normals[0])
    cy = MASTER_HEIGHT * 0.5 + (0.0 + 15.0 * normals[1])
    base = 0.0 + 0.06 * normals[2]
    points = np.zeros((0, 4))
    if pattern_class == 1:  # tented arch
        core_x = cx + (0.0 + 10.0 * normals[3])
        core_y = cy - 20 + (0.0 + 10.0 * normals[4])
        gap = _uniform(45.0, 85.0, uniforms[0])
        points = np.array([[core_x, core_y, 0.5, 0.0], [core_x, core_y + gap, -0.5, 0.0]])
        _pair(points, 0, 1)
    elif pattern_class == 2 or pattern_class == 3:  # left or right loop
        side = 1.0 if pattern_class == 2 else -1.0
        core_x = cx + side * _uniform(5.0, 35.0, uniforms[0])
        core_y = cy - _uniform(10.0, 50.0, uniforms[1])
        distance = _uniform(120.0, 175.0, uniforms[2])
        angle = _uniform(45.0, 70.0, uniforms[3]) * DEG
        points = np.zeros((2, 4))
        points[0, 0], points[0, 1], points[0, 2] = core_x, core_y, 0.5
        points[1, 0] = core_x + side * distance * np.cos(angle)
        points[1, 1] = core_y + distance * np.sin(angle)
        points[1, 2] = -0.5
        _pair(points, 0, 1)
        base += side * _uniform(0.0, 0.25, uniforms[4])
    elif pattern_class == 4:  # whorl
        spread = _uniform(0.0, 40.0, uniforms[0])
        tilt = _uniform(0.0, np.pi, uniforms[1])
        points = np.zeros((4, 4))
        points[0, 0] = cx + 0.5 * spread * np.cos(tilt)
        points[0, 1] = cy - 30 + 0.5 * spread * np.sin(tilt) + 8
        points[1, 0] = cx - 0.5 * spread * np.cos(tilt)
        points[1, 1] = cy - 30 - 0.5 * spread * np.sin(tilt) - 8
        points[2, 0] = cx - _uniform(100.0, 150.0, uniforms[2])
        points[2, 1] = cy + _uniform(70.0, 140.0, uniforms[3])
        points[3, 0] = cx + _uniform(100.0, 150.0, uniforms[4])
        points[3, 1] = cy + _uniform(70.0, 140.0, uniforms[5])
        points[:2, 2] = 0.5
        points[2:, 2] = -0.5
        _pair(points, 0, 1)
        points[2, 3] = np.pi * _uniform(0.75, 0.9, uniforms[6])
        points[3, 3] = np.pi * _uniform(0.1, 0.25, uniforms[7])
    flow = np.zeros(FLOW_SIZE)
    for w in range(WAVES):
        flow[FLOW_WAVES + 4 * w] = 0.0 + 0.9 * waves[4 * w]
        flow[FLOW_WAVES + 4 * w + 1] = 0.0 + 0.9 * waves[4 * w + 1]
        flow[FLOW_WAVES + 4 * w + 2] = 0.0 + 0.08 * waves[4 * w + 2]
        flow[FLOW_WAVES + 4 * w + 3] = _uniform(0.0, 2 * np.pi, waves[4 * w + 3])
    last = waves[4 * WAVES]
    arch = _uniform(2.0, 3.5, last) if pattern_class == 0 else _uniform(0.6, 1.6, last)
    flow[FLOW_BASE] = base
    flow[FLOW_CX] = cx
    flow[FLOW_CY] = cy + (60 if pattern_class == 0 else 0)
    flow[FLOW_ARCH] = arch
    return flow, points


@compiled()
def _uniform(low: float, high: float, draw: float) -> float:  # pragma: no cover - compiled
    """NumPy's ``uniform(low, high)`` of the ``random()`` value ``draw``."""
    return low + (high - low) * draw


@compiled()
def _pair(points: Array, a: int, b: int) -> None:  # pragma: no cover - compiled
    """Both cuts of a joined pair run along the line from ``a`` through ``b``."""
    angle = np.arctan2(points[b, 1] - points[a, 1], points[b, 0] - points[a, 0])
    points[a, 3] = angle
    points[b, 3] = angle


@compiled()
def candidate_minutiae(
    tip: Array, count: int, positions: Array, points: Array, min_spacing: float
) -> tuple[Array, Array]:  # pragma: no cover - compiled
    """``synthesize_master_template``'s candidates thinned: those well inside the fingertip
    (``tip``: centre x, centre y, half width, half height, power), away from the singular
    points and spaced, at most ``count``. ``positions``: the candidates' ``random()`` draws,
    all x then all y."""
    n = positions.shape[0] // 2
    xs = 12.0 + (MASTER_WIDTH - 12.0 - 12.0) * positions[:n]
    ys = 12.0 + (MASTER_HEIGHT - 12.0 - 12.0) * positions[n:]
    keep = np.zeros(n, dtype=np.bool_)
    root = 1.0 / tip[4]
    for i in range(n):
        u = np.abs(xs[i] - tip[0]) / tip[2]
        v = np.abs(ys[i] - tip[1]) / tip[3]
        if ys[i] > tip[1]:
            v = v * 0.6
        radius = (u ** tip[4] + v ** tip[4]) ** root
        keep[i] = min(max((1.0 - radius) * 25.0, 0.0), 1.0) > 0.9
        for p in range(points.shape[0]):
            keep[i] &= np.hypot(xs[i] - points[p, 0], ys[i] - points[p, 1]) > 20
    xs, ys = xs[keep], ys[keep]
    spaced = spaced_points(xs, ys, min_spacing)
    return xs[spaced][:count], ys[spaced][:count]


@compiled()
def master_directions(
    xs: Array,
    ys: Array,
    flow: Array,
    points: Array,
    turns: npt.NDArray[np.int64],
    kinds: Array,
    ending_share: float,
) -> tuple[
    npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.uint8]
]:  # pragma: no cover - compiled
    """The master minutiae as ``GroundTruthMinutiae`` keeps them: along the flow, turned half
    a turn where ``turns`` says, ridge endings where the ``random()`` in ``kinds`` is below
    ``ending_share``."""
    m = xs.shape[0]
    theta = np.empty(m)
    for i in range(m):
        theta[i] = normal_angle(xs[i], ys[i], flow, points) - np.pi / 2 + np.pi * turns[i]
    kind = (kinds >= ending_share).astype(np.uint8)
    theta32 = np.mod(theta.astype(np.float32), np.float32(2 * np.pi))
    return xs.astype(np.float32), ys.astype(np.float32), theta32, kind


@compiled()
def spaced_points(
    xs: Array, ys: Array, spacing: float
) -> npt.NDArray[np.bool_]:  # pragma: no cover
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


@compiled()
def placement_from_draws(
    prof: Array,
    manner: int,
    normals: Array,
    pressure: float,
    uniforms: Array,
    skin: Array,
    bumps: Array,
    centre_x: float,
    centre_y: float,
    height: int,
    width: int,
) -> tuple[Array, Array, Array, float, float]:  # pragma: no cover - compiled
    """``draw_capture``, ``draw_warp`` and ``contact_axes`` in a row, from their draws:
    ``normals`` (turn, pad x and y, placement x and y), ``uniforms`` (distortion, inner ring,
    outer ring, bump scale, contact width, contact elongation), ``skin`` (rotation, shift x
    and y: standard normals), ``bumps`` (ten ``random()`` for the centres, ten standard
    normals for the vectors). Returns the packed skin warp (the rotation after it), its bump
    centres and vectors, and the contact's half-axes."""
    displaced, distorted = manner == 1, manner == 2
    limit = prof[P_ROT_LIMIT]
    turn = 0.0 + (prof[P_ROT_SD1] if displaced else prof[P_ROT_SD0]) * normals[0]
    rotation = min(max(turn, -limit), limit) * DEG
    pad_x = (0.0 + prof[P_PAD_SD] * normals[1]) + 0.0
    pad_y = (0.0 + prof[P_PAD_SD] * normals[2]) + prof[P_PAD_BELOW]
    careless = prof[P_CARELESS] if displaced else 1.0
    place_x = (0.0 + 1.0 * normals[3]) * prof[P_PLACE_SD_X] * careless
    place_y = (0.0 + 1.0 * normals[4]) * prof[P_PLACE_SD_Y] * careless
    cos_r, sin_r = np.cos(rotation), np.sin(rotation)
    shift_x = pad_x - (cos_r * place_x - sin_r * place_y)
    shift_y = pad_y - (sin_r * place_x + cos_r * place_y)
    low = prof[P_DIST_STRONG_LO] if distorted else prof[P_DIST_ORD_LO]
    high = prof[P_DIST_STRONG_HI] if distorted else prof[P_DIST_ORD_HI]
    strength = _uniform(low, high, uniforms[0])

    w = np.empty(WARP_SIZE)
    w[0], w[1] = (width - 1) / 2, (height - 1) / 2
    w[2], w[3] = centre_x + shift_x, centre_y + shift_y
    w[4], w[5] = cos_r, sin_r
    w[6], w[7] = w[0] + place_x, w[1] + place_y
    inner = _uniform(35.0, 70.0, uniforms[1]) * (0.8 + 0.4 * pressure)
    skin_angle = (0.0 + prof[P_SKIN_ROT_SD] * strength * skin[0]) * DEG
    w[8] = inner
    w[9] = inner + _uniform(80.0, 140.0, uniforms[2])
    w[10], w[11] = np.cos(skin_angle), np.sin(skin_angle)
    w[12] = 0.0 + prof[P_SKIN_SHIFT_SD] * strength * skin[1]
    w[13] = 0.0 + prof[P_SKIN_SHIFT_SD] * strength * skin[2]
    centres = np.empty((BUMPS, 2))
    vectors = np.empty((BUMPS, 2))
    for b in range(BUMPS):
        centres[b, 0] = (0.0 + 1.0 * bumps[2 * b]) * width
        centres[b, 1] = (0.0 + 1.0 * bumps[2 * b + 1]) * height
        vectors[b, 0] = 0.0 + prof[P_BUMP_SD] * strength * bumps[2 * BUMPS + 2 * b]
        vectors[b, 1] = 0.0 + prof[P_BUMP_SD] * strength * bumps[2 * BUMPS + 2 * b + 1]
    w[14] = _uniform(50.0, 90.0, uniforms[3])
    w[W_ROTATION] = rotation

    low, high = prof[P_CONTACT_LO], prof[P_CONTACT_HI]
    half_w = (low + (high - low) * pressure) * _uniform(0.85, 1.15, uniforms[4])
    half_h = half_w * _uniform(prof[P_ELONG_LO], prof[P_ELONG_HI], uniforms[5])
    return w, centres, vectors, min(half_w, width), min(half_h, height)


@compiled()
def visible_minutiae(
    w: Array,
    centres: Array,
    vectors: Array,
    half_w: float,
    half_h: float,
    x: npt.NDArray[np.float32],
    y: npt.NDArray[np.float32],
    cos_theta: npt.NDArray[np.float32],
    sin_theta: npt.NDArray[np.float32],
    misses: Array,
    miss_range: Array,
    height: int,
    width: int,
) -> tuple[Array, Array, Array, npt.NDArray[np.bool_]]:  # pragma: no cover - compiled
    """The master minutiae in the impression (positions, directions) and which of them the
    extractor reports: inside the frame and the contact, and not missed (``misses``: the
    miss rate's ``random()`` and then one per minutia). ``cos_theta`` and ``sin_theta`` are
    NumPy's float32 ones of the master directions."""
    n = x.shape[0]
    px, py = warp_to_image(x.astype(np.float64), y.astype(np.float64), w, centres, vectors)
    miss_rate = _uniform(miss_range[0], miss_range[1], misses[0])
    keep = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        qx, qy = px[i], py[i]
        in_contact = np.hypot((qx - w[W_CONTACT_X]) / half_w, (qy - w[W_CONTACT_Y]) / half_h) < 1
        inside = in_contact and qx >= 0 and qx <= width - 1 and qy >= 0 and qy <= height - 1
        keep[i] = inside and (0.0 + 1.0 * misses[1 + i]) >= miss_rate
    # directions: a point 3 px along each kept minutia, mapped too (the others' are never used)
    ahead = np.flatnonzero(keep)
    ex = np.empty(ahead.size)
    ey = np.empty(ahead.size)
    for a in range(ahead.size):
        i = ahead[a]
        ex[a] = np.float64(x[i]) + np.float64(np.float32(3) * cos_theta[i])
        ey[a] = np.float64(y[i]) + np.float64(np.float32(3) * sin_theta[i])
    ex, ey = warp_to_image(ex, ey, w, centres, vectors)
    theta = np.empty(ahead.size)
    for a in range(ahead.size):
        theta[a] = np.arctan2(ey[a] - py[ahead[a]], ex[a] - px[ahead[a]])
    return px[keep], py[keep], theta, keep


@compiled()
def reported_minutiae(
    x: Array,
    y: Array,
    theta: Array,
    kind: npt.NDArray[np.uint8],
    jitter: Array,
    confusion: Array,
    spurious: Array,
    contact: Array,
    half_w: float,
    half_h: float,
    rates: Array,
    height: int,
    width: int,
) -> tuple[Array, Array, Array, npt.NDArray[np.uint8], Array, Array]:  # pragma: no cover
    """The kept minutiae with the extractor's jitter (``jitter``: standard normals for x, y,
    then directions) and type confusions (a ``random()`` each), and the spurious minutiae's
    positions inside the frame (``spurious``: ``random()`` for all x, then all y). ``rates``:
    position jitter, angle jitter, type confusion."""
    k = x.shape[0]
    ox = x + (0.0 + rates[0] * jitter[:k])
    oy = y + (0.0 + rates[0] * jitter[k : 2 * k])
    ot = theta + (0.0 + rates[1] * jitter[2 * k :])
    okind = kind.copy()
    for i in range(k):
        if (0.0 + 1.0 * confusion[i]) < rates[2]:
            okind[i] = 1 - okind[i]
    m = spurious.shape[0] // 2
    sx = contact[0] + half_w * (-0.8 + (0.8 - -0.8) * spurious[:m])
    sy = contact[1] + half_h * (-0.8 + (0.8 - -0.8) * spurious[m:])
    inside = (sx >= 0) & (sx <= width - 1) & (sy >= 0) & (sy <= height - 1)
    return ox, oy, ot, okind, sx[inside], sy[inside]


@compiled()
def bump_weights(
    qx: Array, qy: Array, centres: Array, scale: float
) -> Array:  # pragma: no cover - compiled
    """``SkinWarp.distortion``'s Gaussian weight of each bump at each point, ``(points,
    bumps)``; ``scale`` is its ``-0.5 / bump_scale ** 2``. The weights' products with the bump
    vectors stay numpy's (``g @ vectors[:, 0]``, a BLAS product whose rounding is its own)."""
    g = np.empty((qx.shape[0], centres.shape[0]))
    for p in range(qx.shape[0]):
        for b in range(centres.shape[0]):
            ex = qx[p] - centres[b, 0]
            ey = qy[p] - centres[b, 1]
            g[p, b] = np.exp((ex * ex + ey * ey) * scale)
    return g


@compiled()
def spurious_directions(
    flow: Array,
    points: Array,
    qx: Array,
    qy: Array,
    w: Array,
    bump_x: Array,
    bump_y: Array,
    turns: npt.NDArray[np.int64],
) -> Array:  # pragma: no cover - compiled
    """The spurious minutiae's directions: along the flow at their master points
    (``SkinWarp.to_master`` of the impression points, its bumps' displacement given), turned
    half a turn where ``turns`` says."""
    m = qx.shape[0]
    st = np.empty(m)
    for i in range(m):
        rx = qx[i] - w[W_CONTACT_X]
        ry = qy[i] - w[W_CONTACT_Y]
        ring = min(max((np.hypot(rx, ry) - w[8]) / (w[9] - w[8]), 0.0), 1.0)
        brick = ring * ring * (3 - 2 * ring)
        dx = brick * ((w[10] - 1) * rx - w[11] * ry + w[12]) + bump_x[i]
        dy = brick * (w[11] * rx + (w[10] - 1) * ry + w[13]) + bump_y[i]
        ux = qx[i] + dx - w[0]
        uy = qy[i] + dy - w[1]
        mx = w[2] + w[4] * ux - w[5] * uy
        my = w[3] + w[5] * ux + w[4] * uy
        st[i] = normal_angle(mx, my, flow, points) - np.pi / 2 - w[W_ROTATION]
        st[i] = st[i] + np.pi * turns[i]
    return st


@compiled()
def engine_minutiae(
    x: Array,
    y: Array,
    theta: Array,
    kind: npt.NDArray[np.uint8],
    height: int,
    width: int,
) -> tuple[Array, Array, Array, npt.NDArray[np.uint8]]:  # pragma: no cover - compiled
    """``to_engine_template`` of the impression's minutiae (``template_impression``'s last
    step, clipped to the frame and kept as float32, directions in [0, 2 pi)): positions and
    directions at the template's stored resolution (``template._quantise``) and the engine's
    types (ours + 1)."""
    x32 = np.minimum(np.maximum(x, 0.0), width - 1.0).astype(np.float32)
    y32 = np.minimum(np.maximum(y, 0.0), height - 1.0).astype(np.float32)
    t32 = np.mod(theta.astype(np.float32), np.float32(2 * np.pi))
    keep = (x32 >= 0) & (x32 < width) & (y32 >= 0) & (y32 < height)
    xs = x32[keep].astype(np.float64)
    ys = y32[keep].astype(np.float64)
    units = np.mod(np.rint(t32[keep].astype(np.float64) * ANGLE_UNITS / (2 * np.pi)), ANGLE_UNITS)
    return (
        np.minimum(np.rint(xs * POSITION_SCALE), 65535.0) / POSITION_SCALE,
        np.minimum(np.rint(ys * POSITION_SCALE), 65535.0) / POSITION_SCALE,
        units * ANGLE_STEP,
        kind[keep] + np.uint8(1),
    )


@compiled()
def warp_to_image(
    mx: Array, my: Array, w: Array, centres: Array, vectors: Array
) -> tuple[Array, Array]:  # pragma: no cover - compiled
    """``SkinWarp.to_image`` (``w``: centre in the image, centre on the master, cos and sin of
    the rotation, contact centre, inner and outer ring, cos and sin of the outer skin's turn,
    its shift, bump scale): master points to impression points by fixed-point iteration of
    the skin distortion."""
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
