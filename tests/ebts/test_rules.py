"""The shipped rule table is exactly what the generator derives from the OpenEBTS file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from scomm.ebts.rulegen import generate, main, render
from scomm.ebts.rules import rule_table


def test_shipped_table_equals_generated(shared_data: Path) -> None:
    source = (shared_data / "ebts" / "EBTS9.1_verification_OpenEBTS.txt").read_text("utf-8")
    shipped = resources.files("scomm.ebts").joinpath("data/ebts91_rules.json").read_text("utf-8")
    assert render(generate(source)) == shipped


def test_generator_command_writes_the_table(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "ebts" / "EBTS9.1_verification_OpenEBTS.txt"
    target = tmp_path / "rules.json"
    assert main([str(source), str(target)]) == 0
    assert target.read_text("utf-8").startswith("{")


def test_rules_read_as_ebts_says() -> None:
    table = rule_table()
    car = table.transactions["CAR"]
    images = next(c for c in car.records if 4 in c.types)
    assert images.types == (4, 14) and (images.min, images.max) == (1, 14)
    (name,) = [r for r in table.field_rules(2, 18) if r.requirement("CAR")]
    assert (name.mnemonic, name.charset, name.length, name.requirement("CAR")) == (
        "T2_NAM",
        "AS",
        (3, 30),
        "M",
    )
    assert name.special == "-, "
    (ori,) = table.field_rules(1, 8)
    assert (ori.charset, ori.length, ori.required) == ("AN", (9, 9), "M")
    # 2.014 FBI has five rules for different TOTs; SRE's allows one occurrence.
    sre_fbi = [r for r in table.field_rules(2, 14) if r.requirement("SRE")]
    assert [r.occurs for r in sre_fbi] == [(1, 1)]
    (aol,) = [r for r in table.item_rules(2, 47) if r.item == 2]
    assert aol.requirement("CAR") == "M" and aol.length == (1, 300)
    srf = [r for r in table.field_rules(2, 59) if r.requirement("SRE")]
    assert srf[0].values == frozenset({"I", "N"})


def test_scomm_messages_are_in_the_table() -> None:
    table = rule_table()
    assert {"IAQ", "IAR", "DTNR"} <= set(table.transactions)
    (tot,) = table.field_rules(1, 4)
    assert tot.values is not None and {"CAR", "IAQ", "DTNR"} <= tot.values


def test_every_scomm_field_is_documented() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "ebts.md"
    text = docs.read_text("utf-8")
    ours = [r for r in rule_table().fields if 900 <= r.field <= 999 and r.record == 2]
    assert ours
    for rule in ours:
        assert f"2.{rule.field}" in text and rule.short_mnemonic in text, rule.mnemonic
