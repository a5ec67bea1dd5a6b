"""The full mode's operating thresholds: the shipped calibration where it was made for these
galleries, else calibrated at run time.

``benchmarks/match_rates.py`` builds galleries the demo's way, calibrates each one's threshold
at FPIR 1 % exactly as the demo does (``demo_calibration``: the same strangers, the same
searches), measures the error rates at those thresholds and ships both in
``scomm/agencies/data/match_rates.json``, which oracle mode draws its errors from. The file
says what it was calibrated for (``calibrated_for``: gallery size, capture profile, FPIR, seeds,
the engine's fingerprint). When that is what a run is about to build, the demo's full mode
operates at the shipped thresholds: both fidelities then run at one operating point, the
demo's own searches are an out-of-sample check of the shipped rates, and a first run skips
about 100 CPU-s of strangers' prints and calibration searches. Otherwise (another gallery
size, a changed extractor, matcher or generator) it calibrates at run time, as before.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import scomm.cli.demo_calibration as calibration
from scomm.agencies.services import MATCH_RATES
from scomm.biometrics import DEFAULT_FPIR, compare
from scomm.biometrics.search import COMPARISONS, SHORTLIST
from scomm.biometrics.synthetic import generate_master, template_impression, to_engine_template
from scomm.cli.demo_calibration import SHIPPED, Thresholds
from scomm.cli.demo_full import FILLER_SEED, filler_template
from scomm.domain import FingerPosition

GALLERIES = ("cjis", "ident")
REFERENCE_FINGER = FingerPosition.RIGHT_INDEX


def engine_fingerprint() -> dict[str, Any]:
    """What the engine makes of fixed inputs: a digest of three templates (calibration stranger
    0's right index as CJIS extracts it from a CAR, a gallery impression of the same master, a
    template-level filler finger), their 1:1 score and the search's budgets. A change to the
    generator, the capture, WSQ, the extractor, the cylinders or the matcher changes it."""
    master = generate_master(calibration.CALIBRATION_SEED, 0, REFERENCE_FINGER)
    probe = calibration.captured_template(master)
    enrolled = to_engine_template(
        template_impression(master, 0, profile=calibration.CAPTURE_PROFILE)
    )
    filler = filler_template(0, REFERENCE_FINGER)
    digest = hashlib.sha256(b"".join(t.to_bytes() for t in (probe, enrolled, filler)))
    return {
        "templates_sha256": digest.hexdigest()[:32],
        "mated_score": round(compare(probe, enrolled), 6),
        "comparisons": COMPARISONS,
        "shortlist": SHORTLIST,
    }


def calibrated_for(gallery_subjects: int) -> dict[str, Any]:
    """Everything a gallery's calibrated threshold depends on besides chance, as JSON values:
    equal conditions, the same calibration."""
    conditions = {
        "gallery_subjects": gallery_subjects,
        "capture_profile": calibration.CAPTURE_PROFILE.to_json(),
        "target_fpir": DEFAULT_FPIR,
        "filler_seed": FILLER_SEED,
        "stranger_seed": calibration.CALIBRATION_SEED,
        "calibration_searches": calibration.CALIBRATION_SEARCHES,
        "calibration_people": calibration.CALIBRATION_PEOPLE,
        "full_strangers": calibration.FULL_STRANGERS,
        "engine": engine_fingerprint(),
    }
    as_json: dict[str, Any] = json.loads(json.dumps(conditions))
    return as_json


@dataclass(frozen=True)
class ShippedCalibration:
    """The thresholds in ``match_rates.json`` and the conditions they were calibrated under."""

    thresholds: Thresholds
    calibrated_for: dict[str, Any]

    def differences(self, conditions: dict[str, Any]) -> list[str]:
        """The conditions that differ from the shipped calibration's (none: it applies)."""
        names = sorted(set(conditions) | set(self.calibrated_for))
        return [n for n in names if conditions.get(n) != self.calibrated_for.get(n)]


def vetoes(shipped: ShippedCalibration, gallery_subjects: int) -> list[str]:
    """What differs between ``shipped``'s conditions and those of galleries of this size, on
    this engine (none: the shipped thresholds apply). Costly on a first run: it compiles the
    extractor and the matcher (``demo_full.prepare`` runs it in its pool)."""
    return shipped.differences(calibrated_for(gallery_subjects))


def shipped_calibration(text: str | None = None) -> ShippedCalibration | None:
    """The shipped calibration (``text`` in ``match_rates.json``'s format instead of the file);
    None when the file does not say what it was calibrated for."""
    if text is None:
        text = resources.files("scomm.agencies").joinpath(MATCH_RATES).read_text()
    data = json.loads(text)
    if "calibrated_for" not in data:
        return None
    try:
        values = {name: float(data[name]["threshold"]) for name in GALLERIES}
        source = (
            f"{MATCH_RATES.rsplit('/', 1)[-1]}: benchmarks/match_rates.py on "
            f"{str(data['date'])[:10]} at {data['commit']}"
        )
        conditions = dict(data["calibrated_for"])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{MATCH_RATES} is not a match-rates file: {error!r}") from error
    return ShippedCalibration(
        Thresholds(values["cjis"], values["ident"], SHIPPED, source), conditions
    )
