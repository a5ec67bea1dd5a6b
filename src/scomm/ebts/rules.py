"""The field rules a transaction is checked against: EBTS 9.1 plus scomm's own messages.

``data/ebts91_rules.json`` is generated from the OpenEBTS verification file (``rulegen``);
``data/scomm_rules.json`` is written by hand in the same format for the messages EBTS does not
define (IAQ, IAR, DTNR; see ``docs/ebts.md``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


@dataclass(frozen=True, slots=True)
class RecordCount:
    types: tuple[int, ...]
    min: int
    max: int | None


@dataclass(frozen=True, slots=True)
class TransactionRule:
    tot: str
    name: str
    records: tuple[RecordCount, ...]


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One rule of the table: a field (or one information item of it) for some TOTs."""

    record: int
    field: int
    item: int | None
    mnemonic: str
    name: str
    charset: str
    length: tuple[int, int | None] | None
    occurs: tuple[int, int | None] | None
    required: str | None  # "M"/"O" for every TOT, or None when ``tots`` decides
    mandatory_tots: frozenset[str]
    optional_tots: frozenset[str]
    values: frozenset[str] | None
    special: str | None
    regex: str | None
    nregex: str | None
    date: str | None
    not_before: str | None  # mnemonic of a date field this date may not precede
    byte_offset: int | None
    grouped: bool = False

    @property
    def short_mnemonic(self) -> str:
        """``T2_NAM`` -> ``NAM``, ``T2_ASL_AOL`` -> ``ASL_AOL``."""
        return self.mnemonic.split("_", 1)[1] if "_" in self.mnemonic else self.mnemonic

    @property
    def label(self) -> str:
        return f"{self.record}.{self.field:03d}" + (f".{self.item}" if self.item else "")

    def requirement(self, tot: str) -> str | None:
        """ "M" or "O" when the rule applies to this TOT, ``None`` when it does not."""
        if self.required is not None:
            return self.required
        if tot in self.mandatory_tots:
            return "M"
        if tot in self.optional_tots:
            return "O"
        return None

    def charset_pattern(self) -> re.Pattern[str] | None:
        return _charset_pattern(self.charset, self.special)


@cache
def _charset_pattern(charset: str, special: str | None) -> re.Pattern[str] | None:
    if charset.startswith("B"):
        return None
    allowed = ""
    if "A" in charset:
        allowed += "A-Za-z"
    if "N" in charset:
        allowed += "0-9"
    if "S" in charset:
        chars = _PRINTABLE if special in (None, "PRINT") else special
        allowed += re.escape(chars)
    return re.compile(f"[{allowed}]*")


def _pair(value: Any) -> tuple[int, int | None] | None:
    if value is None:
        return None
    return (int(value[0]), None if value[1] is None else int(value[1]))


def _field_rule(raw: dict[str, Any]) -> FieldRule:
    tots = raw.get("tots") or {}
    greater = raw.get("greatereq")
    return FieldRule(
        record=raw["record"],
        field=raw["field"],
        item=raw.get("item"),
        mnemonic=raw["mnemonic"],
        name=raw.get("name", ""),
        charset=raw["charset"],
        length=_pair(raw.get("length")),
        occurs=_pair(raw.get("occurs")),
        required=raw.get("required"),
        mandatory_tots=frozenset(tots.get("M", ())),
        optional_tots=frozenset(tots.get("O", ())),
        values=frozenset(raw["values"]) if "values" in raw else None,
        special=raw.get("special"),
        regex=raw.get("regex"),
        nregex=raw.get("nregex"),
        date=raw.get("date"),
        not_before=greater if isinstance(greater, str) else None,
        byte_offset=raw.get("byte_offset"),
        grouped=bool(raw.get("grouped", False)),
    )


class RuleTable:
    """Transaction rules by TOT and field rules indexed by (record type, field number)."""

    def __init__(
        self, transactions: dict[str, TransactionRule], fields: tuple[FieldRule, ...]
    ) -> None:
        self.transactions = transactions
        self.fields = fields
        self._fields: dict[tuple[int, int], list[FieldRule]] = {}
        self._items: dict[tuple[int, int], list[FieldRule]] = {}
        self._binary: dict[int, list[FieldRule]] = {}
        for rule in fields:
            if rule.byte_offset is not None:
                self._binary.setdefault(rule.record, []).append(rule)
            target = self._items if rule.item is not None else self._fields
            target.setdefault((rule.record, rule.field), []).append(rule)

    def field_rules(self, record: int, field: int) -> list[FieldRule]:
        return self._fields.get((record, field), [])

    def item_rules(self, record: int, field: int) -> list[FieldRule]:
        return self._items.get((record, field), [])

    def binary_rules(self, record: int) -> list[FieldRule]:
        """Rules of a binary record's header items (they carry their byte offset)."""
        return self._binary.get(record, [])

    def field_numbers(self, record: int) -> set[int]:
        return {number for (rtype, number) in self._fields if rtype == record}

    def by_mnemonic(self, mnemonic: str) -> list[FieldRule]:
        return [r for r in self.fields if r.mnemonic == mnemonic]


def _load(name: str) -> dict[str, Any]:
    text = resources.files("scomm.ebts").joinpath(f"data/{name}").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def rule_table() -> RuleTable:
    """EBTS 9.1 rules with scomm's message rules merged in (their TOTs added to 1.004)."""
    ebts, ours = _load("ebts91_rules.json"), _load("scomm_rules.json")
    transactions = {}
    for source in (ebts, ours):
        for tot, spec in source["transactions"].items():
            counts = tuple(
                RecordCount(tuple(r["types"]), r["min"], r["max"]) for r in spec["records"]
            )
            transactions[tot] = TransactionRule(tot, spec["name"], counts)
    rules = []
    for raw in ebts["fields"]:
        if raw["mnemonic"] == "T1_TOT":
            raw = {**raw, "values": [*raw["values"], *ours["transactions"]]}
        rules.append(_field_rule(raw))
    rules.extend(_field_rule(raw) for raw in ours["fields"])
    return RuleTable(transactions, tuple(rules))
