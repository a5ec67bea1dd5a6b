"""``scomm init / enroll / submit / status`` as a user runs them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from scomm.cli.main import app
from scomm.sim.replay import WorldSpec, build_world, intakes, time_order

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
