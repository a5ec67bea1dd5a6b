"""The validator's cheap path (records whose every field value was checked clean before) finds
exactly what checking every field from scratch finds: the same violations, in the same order,
whatever a transaction mixes of known and new values, field orders and finger positions."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.domain import Booking, Charge, FingerPosition, Ori, Person, Race, Sex, Tcn
from scomm.ebts import BinaryRecord, TaggedRecord, Transaction, build_car, encode_wsq, validate
from scomm.ebts.fields import Field
from scomm.ebts.rules import RuleTable, rule_table
from scomm.ebts.validate import Violation, _Checker

RIDGES = encode_wsq((np.cos(np.arange(48 * 48).reshape(48, 48) / 4.0) * 80 + 120).astype(np.uint8))
FINGERS = {FingerPosition.RIGHT_THUMB: RIDGES, FingerPosition.LEFT_INDEX: RIDGES}


def _car(i: int) -> Transaction:
    ori = Ori(("IL0160000", "TX1010000", "CA0190000")[i % 3])
    person = Person(
        f"p{i}", ("Doe", "Garcia", "Nguyen")[i % 3], ("John", "Ana", "Li")[i % 3],
        dt.date(1960 + i % 30, 1 + i % 12, 1 + i % 28), (Sex.MALE, Sex.FEMALE)[i % 2],
        (Race.BLACK, Race.WHITE, Race.ASIAN)[i % 3], ("IL", "MX", "VN")[i % 3],
    )  # fmt: skip
    at = dt.datetime(2009 + i % 5, 1 + i % 12, 1 + i % 28, 8, i % 60, tzinfo=dt.UTC)
    booking = Booking(
        Tcn.for_booking(ori, at.date(), i), ori, person, at,
        (Charge.of(("1399", "3599", "2699")[i % 3]),),
    )  # fmt: skip
    return build_car(booking, FINGERS)


CARS = [_car(i) for i in range(12)]
TEXT_VALUES = sorted(
    {
        (r.type, f.number, f.subfields)
        for tx in CARS
        for r in tx.records
        if isinstance(r, TaggedRecord)
        for f in r.fields
        if f.number > 3
    }
)


class _EveryRule(_Checker):
    """The checker without its cheap path: every record's every rule visited."""

    def _known_clean(self, index: int, record: TaggedRecord) -> bool:
        return False


def full_check(tx: Transaction) -> list[Violation]:
    """Violations found visiting every rule, with the same rules and nothing remembered."""
    shipped = rule_table()
    checker = _EveryRule(tx, RuleTable(shipped.transactions, shipped.fields))
    checker.run()
    return checker.found


@st.composite
def mixed(draw: st.DrawFn) -> Transaction:
    """A CAR with some of: other CARs' values, made-up values, fields dropped, repeated or out
    of order, a finger position repeated."""
    records = list(draw(st.sampled_from(CARS)).records)
    for _ in range(draw(st.integers(0, 4))):
        index = draw(st.sampled_from([0, 1]))
        record = records[index]
        assert isinstance(record, TaggedRecord)
        fields = list(record.fields)
        action = draw(st.sampled_from(["borrow", "invent", "drop", "shuffle", "repeat"]))
        if action == "borrow":
            kind, number, subfields = draw(st.sampled_from(TEXT_VALUES))
            if kind == record.type:
                record = record.with_field(Field(kind, number, subfields))
        elif action == "invent":
            number = draw(st.sampled_from([f.number for f in fields[2:]] or [9]))
            text = draw(st.text(alphabet="AZQ09 ,-./@", min_size=0, max_size=40))
            record = record.with_field(Field(record.type, number, ((text,),)))
        elif action == "drop" and len(fields) > 3:
            record = record.without(fields[draw(st.integers(2, len(fields) - 1))].number)
        elif action == "shuffle" and len(fields) > 3:
            a, b = draw(st.integers(2, len(fields) - 1)), draw(st.integers(2, len(fields) - 1))
            fields[a], fields[b] = fields[b], fields[a]
            record = TaggedRecord(record.type, tuple(fields))
        elif action == "repeat" and len(fields) > 3:  # a field twice: the last one counts
            kind, number, subfields = draw(st.sampled_from(TEXT_VALUES))
            if kind == record.type:
                record = TaggedRecord(kind, (*fields, Field(kind, number, subfields)))
        records[index] = record
    if draw(st.booleans()):
        last = records[-1]
        assert isinstance(last, BinaryRecord)
        records[-1] = BinaryRecord(last.type, (*last.header[:2], 1, *last.header[3:]), last.data)
    return Transaction(tuple(records))


def test_every_car_is_clean_and_warms_the_cache() -> None:
    for tx in CARS:
        assert validate(tx) == []
        assert validate(tx) == []


@settings(max_examples=400, deadline=None)
@given(mixed())
def test_the_cheap_path_finds_what_a_full_check_finds(tx: Transaction) -> None:
    for car in CARS[:3]:
        validate(car)  # known-clean values for the cheap path
    expected = full_check(tx)
    assert validate(tx) == expected
    assert validate(tx) == expected  # and again, now that its own values are known
