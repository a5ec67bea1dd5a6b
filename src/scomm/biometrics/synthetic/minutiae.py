"""Ground-truth minutiae: what the generator put into a print, as plain numpy arrays.

Conventions (documented once, used everywhere in this subpackage):

* ``x``, ``y`` are pixel coordinates at 500 ppi, x to the right, y downwards, origin at the
  centre of the top-left pixel.
* ``theta`` is in radians in ``[0, 2*pi)``, measured in image coordinates
  (``atan2(dy, dx)`` with y downwards, so it turns clockwise on screen). It points along the
  ridge flow towards the side that has one line more: into the ridge that ends (ending) or
  between the two branches (bifurcation), as in ISO/IEC 19794-2.
* ``kind`` is 0 for a ridge ending and 1 for a bifurcation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

ENDING = 0
BIFURCATION = 1

FloatArray = npt.NDArray[np.float32]
KindArray = npt.NDArray[np.uint8]


@dataclass(frozen=True, eq=False)
class GroundTruthMinutiae:
    """A set of minutiae with known truth; arrays are read-only and of equal length."""

    x: FloatArray
    y: FloatArray
    theta: FloatArray
    kind: KindArray
    _length: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        arrays = {
            "x": np.array(self.x, dtype=np.float32),
            "y": np.array(self.y, dtype=np.float32),
            "theta": np.mod(np.array(self.theta, dtype=np.float32), np.float32(2 * np.pi)),
            "kind": np.array(self.kind, dtype=np.uint8),
        }
        lengths = {name: arr.shape for name, arr in arrays.items()}
        if any(arr.ndim != 1 for arr in arrays.values()) or len(set(lengths.values())) != 1:
            raise ValueError(f"minutiae arrays must be 1-D and of equal length, got {lengths}")
        if np.any(arrays["kind"] > BIFURCATION):
            raise ValueError("minutia kind must be 0 (ending) or 1 (bifurcation)")
        for name, arr in arrays.items():
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "_length", int(arrays["x"].shape[0]))

    def __len__(self) -> int:
        return self._length

    @classmethod
    def empty(cls) -> GroundTruthMinutiae:
        zeros = np.zeros(0, dtype=np.float32)
        return cls(zeros, zeros, zeros, np.zeros(0, dtype=np.uint8))

    def select(self, keep: npt.NDArray[np.bool_]) -> GroundTruthMinutiae:
        """The minutiae where ``keep`` is true (e.g. those inside a contact area)."""
        return GroundTruthMinutiae(self.x[keep], self.y[keep], self.theta[keep], self.kind[keep])

    def same_as(self, other: GroundTruthMinutiae) -> bool:
        """Exact equality of all four arrays (dataclass equality is off: arrays)."""
        return all(
            np.array_equal(getattr(self, name), getattr(other, name))
            for name in ("x", "y", "theta", "kind")
        )

    def to_json(self) -> list[dict[str, Any]]:
        """One JSON object per minutia, rounded to what a 500 ppi image can resolve."""
        return [
            {
                "x": round(float(x), 2),
                "y": round(float(y), 2),
                "theta": round(float(t), 4),
                "kind": "ending" if k == ENDING else "bifurcation",
            }
            for x, y, t, k in zip(self.x, self.y, self.theta, self.kind, strict=True)
        ]

    @classmethod
    def from_json(cls, items: list[dict[str, Any]]) -> GroundTruthMinutiae:
        """Inverse of :meth:`to_json`; names the offending entry when one is malformed."""
        xs, ys, ts, ks = [], [], [], []
        for index, item in enumerate(items):
            try:
                xs.append(float(item["x"]))
                ys.append(float(item["y"]))
                ts.append(float(item["theta"]))
                kind = item["kind"]
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"minutia {index}: missing or invalid field ({exc})") from exc
            if kind not in ("ending", "bifurcation"):
                raise ValueError(f"minutia {index}: kind must be 'ending' or 'bifurcation'")
            ks.append(ENDING if kind == "ending" else BIFURCATION)
        return cls(
            np.array(xs, dtype=np.float32),
            np.array(ys, dtype=np.float32),
            np.array(ts, dtype=np.float32),
            np.array(ks, dtype=np.uint8),
        )
