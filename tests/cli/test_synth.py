"""`scomm fingerprint synth`: writes PNGs at 500 ppi and the ground truth as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from scomm.cli.main import app

runner = CliRunner()


def test_writes_masters_impressions_and_truth(tmp_path: Path) -> None:
    out = tmp_path / "prints"
    result = runner.invoke(
        app,
        [
            "fingerprint",
            "synth",
            "--identities",
            "2",
            "--fingers",
            "2",
            "--impressions",
            "2",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert len(pngs) == 2 * 2 * 3
    assert "000000_02_0.png" in pngs and "000001_07_master.png" in pngs
    with Image.open(out / "000001_07_1.png") as image:
        assert image.size == (400, 400)
        assert image.mode == "L"
        assert round(image.info["dpi"][0]) == 500
    record = json.loads((out / "000001_07.json").read_text())
    assert record["finger_name"] == "left_index"
    assert len(record["master"]["minutiae"]) > 30
    assert [i["image"] for i in record["impressions"]] == ["000001_07_0.png", "000001_07_1.png"]
    assert {m["kind"] for m in record["impressions"][0]["minutiae"]} <= {"ending", "bifurcation"}


def test_same_seed_writes_the_same_prints(tmp_path: Path) -> None:
    for name in ("a", "b"):
        args = ["fingerprint", "synth", "--identities", "1", "--fingers", "1", "--impressions", "1"]
        assert runner.invoke(app, [*args, "--seed", "3", str(tmp_path / name)]).exit_code == 0
    a = (tmp_path / "a" / "000000_02_0.png").read_bytes()
    assert a == (tmp_path / "b" / "000000_02_0.png").read_bytes()


def test_bad_counts_are_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fingerprint", "synth", "--fingers", "11", str(tmp_path)])
    assert result.exit_code != 0


def test_out_must_be_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("not a folder")
    result = runner.invoke(app, ["fingerprint", "synth", "--identities", "1", str(target)])
    assert result.exit_code != 0
    assert "not a folder" in result.output
