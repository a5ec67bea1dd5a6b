from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from scomm.cli.main import app

runner = CliRunner()


def test_extract_reports_and_writes_overlay_template_and_iso(fvc_dir: Path, tmp_path: Path) -> None:
    overlay, template, iso = tmp_path / "o.png", tmp_path / "t.sct", tmp_path / "t.fmr"
    result = runner.invoke(
        app,
        [
            "fingerprint",
            "extract",
            str(fvc_dir / "103_1.tif"),
            "--overlay",
            str(overlay),
            "--template",
            str(template),
            "--iso",
            str(iso),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "minutiae" in result.output and "quality" in result.output
    assert overlay.read_bytes()[:4] == b"\x89PNG"
    assert template.read_bytes()[:4] == b"SCFT"
    assert iso.read_bytes()[:4] == b"FMR\x00"

    same = runner.invoke(app, ["fingerprint", "compare", str(template), str(iso)])
    assert same.exit_code == 0, same.output
    assert "MATCH" in same.output


def test_compare_images_of_different_fingers(fvc_dir: Path) -> None:
    result = runner.invoke(
        app, ["fingerprint", "compare", str(fvc_dir / "101_1.tif"), str(fvc_dir / "106_1.tif")]
    )
    assert result.exit_code == 0, result.output
    assert "no match" in result.output
    assert "FMR 0.001" in result.output


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "junk.tif"
    bad.write_bytes(b"junk")
    result = runner.invoke(app, ["fingerprint", "extract", str(bad)])
    assert result.exit_code == 2
    assert "junk.tif" in result.output
    result = runner.invoke(app, ["fingerprint", "compare", str(bad), str(bad)])
    assert result.exit_code == 2
