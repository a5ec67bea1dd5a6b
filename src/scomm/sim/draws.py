"""Counter-based random draws: the same uniform for the same (seed, keys), however it is asked.

The ICE side is asked one match at a time by the pipeline, but the population is generated in
bulk; both must agree for a run to be reproducible whatever the order or batching. A SplitMix64
hash of the seed and integer keys gives that: :func:`uniform` (one Python call, no generator
state) and :func:`uniform_array` (numpy, element-wise) return identical values.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_TO_UNIT = 1.0 / (1 << 53)


class Stream(IntEnum):
    """Which decision a draw is for; keeps draws for different questions independent."""

    LESC_ERROR = 1
    LESC_UNDETERMINED = 2
    DETAINER = 3
    LEA_DECLINE = 4
    LIFT_REASON = 5
    REMOVAL = 6
    CUSTODY_LAG = 7
    REMOVAL_LAG = 8
    CITIZEN_RELEASE = 9


def _mix(z: int) -> int:
    z = (z + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def uniform(seed: int, *keys: int) -> float:
    """A uniform in [0, 1) determined by ``seed`` and the integer ``keys``."""
    z = _mix(seed & _MASK)
    for key in keys:
        z = _mix(z ^ (key & _MASK))
    return (z >> 11) * _TO_UNIT


def stream_uniforms(seed: int, *keys: int) -> tuple[float, ...]:
    """``uniform(seed, *keys, stream)`` for every :class:`Stream`, indexed by ``stream - 1``;
    the common prefix is hashed once."""
    z = _mix(seed & _MASK)
    for key in keys:
        z = _mix(z ^ (key & _MASK))
    return tuple((_mix(z ^ int(stream)) >> 11) * _TO_UNIT for stream in Stream)


def _mix_array(z: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    z = z + np.uint64(_GOLDEN)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
    return z ^ (z >> np.uint64(31))


def uniform_array(seed: int, *keys: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Element-wise :func:`uniform` over broadcast integer key arrays."""
    arrays = [np.asarray(k).astype(np.int64).view(np.uint64) for k in keys]
    shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
    with np.errstate(over="ignore"):
        z = _mix_array(np.full(shape, seed & _MASK, dtype=np.uint64))
        for key in arrays:
            z = _mix_array(z ^ key)
    return (z >> np.uint64(11)).astype(np.float64) * _TO_UNIT
