"""Removal of false minutiae, the artefacts of noise, creases and thinning.

Rules, in order: too close to the print's border; spurs and short ridges (an ending whose ridge
reaches another minutia within a ridge period or so); bridges (two bifurcations joined by a
short ridge); broken ridges (two facing endings across a small gap); clusters (too many minutiae
in a small disc, which real skin does not produce). Each survivor gets a reliability in 0..1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.features.minutiae import (
    BIFURCATION,
    ENDING,
    HIT_ENDING,
    HIT_JUNCTION,
    RawMinutiae,
)
from scomm.biometrics.features.params import StageParams


@dataclass(frozen=True)
class FilterParams(StageParams):
    border: float = 14.0
    """Minimum distance (pixels) from the background."""
    spur: float = 1.0
    """Short-ridge / spur length, in ridge periods."""
    bridge: float = 1.6
    """Bridge length between two bifurcations, in ridge periods."""
    gap: float = 1.3
    """Largest gap of a broken ridge, in ridge periods."""
    gap_angle: float = math.pi / 5
    cluster_radius: float = 1.2
    """In ridge periods."""
    cluster_size: int = 3
    """A minutia with this many others inside the radius is dropped with them."""
    min_reliability: float = 0.15


@dataclass(frozen=True, eq=False)
class FilteredMinutiae:
    y: npt.NDArray[np.int64]
    x: npt.NDArray[np.int64]
    theta: npt.NDArray[np.float64]
    kind: npt.NDArray[np.int64]
    reliability: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.y.size)


class MinutiaeFilter:
    def __init__(self, params: FilterParams | None = None) -> None:
        self.params = params or FilterParams()

    def run(
        self,
        raw: RawMinutiae,
        mask: npt.NDArray[np.bool_],
        coherence: npt.NDArray[np.float32],
        period: float,
    ) -> FilteredMinutiae:
        p = self.params
        n = len(raw)
        keep = np.ones(n, dtype=bool)
        padded = np.pad(mask.astype(np.uint8), 1)
        distance = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
        depth = distance[raw.y, raw.x] if n else np.zeros(0, dtype=np.float32)
        keep &= depth >= p.border

        # A spur or short ridge (an ending whose trace soon met another minutia) and a bridge
        # (a bifurcation whose trace soon met a junction) go, with the minutia met.
        spur = (
            (raw.kind == ENDING)
            & np.isin(raw.hit_code, (HIT_ENDING, HIT_JUNCTION))
            & (raw.hit_steps <= p.spur * period)
        )
        bridge = (
            (raw.kind == BIFURCATION)
            & (raw.hit_code == HIT_JUNCTION)
            & (raw.hit_steps <= p.bridge * period)
        )
        dropped = spur | bridge
        at = np.full(mask.shape, -1, dtype=np.int64)
        at[raw.y, raw.x] = np.arange(n)  # minutiae sit on distinct pixels
        met = at[raw.hit_y[dropped], raw.hit_x[dropped]]
        keep[dropped] = False
        keep[met[met >= 0]] = False

        if n:
            pts = np.stack([raw.x, raw.y], axis=1).astype(np.float64)
            dist = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
            np.fill_diagonal(dist, np.inf)
            self._broken_ridges(raw, dist, period, keep)
            crowded = (dist < p.cluster_radius * period).sum(axis=1) >= p.cluster_size
            keep &= ~crowded

        local = cv2.blur(coherence, (15, 15))
        reliability = np.clip(
            local[raw.y, raw.x] * np.minimum(1.0, depth / (3.0 * p.border)), 0.0, 1.0
        ).astype(np.float64)
        keep &= reliability >= p.min_reliability
        return FilteredMinutiae(
            raw.y[keep], raw.x[keep], raw.theta[keep], raw.kind[keep], reliability[keep]
        )

    def _broken_ridges(
        self,
        raw: RawMinutiae,
        dist: npt.NDArray[np.float64],
        period: float,
        keep: npt.NDArray[np.bool_],
    ) -> None:
        p = self.params
        endings = np.nonzero(raw.kind == ENDING)[0]
        first, second = np.triu_indices(endings.size, k=1)
        i, j = endings[first], endings[second]
        near = dist[i, j] <= p.gap * period
        i, j = i[near], j[near]
        # Facing: directions roughly opposite, each pointing away from the other
        # (an ending points into its own ridge, so facing endings point apart).
        facing = np.abs(_angle_diff(raw.theta[i], raw.theta[j] + math.pi)) < p.gap_angle
        link = np.arctan2(raw.y[j] - raw.y[i], raw.x[j] - raw.x[i])
        aligned = np.abs(_angle_diff(raw.theta[i] + math.pi, link)) < p.gap_angle
        broken = facing & aligned
        keep[i[broken]] = False
        keep[j[broken]] = False


def _angle_diff(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return (a - b + math.pi) % (2 * math.pi) - math.pi
