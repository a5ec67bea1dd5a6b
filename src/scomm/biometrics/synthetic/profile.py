"""Capture profiles: how carefully a finger is put on the sensor, as parameters of one value.

:func:`scomm.biometrics.synthetic.render_impression` and ``template_impression`` draw every
impression's conditions (careless captures, placement, rotation, roll, contact, distortion, skin
moisture, ink) from a :class:`CaptureProfile`. Two are named (docs/synthetic-fingerprints.md,
"Capture profiles"):

* :data:`DB1_B_LIKE` (the default): calibrated against FVC2004 DB1_B, a deliberately hard set
  (volunteers asked for displaced, rotated and distorted impressions; small, off-centre
  contact; dry skin);
* :data:`BOOKING_LIVE_SCAN`: a jail's booking station, where an operator centres each finger,
  presses it fully, conditions dry or oily skin and re-captures what the scanner's quality
  check rejects.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any


def _pair(name: str, value: tuple[float, float], low: float = 0.0) -> None:
    if len(value) != 2 or not all(math.isfinite(v) for v in value):
        raise ValueError(f"{name} must be two finite numbers, got {value!r}")
    if not low <= value[0] <= value[1]:
        raise ValueError(f"{name} must be an ordered range >= {low}, got {value!r}")


@dataclass(frozen=True)
class CaptureProfile:
    """What the drawing of an impression's conditions draws from (pixels at 500 ppi)."""

    name: str
    manner_shares: tuple[float, float, float]
    """Shares of ordinary, displaced-and-rotated and pressed-and-distorted captures."""
    rotation_sd: tuple[float, float]
    """Degrees of rotation on the platen: ordinary, displaced captures."""
    rotation_limit: float
    pad_below_centre: float
    """The finger pad's centre lies this far below the pattern centre (pixels)."""
    pad_sd: float
    """Roll and tilt: which part of the finger touches (pixels on the finger)."""
    placement_sd: tuple[float, float]
    """Where the contact lands in the frame (x, y pixels from the centre)."""
    placement_careless: float
    """Factor on ``placement_sd`` for displaced captures."""
    distortion_ordinary: tuple[float, float]
    distortion_strong: tuple[float, float]
    skin_rotation_sd: float
    """Degrees of outer-skin rotation, times the capture's distortion."""
    skin_shift_sd: float
    """Pixels of outer-skin shift, times the distortion."""
    bump_sd: float
    """Pixels of random warp per bump, times the distortion."""
    contact_half_width: tuple[float, float]
    """Half-width of the contact ellipse, light .. heavy press (pixels)."""
    contact_elongation: tuple[float, float]
    """Height / width of the contact ellipse."""
    moisture_mean: float
    """-1 dry .. +1 wet."""
    moisture_sd: float
    wet_blotch: float
    """How far wet blotches lower the ink threshold (valleys fill in)."""
    grain: float
    """Ragged ridge edges."""
    dry_breaks: tuple[float, float]
    """Ridge ink is lost where fine noise exceeds ``dry_breaks[0] - dry_breaks[1] * dryness``."""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a capture profile needs a name")
        shares = self.manner_shares
        if len(shares) != 3 or min(shares) < 0 or abs(sum(shares) - 1.0) > 1e-9:
            raise ValueError(f"manner_shares must be 3 shares summing to 1, got {shares!r}")
        for name in ("rotation_sd", "placement_sd"):
            value = getattr(self, name)
            if len(value) != 2 or min(value) < 0:
                raise ValueError(f"{name} must be two non-negative numbers, got {value!r}")
        for name in ("distortion_ordinary", "distortion_strong", "contact_half_width"):
            _pair(name, getattr(self, name))
        _pair("contact_elongation", self.contact_elongation, low=0.5)
        scalars = ("rotation_limit", "pad_sd", "placement_careless", "skin_rotation_sd",
                   "skin_shift_sd", "bump_sd", "moisture_sd", "wet_blotch", "grain")  # fmt: skip
        for name in scalars:
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0):
                raise ValueError(f"{name} must be a non-negative number, got {getattr(self, name)}")
        if self.contact_half_width[0] <= 0:
            raise ValueError("contact_half_width must be positive")
        if not -1.0 <= self.moisture_mean <= 1.0:
            raise ValueError(f"moisture_mean must be within -1..1, got {self.moisture_mean}")

    def to_json(self) -> dict[str, Any]:
        """JSON-native values (ranges as lists), so a value read back from JSON compares equal."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaptureProfile:
        """The profile of :meth:`to_json`'s object (lists become tuples; unknown keys fail)."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        missing = names - set(data)
        if unknown or missing:
            raise ValueError(f"capture profile keys: unknown {sorted(unknown)}, missing "
                             f"{sorted(missing)}")  # fmt: skip
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items()
        }
        return cls(**values)


#: FVC2004 DB1_B-like captures (docs/synthetic-fingerprints.md, "Impressions" and "Realism").
DB1_B_LIKE = CaptureProfile(
    name="db1b-like",
    manner_shares=(0.55, 0.2, 0.25),
    rotation_sd=(6.0, 18.0),
    rotation_limit=40.0,
    pad_below_centre=20.0,
    pad_sd=24.0,
    placement_sd=(30.0, 35.0),
    placement_careless=1.6,
    distortion_ordinary=(0.8, 1.6),
    distortion_strong=(2.2, 3.4),
    skin_rotation_sd=3.0,
    skin_shift_sd=5.0,
    bump_sd=1.5,
    contact_half_width=(110.0, 175.0),
    contact_elongation=(1.2, 1.5),
    moisture_mean=-0.15,
    moisture_sd=0.6,
    wet_blotch=0.8,
    grain=0.32,
    dry_breaks=(0.8, 0.6),
)

#: A supervised booking-station live scan (docs/synthetic-fingerprints.md, "Capture profiles"):
#: the operator places, centres and presses each finger and re-captures rejected prints, so
#: careless captures are rare, the core sits near the middle and the whole pad touches; skin
#: is conditioned, so prints are less often dry or wet. The skin, ink and sensor are as above.
BOOKING_LIVE_SCAN = replace(
    DB1_B_LIKE,
    name="booking-live-scan",
    manner_shares=(0.9, 0.04, 0.06),
    rotation_sd=(5.0, 12.0),
    rotation_limit=30.0,
    pad_sd=12.0,
    placement_sd=(12.0, 15.0),
    distortion_ordinary=(0.8, 1.4),
    distortion_strong=(1.8, 2.6),
    contact_half_width=(150.0, 190.0),
    moisture_mean=0.0,
    moisture_sd=0.35,
)

PROFILES = {p.name: p for p in (DB1_B_LIKE, BOOKING_LIVE_SCAN)}


def profile_named(name: str) -> CaptureProfile:
    """A named preset; a clear error naming the presets for any other name."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"no capture profile {name!r}; presets: {sorted(PROFILES)}") from None
