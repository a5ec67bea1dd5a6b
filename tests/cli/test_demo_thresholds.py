"""Where the demo's full-mode thresholds come from: the shipped calibration when it was made
for the galleries about to be built, else calibrated at run time."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scomm.cli.demo_calibration import RUN_TIME, SHIPPED, Thresholds
from scomm.cli.demo_thresholds import calibrated_for, engine_fingerprint, shipped_calibration


def _rates(**extra: Any) -> str:
    gallery = {"threshold": 0.0123, "fnir": 0.0, "fpir": 0.01}
    return json.dumps(
        {"date": "2026-12-06T05:00:00+00:00", "commit": "abc1234", "cjis": gallery,
         "ident": {**gallery, "threshold": 0.0234}, **extra}
    )  # fmt: skip


def test_a_file_that_does_not_say_what_it_was_calibrated_for_is_not_used() -> None:
    assert shipped_calibration(_rates()) is None


def test_the_shipped_thresholds_apply_only_where_every_condition_is_the_same() -> None:
    conditions = calibrated_for(60)
    shipped = shipped_calibration(_rates(calibrated_for=conditions))
    assert shipped is not None
    assert shipped.thresholds == Thresholds(
        0.0123,
        0.0234,
        SHIPPED,
        "match_rates.json: benchmarks/match_rates.py on 2026-12-06 at abc1234",
    )
    assert shipped.differences(calibrated_for(60)) == []
    assert shipped.differences(calibrated_for(70)) == ["gallery_subjects"]
    other_engine = {**conditions, "engine": {**conditions["engine"], "mated_score": 0.5}}
    assert shipped.differences(other_engine) == ["engine"]
    assert shipped.differences({k: v for k, v in conditions.items() if k != "filler_seed"}) == [
        "filler_seed"
    ]


def test_the_engine_fingerprint_is_what_the_engine_makes_of_fixed_prints() -> None:
    first, again = engine_fingerprint(), engine_fingerprint()
    assert first == again
    assert len(first["templates_sha256"]) == 32 and 0 < first["mated_score"] <= 1


def test_a_damaged_file_is_refused_with_the_reason() -> None:
    broken = json.loads(_rates(calibrated_for={}))
    del broken["ident"]["threshold"]
    with pytest.raises(ValueError, match="not a match-rates file"):
        shipped_calibration(json.dumps(broken))


def test_thresholds_say_where_they_came_from_and_survive_json() -> None:
    made = Thresholds(0.01, 0.02, RUN_TIME, "200 non-mated searches")
    assert Thresholds.from_json(json.loads(json.dumps(made.to_json()))) == made
    assert made.describe() == (
        "thresholds at FPIR 1%: CJIS 0.010000, IDENT 0.020000, calibrated at run time "
        "(200 non-mated searches)"
    )


def test_the_shipped_file_was_calibrated_on_this_engine() -> None:
    """A change that alters a rendered pixel or an extracted template changes the fingerprint:
    the demo would then calibrate at run time, and ``match_rates.json`` must be regenerated."""
    shipped = shipped_calibration()
    assert shipped is not None
    assert shipped.calibrated_for["engine"] == engine_fingerprint()
