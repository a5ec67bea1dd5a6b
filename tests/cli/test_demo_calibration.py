"""The demo's calibration probes: independent index fingers, tenprints from distinct people."""

from __future__ import annotations

from typing import Any

import pytest

from scomm.cli.demo_calibration import tenprint_probes
from scomm.domain import INDEX_FINGERS, TEN_FINGERS


def _people(full: int, index_only: int) -> list[dict[int, Any]]:
    """Stand-in templates that name their owner and finger."""
    people = []
    for person in range(full + index_only):
        fingers = TEN_FINGERS if person < full else INDEX_FINGERS
        people.append({int(f): (person, int(f)) for f in fingers})
    return people


def test_each_probe_has_its_own_index_fingers_and_eight_other_people() -> None:
    people = _people(full=12, index_only=38)
    probes = tenprint_probes(people, 50)
    assert len(probes) == 50
    for i, probe in enumerate(probes):
        assert sorted(probe) == sorted(TEN_FINGERS)
        for finger, (owner, position) in probe.items():
            assert position == int(finger)  # a finger stands only for its own position
            assert (owner == i) == (finger in INDEX_FINGERS)
        donors = [owner for finger, (owner, _) in probe.items() if finger not in INDEX_FINGERS]
        assert len(set(donors)) == len(donors) == 8
        assert all(donor < 12 for donor in donors)
    # no two searches share an index finger: IDENT's two-finger probes are independent
    index_owners = [probe[INDEX_FINGERS[0]][0] for probe in probes]
    assert len(set(index_owners)) == len(probes)


def test_too_few_people_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="a calibration person per search"):
        tenprint_probes(_people(full=10, index_only=5), 20)
    with pytest.raises(ValueError, match="people with ten fingers"):
        tenprint_probes(_people(full=8, index_only=30), 20)
