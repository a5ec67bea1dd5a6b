"""Capture profiles: the default is the DB1_B-like model bit for bit; booking captures kinder."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import numpy.typing as npt
import pytest

from scomm.biometrics.synthetic import (
    BOOKING_LIVE_SCAN,
    DB1_B_LIKE,
    CaptureProfile,
    GroundTruthMinutiae,
    generate_master,
    profile_named,
    render_impression,
    synthesize_master_template,
    template_impression,
)
from scomm.biometrics.synthetic.impression import draw_capture
from scomm.biometrics.synthetic.master import finger_rng


def _digest(*arrays: npt.NDArray[np.generic]) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def _minutiae(m: GroundTruthMinutiae) -> str:
    return _digest(m.x, m.y, m.theta, m.kind)


# Digests of the output of the code before capture profiles existed (main at 00becbc), for
# (seed, identity, finger, impression): image, its truth minutiae, template-level impression of
# the master template, template-level impression of the master print.
BEFORE = {
    (3, 1, 2, 0): ("a46fcd7beb3cebfd", "4871b36195d3ade1", "88f3fdf9dd423c4d", "26fdde767cb41289"),
    (7, 5, 7, 1): ("75475e8cfc88beb2", "2220e1c4ccd8c13f", "9e5c0249cd094235", "89d4d1a10d6971f3"),
    (11, 2, 1, 3): ("06596560f9699c9d", "e58d5b57264d212a", "61c5e4533fbd21ad", "1cae622f70374443"),
}


@pytest.mark.parametrize("key", sorted(BEFORE))
def test_default_output_is_identical_to_before_profiles(key: tuple[int, int, int, int]) -> None:
    seed, identity, finger, index = key
    master = generate_master(seed, identity, finger)
    template = synthesize_master_template(seed, identity, finger)
    imp = render_impression(master, index)
    got = (
        _digest(imp.image),
        _minutiae(imp.minutiae),
        _minutiae(template_impression(template, index)),
        _minutiae(template_impression(master, index)),
    )
    assert got == BEFORE[key]
    explicit = render_impression(master, index, profile=DB1_B_LIKE)
    assert np.array_equal(explicit.image, imp.image)
    assert _minutiae(template_impression(template, index, profile=DB1_B_LIKE)) == got[2]


def test_profiles_round_trip_through_json() -> None:
    for profile in (DB1_B_LIKE, BOOKING_LIVE_SCAN):
        text = json.dumps(profile.to_json())
        assert json.loads(text) == profile.to_json()  # a cache key read back still matches
        assert CaptureProfile.from_json(json.loads(text)) == profile
        assert profile_named(profile.name) is profile
    with pytest.raises(ValueError, match="presets"):
        profile_named("ink-card")
    data = DB1_B_LIKE.to_json()
    with pytest.raises(ValueError, match="unknown"):
        CaptureProfile.from_json({**data, "speed": 1})


@pytest.mark.parametrize(
    "change",
    [
        {"manner_shares": (0.5, 0.2, 0.2)},
        {"manner_shares": (1.2, -0.1, -0.1)},
        {"contact_half_width": (175.0, 110.0)},
        {"contact_half_width": (0.0, 10.0)},
        {"moisture_mean": 1.5},
        {"pad_sd": -1.0},
        {"rotation_sd": (-1.0, 2.0)},
        {"distortion_strong": (float("nan"), 2.0)},
        {"name": ""},
    ],
)
def test_bad_profiles_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(DB1_B_LIKE, **change)  # type: ignore[arg-type]


def test_booking_captures_are_centred_upright_and_conditioned() -> None:
    def draws(profile: CaptureProfile) -> dict[str, float]:
        caps = [draw_capture(finger_rng(1, i, 2, 1, 0), profile) for i in range(400)]
        return {
            "offset": float(np.mean([np.hypot(c.contact_x, c.contact_y) for c in caps])),
            "rotation": float(np.mean([abs(c.rotation) for c in caps])),
            "distortion": float(np.mean([c.distortion for c in caps])),
            "moisture": float(np.mean([abs(c.moisture) for c in caps])),
        }

    db1, booking = draws(DB1_B_LIKE), draws(BOOKING_LIVE_SCAN)
    assert booking["offset"] < 0.5 * db1["offset"]
    assert booking["rotation"] < 0.8 * db1["rotation"]
    assert booking["distortion"] < db1["distortion"]
    assert booking["moisture"] < 0.7 * db1["moisture"]


def test_booking_impressions_show_more_of_the_finger() -> None:
    seen = {DB1_B_LIKE.name: 0, BOOKING_LIVE_SCAN.name: 0}
    for identity in range(6):
        template = synthesize_master_template(3, identity, 2)
        for profile in (DB1_B_LIKE, BOOKING_LIVE_SCAN):
            for index in range(4):
                seen[profile.name] += len(template_impression(template, index, profile=profile))
    assert seen[BOOKING_LIVE_SCAN.name] > 1.2 * seen[DB1_B_LIKE.name]
    master = generate_master(5, 17, 2)
    finger = {
        p.name: float(np.mean(render_impression(master, 0, profile=p).image < 250))
        for p in (DB1_B_LIKE, BOOKING_LIVE_SCAN)
    }
    assert finger[BOOKING_LIVE_SCAN.name] > finger[DB1_B_LIKE.name]
