"""Error rates and decision thresholds chosen by target false match rate.

A threshold is never a magic number: it is the lowest score that at most the target fraction
of impostor comparisons reach, calibrated on a set of impostor scores. The package ships a
table calibrated by ``benchmarks/fvc.py --calibrate`` on FVC2004 DB1_B's cross-finger pairs.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt

Scores = npt.NDArray[np.float64] | list[float]
TABLE_RESOURCE = "thresholds.json"


def false_match_rate(impostor: Scores, threshold: float) -> float:
    imp = np.asarray(impostor, dtype=np.float64)
    return float((imp >= threshold).mean()) if imp.size else 0.0


def threshold_for_fmr(impostor: Scores, target: float) -> float:
    """Lowest threshold at which the impostor scores' false match rate is at most ``target``."""
    imp = np.sort(np.asarray(impostor, dtype=np.float64))[::-1]
    if imp.size == 0:
        raise ValueError("no impostor scores to calibrate on")
    if not 0.0 <= target < 1.0:
        raise ValueError(f"target FMR must be in [0, 1), got {target}")
    allowed = math.floor(target * imp.size + 1e-9)
    # Scores equal to the first impostor beyond the allowance must fall below the threshold.
    return float(np.nextafter(imp[allowed], math.inf))


@dataclass(frozen=True)
class ErrorRates:
    eer: float
    fmr100: float
    """FNMR at the lowest threshold with FMR <= 1%."""
    fmr1000: float
    zerofmr: float


def _fnmr_at(genuine: npt.NDArray[np.float64], threshold: float) -> float:
    return float((genuine < threshold).mean())


def error_rates(genuine: Scores, impostor: Scores) -> ErrorRates:
    gen = np.asarray(genuine, dtype=np.float64)
    imp = np.asarray(impostor, dtype=np.float64)
    if gen.size == 0 or imp.size == 0:
        raise ValueError("need genuine and impostor scores")
    fmr, fnmr = det_curve(gen, imp)
    # EER where the curves cross; averaged at the crossing step (FVC's convention).
    gap = fmr - fnmr
    k = int(np.argmin(np.abs(gap)))
    eer = float((fmr[k] + fnmr[k]) / 2)
    return ErrorRates(
        eer,
        _fnmr_at(gen, threshold_for_fmr(imp, 0.01)),
        _fnmr_at(gen, threshold_for_fmr(imp, 0.001)),
        _fnmr_at(gen, threshold_for_fmr(imp, 0.0)),
    )


def det_curve(
    genuine: Scores, impostor: Scores
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(FMR, FNMR) at every distinct score used as threshold, in increasing threshold order."""
    gen = np.asarray(genuine, dtype=np.float64)
    imp = np.asarray(impostor, dtype=np.float64)
    thresholds = np.unique(np.concatenate([gen, imp, [np.inf]]))
    fmr = 1.0 - np.searchsorted(np.sort(imp), thresholds, side="left") / imp.size
    fnmr = np.searchsorted(np.sort(gen), thresholds, side="left") / gen.size
    return fmr, fnmr


@dataclass(frozen=True)
class ThresholdTable:
    """Thresholds by target FMR, with where they came from."""

    thresholds: dict[float, float]
    source: str

    def at(self, fmr: float) -> float:
        if fmr in self.thresholds:
            return self.thresholds[fmr]
        known = sorted(self.thresholds)
        raise KeyError(f"no threshold calibrated for FMR {fmr}; known: {known}")

    @staticmethod
    def calibrate(impostor: Scores, targets: tuple[float, ...], source: str) -> ThresholdTable:
        return ThresholdTable({t: threshold_for_fmr(impostor, t) for t in targets}, source)

    def to_json(self) -> str:
        rows = {repr(k): v for k, v in sorted(self.thresholds.items())}
        return json.dumps({"source": self.source, "thresholds": rows}, indent=2) + "\n"

    @staticmethod
    def from_json(text: str) -> ThresholdTable:
        data = json.loads(text)
        return ThresholdTable(
            {float(k): float(v) for k, v in data["thresholds"].items()}, str(data["source"])
        )

    @staticmethod
    def packaged() -> ThresholdTable:
        return _packaged_table()


@functools.cache
def _packaged_table() -> ThresholdTable:
    text = resources.files("scomm.biometrics.data").joinpath(TABLE_RESOURCE).read_text()
    return ThresholdTable.from_json(text)
