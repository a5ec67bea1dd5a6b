"""``scomm init / enroll / submit / status`` as a user runs them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scomm.agencies import finger_token, oracle_cars
from scomm.cli.live_runs import console
from scomm.cli.main import app
from scomm.domain import Booking, Tcn
from scomm.sim.replay import (
    WorldSpec,
    build_world,
    intakes,
    load_world_spec,
    save_world_spec,
    time_order,
)

runner = CliRunner()


def test_init_enroll_submit_status(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SCOMM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SCOMM_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["enroll", "--synthetic", "0.002"])
    assert result.exit_code == 0, result.output
    assert "enrolled 10,000" in result.output
    world = build_world(WorldSpec(sample_fraction=0.002))
    _, in_ident = world.truth_arrays()
    row = next(r for r in time_order(world)[::-1] if in_ident[r])
    item = next(intakes(world, [int(row)]))
    car = tmp_path / "booking.an2"
    car.write_bytes(item.car)
    result = runner.invoke(app, ["submit", str(car)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "SRE" in result.output and "CAR" in result.output
    assert item.booking.tcn.value in result.output
    again = runner.invoke(app, ["submit", str(car)])
    assert again.exit_code == 1 and "already submitted" in again.output
    status = runner.invoke(app, ["status"], terminal_width=200)
    assert status.exit_code == 0 and "live" in status.output and "lea-inbox" in status.output


def test_submit_names_what_is_wrong_with_a_broken_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SCOMM_DATA_DIR", str(tmp_path / "data"))
    bad = tmp_path / "bad.an2"
    bad.write_bytes(b"1.001:12\x1d1.002:0400\x1c")
    result = runner.invoke(app, ["submit", str(bad)])
    assert result.exit_code == 1 and "bad.an2" in result.output


def test_submit_before_enroll_takes_nothing_in(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SCOMM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SCOMM_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["init"]).exit_code == 0
    world = build_world(WorldSpec(sample_fraction=0.002))
    item = next(intakes(world, [int(time_order(world)[-1])]))
    car = tmp_path / "booking.an2"
    car.write_bytes(item.car)
    result = runner.invoke(app, ["submit", str(car)], terminal_width=200)
    assert result.exit_code == 1 and "scomm enroll" in result.output
    # nothing was accepted: after enrolling, the same file goes through
    assert runner.invoke(app, ["enroll", "--synthetic", "0.002"]).exit_code == 0
    result = runner.invoke(app, ["submit", str(car)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "SRE" in result.output and item.booking.tcn.value in result.output


def _enrolled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory after `scomm init` and `scomm enroll --synthetic 0.002`."""
    data = tmp_path / "data"
    monkeypatch.setattr(console, "_width", 200)  # the tables' rows whole
    monkeypatch.setenv("SCOMM_DATA_DIR", str(data))
    monkeypatch.delenv("SCOMM_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["enroll", "--synthetic", "0.002"])
    assert result.exit_code == 0, result.output
    return data


def test_bookings_then_submit_prints_the_detainer_and_its_hand_over(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _enrolled(tmp_path, monkeypatch)
    spec = load_world_spec(data / "galleries" / "default")
    assert spec == WorldSpec(sample_fraction=0.002)
    out = tmp_path / "bookings"
    result = runner.invoke(app, ["bookings", str(out), "--count", "8"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [f"booking-{n:02d}.an2" for n in range(1, 9)]
    rows = [line for line in result.output.splitlines() if "booking-0" in line]
    assert "DETAINER" in rows[0]
    kinds = {tuple(cell.strip() for cell in row.split("│")[5:7]) for row in rows}
    assert kinds == {("yes", "yes"), ("yes", "no"), ("no", "yes"), ("no", "no")}
    first = runner.invoke(app, ["submit", str(out / "booking-01.an2")], terminal_width=200)
    assert first.exit_code == 0, first.output
    assert "DETAINER I-247" in first.output
    hand_over = [line for line in first.output.splitlines() if " DTNR " in line]
    assert len(hand_over) == 1 and "ERO-" in hand_over[0] and "yes" in hand_over[0]
    world = build_world(spec)
    tcn = first.output.split("booking ", 1)[1].split(" ", 1)[0]
    row = int(tcn.rsplit("-", 1)[1])
    assert world.booking(row).tcn.value == tcn


def _car(booking: Booking, token: str) -> bytes:
    return oracle_cars(booking, token)[0]


def test_a_car_not_of_the_world_gets_no_detainer_and_breaks_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _enrolled(tmp_path, monkeypatch)
    world = build_world(WorldSpec(sample_fraction=0.002))
    rows = [int(r) for r in time_order(world)[::-1]]
    person_row = next(r for r in rows if world.truth_arrays()[1][r])
    booking = world.booking(person_row)
    token = finger_token(booking.person.person_id)
    other = world.booking(next(r for r in rows if r != person_row))
    ori, day = booking.ori.value, f"{booking.booked_at:%Y%m%d}"
    cars = {
        "stranger": _car(booking, finger_token("someone-of-no-world")),
        "beyond": _car(replace(booking, tcn=Tcn(f"{ori}-{day}-9999999999")), token),
        "lettered": _car(replace(booking, tcn=Tcn(f"{ori}-{day}-SEQ123")), token),
        "other-row": _car(replace(booking, tcn=other.tcn), token),
    }
    for name, car in cars.items():
        path = tmp_path / f"{name}.an2"
        path.write_bytes(car)
        result = runner.invoke(app, ["submit", str(path)], terminal_width=200)
        assert result.exit_code == 0, (name, result.output)
        assert "SRE" in result.output and "DETAINER" not in result.output, name
        if name != "stranger":  # IDENT matched: the LESC answered, undetermined
            assert "IAR status" in result.output and "removable None" in result.output, name
    status = runner.invoke(app, ["status"], terminal_width=200)
    assert status.exit_code == 0
    dead = [line for line in status.output.splitlines() if line.startswith("│ ")]
    assert all(
        line.split("│")[5].strip() == "0" for line in dead if "lea" in line or "lesc" in line
    )


def test_each_gallery_set_has_its_own_run_and_a_changed_one_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _enrolled(tmp_path, monkeypatch)
    result = runner.invoke(app, ["enroll", "--synthetic", "0.002", "--gallery", "second"])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(app, ["enroll", "--gallery", "second", "--cjis", "x.an2"])
    assert refused.exit_code == 1 and "holds a synthetic world" in refused.output
    out = tmp_path / "bookings"
    assert runner.invoke(app, ["bookings", str(out), "--count", "1"]).exit_code == 0
    car = str(out / "booking-01.an2")
    for gallery in ("default", "second"):
        result = runner.invoke(app, ["submit", car, "--gallery", gallery], terminal_width=200)
        assert result.exit_code == 0 and "DETAINER" in result.output, result.output
    status = runner.invoke(app, ["status"], terminal_width=200)
    assert "live-second" in status.output
    folder = data / "galleries" / "second"
    save_world_spec(folder, WorldSpec(sample_fraction=0.002, seed=7))
    other = runner.invoke(app, ["submit", str(tmp_path / "x.an2"), "--gallery", "second"])
    assert other.exit_code == 1 and "x.an2" in other.output  # no such file: named first
    (tmp_path / "y.an2").write_bytes((out / "booking-01.an2").read_bytes())
    changed = runner.invoke(app, ["submit", str(tmp_path / "y.an2"), "--gallery", "second"])
    assert (
        changed.exit_code == 1
        and "'live-second-" in changed.output
        and "was opened with other world" in changed.output
    )
    bad = runner.invoke(app, ["submit", car, "--gallery", "../etc"])
    assert bad.exit_code == 1 and "gallery set name" in bad.output
    bad = runner.invoke(app, ["submit", car, "--policy", "no-such-policy"])
    assert bad.exit_code == 1 and "no such policy" in bad.output
    gated = runner.invoke(app, ["submit", car, "--policy", "conviction-gated"])
    assert gated.exit_code == 0, gated.output
    status = runner.invoke(app, ["status"], terminal_width=200)
    assert "live-conviction-gated" in status.output
    for name in ("cjis.npz", "ident.npz"):
        (data / "galleries" / "default" / name).unlink()
    gone = runner.invoke(app, ["bookings", str(out)])
    assert gone.exit_code == 1 and "scomm enroll --synthetic 0.002" in gone.output


def test_bookings_needs_a_synthetic_world_and_run_needs_a_worker(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCOMM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SCOMM_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["bookings", str(tmp_path / "out")])
    assert result.exit_code == 1 and "scomm enroll --synthetic" in result.output
    result = runner.invoke(app, ["run", "--workers", "0"])
    assert result.exit_code == 2 and "--workers" in result.output


def test_live_run_ids_of_different_submits_never_coincide() -> None:
    from scomm.cli.live_runs import live_run_id

    cases = [
        ("default", "historical", "oracle"), ("default", "historical", "full"),
        ("full", "historical", "oracle"), ("a-full", "historical", "oracle"),
        ("a", "historical", "full"), ("a", "conviction-gated-1", "oracle"),
        ("a", "conviction-gated-2", "oracle"), ("a", "my.policy", "oracle"),
        ("a", "my_policy", "oracle"),
    ]  # fmt: skip
    ids = [live_run_id(*case) for case in cases]
    assert ids[0] == "live" and len(set(ids)) == len(ids)
    assert all(run_id.startswith("live") and len(run_id) <= 64 for run_id in ids)
