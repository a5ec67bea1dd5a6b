"""Match decisions: a comparison score against the threshold calibrated for a target FMR."""

from __future__ import annotations

from dataclasses import dataclass

from scomm.biometrics.matcher import Comparator
from scomm.biometrics.template import Template
from scomm.biometrics.thresholds import ThresholdTable

DEFAULT_FMR = 0.001


@dataclass(frozen=True)
class Decision:
    score: float
    threshold: float
    fmr: float
    match: bool


class Matcher:
    """A comparator with its calibrated thresholds (the packaged table by default)."""

    def __init__(
        self, comparator: Comparator | None = None, table: ThresholdTable | None = None
    ) -> None:
        self.comparator = comparator or Comparator()
        self.table = table or ThresholdTable.packaged()

    def score(self, a: Template, b: Template) -> float:
        return self.comparator.compare(a, b)

    def threshold(self, fmr: float = DEFAULT_FMR) -> float:
        return self.table.at(fmr)

    def decide(self, a: Template, b: Template, fmr: float = DEFAULT_FMR) -> Decision:
        score = self.score(a, b)
        threshold = self.threshold(fmr)
        return Decision(score, threshold, fmr, score >= threshold)
