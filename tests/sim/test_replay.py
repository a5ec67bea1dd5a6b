"""The replay world's index (which booking a TCN names) and its spec file in a gallery set."""

from __future__ import annotations

from pathlib import Path

import pytest

from scomm.agencies import finger_token
from scomm.sim.replay import (
    WORLD_FILE,
    WorldIndex,
    WorldSpec,
    build_world,
    ident_fin,
    load_world_spec,
    save_world_spec,
)
from scomm.sim.world import person_id


def test_resolve_answers_none_for_a_tcn_that_names_none_of_the_worlds_bookings() -> None:
    world = build_world(WorldSpec(sample_fraction=0.002))
    index = WorldIndex(world)
    _, in_ident = world.truth_arrays()
    row = int(in_ident.nonzero()[0][-1])
    booking = world.booking(row)
    number = int(world.bookings.person[row])
    fin = ident_fin(finger_token(person_id(number)))
    assert index.resolve(fin, booking.tcn.value) == (number, row)
    head = booking.tcn.value.rsplit("-", 1)[0]
    others = [r for r in range(len(world.bookings.person)) if world.bookings.person[r] != number]
    for tcn in (
        f"{head}-9999999999",  # beyond the last row
        f"{head}-SEQ1",  # no row number
        "NOTATCNATALL",
        f"{head}-{others[0]:010d}",  # a row of the world, but another day and agency
        world.booking(others[0]).tcn.value,  # another person's booking
        f"{head}-{row:010d}-{row:010d}",
    ):
        assert index.resolve(fin, tcn) is None, tcn
    assert index.resolve("FIN000000000000", booking.tcn.value) is None


def test_world_spec_file_round_trip(tmp_path: Path) -> None:
    spec = WorldSpec(sample_fraction=0.004, counties=(6037, 48201), seed=5)
    assert load_world_spec(tmp_path) is None  # enrolled from files, or not at all
    path = save_world_spec(tmp_path / "set", spec)
    assert path == tmp_path / "set" / WORLD_FILE
    assert load_world_spec(tmp_path / "set") == spec
    path.write_text('{"scenario": 3}')
    with pytest.raises(ValueError, match=r"world\.json is not a world spec"):
        load_world_spec(tmp_path / "set")
