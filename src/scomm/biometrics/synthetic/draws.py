"""Weighted choices drawn exactly as ``numpy.random.Generator.choice`` draws them, cheaper.

``rng.choice(len(p), p=p)`` checks ``p`` and builds its cumulative sum on every call, which is
most of the time a template-level filler spends drawing its pattern class and capture manner
(~20 us each, 100,000 fillers in the demo). ``choice`` normalises the cumulative sum, takes
one ``rng.random()`` and returns the number of cumulative shares at or below it; so do these,
with the cumulative shares worked out once. The draw and the generator's state afterwards are
the same (tests/biometrics/synthetic/test_fast_paths.py compares them with ``choice``).
"""

from __future__ import annotations

import bisect
import functools

import numpy as np


@functools.cache
def cumulative_shares(shares: tuple[float, ...]) -> tuple[float, ...]:
    """The cumulative sum of ``shares`` divided by its last value, as ``choice`` makes it."""
    p = np.asarray(shares, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or np.any(p < 0) or not np.isfinite(p).all():
        raise ValueError(f"shares must be a non-empty list of non-negative numbers, got {shares}")
    if abs(float(p.sum()) - 1.0) > np.sqrt(np.finfo(np.float64).eps):
        raise ValueError(f"shares must sum to 1, got {shares} (sum {float(p.sum())})")
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return tuple(float(c) for c in cdf)


def draw_index(rng: np.random.Generator, cdf: tuple[float, ...]) -> int:
    """``rng.choice(len(p), p=p)`` for ``cdf = cumulative_shares(p)``."""
    return bisect.bisect_right(cdf, rng.random())
