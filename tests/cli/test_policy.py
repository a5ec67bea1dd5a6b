"""``scomm policy explain / check / diff``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from scomm.cli.main import app

runner = CliRunner()


def test_explain_prints_every_transfer_with_its_rules() -> None:
    result = runner.invoke(app, ["policy", "explain", "--ori", "CA0190000", "--date", "2010-11-01"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Los Angeles County Sheriff" in out and "activated 2009-08-27" in out
    assert "field office Los Angeles" in out
    for transfer in ("prints_to_cjis", "prints_to_ident", "iar_to_ero", "detainer_to_lea"):
        assert transfer in out
    assert "rule activated-mandatory" in out


def test_explain_with_another_preset_and_facts() -> None:
    args = ["policy", "explain", "--ori", "CA0190000", "--date", "2012-01-01"]
    result = runner.invoke(app, [*args, "--preset", "conviction-gated", "--offense", "5404"])
    assert result.exit_code == 0, result.output
    assert "not-at-arrest" in result.output
    bad = runner.invoke(app, ["policy", "explain", "--ori", "CA01", "--date", "2012-01-01"])
    assert bad.exit_code != 0 and "9 characters" in bad.output
    bad = runner.invoke(app, [*args[:-2], "--date", "2012-31-01"])
    assert bad.exit_code != 0 and "not a date" in bad.output


def test_check_reports_ok_or_errors_with_lines(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: g\nrules:\n  - id: a\n    transfer: prints_to_cjis\n    effect: allow\n")
    result = runner.invoke(app, ["policy", "check", str(good)])
    assert result.exit_code == 0 and "OK" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: g\nrules:\n  - id: a\n    transfer: prints_to_cjis\n    effect: maybe\n")
    result = runner.invoke(app, ["policy", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:5:" in "".join(result.output.split("\n"))


def test_diff_lists_the_oris_that_differ() -> None:
    args = ["policy", "diff", "historical", "ori-deactivation", "--date", "2011-06-01"]
    result = runner.invoke(app, [*args, "--transfer", "prints_to_ident", "--limit", "0"])
    assert result.exit_code == 0, result.output
    assert "3 of" in result.output
    for ori in ("CA0380000", "CA0430000", "VA0070100"):
        assert ori in result.output
    same = runner.invoke(
        app, ["policy", "diff", "historical", "historical", "--date", "2011-06-01"]
    )
    assert same.exit_code == 0 and "0 of" in same.output
