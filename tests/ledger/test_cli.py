"""``scomm ledger``: the commands a county, a journalist or an auditor would run."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from scomm.cli.main import app
from scomm.ledger import DisclosureEvent, Ledger
from scomm.store import make_engine
from scomm.store.ledger_tables import ENTRY_TABLE, NODE_TABLE

EventFactory = Callable[..., DisclosureEvent]
runner = CliRunner()


@pytest.fixture
def setup(db_url: str, tmp_path: Path, make_event: EventFactory) -> tuple[list[str], Ledger]:
    url = db_url
    keys = tmp_path / "keys"
    ledger = Ledger(make_engine(url), keys)
    ledger.append([make_event(i) for i in range(30)])
    return ["--database", url, "--keys", str(keys)], ledger


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ledger", *args])
    return result.exit_code, result.output


def test_verify_passes_then_names_a_tampered_entry(setup: tuple[list[str], Ledger]) -> None:
    opts, _ = setup
    code, out = invoke("verify", *opts)
    assert code == 0 and "OK" in out
    with make_engine(opts[1]).begin() as conn:
        conn.execute(update(ENTRY_TABLE).where(ENTRY_TABLE.c.idx == 11).values(payload=b"{}"))
    code, out = invoke("verify", *opts)
    assert code == 1
    assert "first entry that does not fit: 11" in out


def test_prove_then_check_offline(
    setup: tuple[list[str], Ledger], tmp_path: Path, make_event: EventFactory
) -> None:
    opts, _ = setup
    tcn = make_event(4).tcn.value
    proof, pub = tmp_path / "proof.json", tmp_path / "log.pub"
    assert invoke("prove", tcn, *opts, "--out", str(proof))[0] == 0
    assert invoke("public-key", *opts, "--out", str(pub))[0] == 0
    document = json.loads(proof.read_text())
    assert {e["event"]["tcn"] for e in document["entries"]} == {tcn}
    code, out = invoke("check-proof", str(proof), "--key", str(pub))
    assert code == 0 and tcn in out
    document["entries"][0]["index"] += 1
    proof.write_text(json.dumps(document))
    code, out = invoke("check-proof", str(proof), "--key", str(pub))
    assert code == 1 and "does NOT verify" in out


def test_prove_unknown_booking(setup: tuple[list[str], Ledger]) -> None:
    opts, _ = setup
    code, out = invoke("prove", "CA0190000-20990101-0000000001", *opts)
    assert code == 1 and "no entry" in out


def test_consistency_from_a_saved_checkpoint(
    setup: tuple[list[str], Ledger], tmp_path: Path, make_event: EventFactory
) -> None:
    opts, ledger = setup
    saved = tmp_path / "old.checkpoint"
    code, out = invoke("checkpoint", *opts)
    saved.write_text(out)
    ledger.append([make_event(i) for i in range(30, 45)])
    proof, pub = tmp_path / "consistency.json", tmp_path / "log.pub"
    assert invoke("consistency", str(saved), *opts, "--out", str(proof))[0] == 0
    invoke("public-key", *opts, "--out", str(pub))
    code, out = invoke("check-proof", str(proof), "--key", str(pub))
    assert code == 0 and "log of 45 entries extends the log of 30" in out
    subtree_0_to_15 = (15 << 6) | 4
    with make_engine(opts[1]).begin() as conn:
        conn.execute(
            update(NODE_TABLE).where(NODE_TABLE.c.key == subtree_0_to_15).values(hash=b"\1" * 32)
        )
    code, out = invoke("consistency", str(saved), *opts)
    assert code == 1 and "history was rewritten" in out


def test_report_by_agency(setup: tuple[list[str], Ledger], tmp_path: Path) -> None:
    opts, ledger = setup
    out_csv, proofs = tmp_path / "la.csv", tmp_path / "la.json"
    code, out = invoke(
        "report", "--ori", "CA0190000", "--from", "2010-03-01", "--to", "2010-03-01",
        "--csv", str(out_csv), "--proofs", str(proofs), *opts,
    )  # fmt: skip
    assert code == 0, out
    expected = [r for r in ledger.entries_for_ori("CA0190000") if r.event.event_time.day == 1]
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert [int(r["index"]) for r in rows] == [r.index for r in expected]
    assert all(r["inclusion_proof"] for r in rows)
    assert "recipient" in out and "IDENT" in out
    pub = tmp_path / "log.pub"
    invoke("public-key", *opts, "--out", str(pub))
    assert invoke("check-proof", str(proofs), "--key", str(pub))[0] == 0


def test_bad_input_is_named(setup: tuple[list[str], Ledger], tmp_path: Path) -> None:
    opts, _ = setup
    assert "not a date" in invoke("report", "--ori", "CA0190000", "--from", "March", *opts)[1]
    assert "ORI" in invoke("report", "--ori", "XX", *opts)[1]
    missing = tmp_path / "nope.checkpoint"
    code, out = invoke("consistency", str(missing), *opts)
    assert code == 2 and "nope.checkpoint" in out
    bad_key = tmp_path / "bad.pub"
    bad_key.write_text("garbage\n")
    code, out = invoke("check-proof", str(missing), "--key", str(bad_key))
    assert code == 2 and "bad.pub" in out


def test_unsafe_private_key_is_refused_with_a_message(setup: tuple[list[str], Ledger]) -> None:
    opts, ledger = setup
    private = ledger.key_dir / "ledger-signing.key"
    assert ledger.verifier.encode()  # made on first use
    private.chmod(0o644)
    code, out = invoke("checkpoint", *opts)
    assert code == 2 and "chmod 600" in out
