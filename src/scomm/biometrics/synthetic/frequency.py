"""Ridge frequency map: how far apart the ridges are, pixel by pixel.

Adult ridges are about 0.45-0.5 mm apart, i.e. 9-10 pixels at 500 ppi. The period varies a
little across the finger: ridges are a touch wider around the core and tighter towards the tip and
the flexion crease, plus a gentle random undulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scomm.biometrics.synthetic.pattern import MASTER_HEIGHT, MASTER_WIDTH

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RidgePeriodMap:
    """Ridge period (pixels) as a smooth function of position."""

    mean_period: float
    centre_x: float
    centre_y: float
    centre_gain: float
    waves: tuple[tuple[float, float, float, float], ...]

    def period(self, x: Array, y: Array) -> Array:
        u = (x - self.centre_x) / MASTER_WIDTH
        v = (y - self.centre_y) / MASTER_HEIGHT
        bump = self.centre_gain * np.exp(-(u * u + v * v) / (2 * 0.18**2))
        ripple = np.zeros(np.broadcast(u, v).shape)
        for fx, fy, amp, phase in self.waves:
            ripple = ripple + amp * np.sin(2 * np.pi * (fx * u + fy * v) + phase)
        edge = 0.05 * np.clip(np.abs(v) - 0.25, 0.0, None) / 0.25
        return np.asarray(self.mean_period * (1.0 + bump + ripple - edge), dtype=np.float64)


def sample_period_map(rng: np.random.Generator, centre_x: float, centre_y: float) -> RidgePeriodMap:
    """A finger's ridge period map around its pattern centre."""
    return RidgePeriodMap(
        mean_period=float(rng.uniform(8.6, 10.2)),
        centre_x=centre_x,
        centre_y=centre_y,
        centre_gain=float(rng.uniform(0.02, 0.08)),
        waves=tuple(
            (
                float(rng.normal(0, 1.2)),
                float(rng.normal(0, 1.2)),
                float(rng.uniform(0.0, 0.03)),
                float(rng.uniform(0, 2 * np.pi)),
            )
            for _ in range(2)
        ),
    )
