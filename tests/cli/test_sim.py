from pathlib import Path

from typer.testing import CliRunner

from scomm.cli.main import app

runner = CliRunner()


def test_sim_lists_and_shows_scenarios_with_sources() -> None:
    result = runner.invoke(app, ["sim", "scenarios"])
    assert result.exit_code == 0 and "national-2008-2011" in result.output
    shown = runner.invoke(app, ["sim", "show", "national-2008-2011"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    assert "population.male_share" in shown.output and "Table 33" in shown.output


def test_sim_check_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndescription: d\nseed: -1\nstart: 2009-01-01\nend: 2009-02-01\n")
    result = runner.invoke(app, ["sim", "check", str(bad)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "bad.yaml:3: seed" in result.output
    missing = runner.invoke(app, ["sim", "show", "no-such-scenario"])
    assert missing.exit_code == 1 and "no scenario" in missing.output
