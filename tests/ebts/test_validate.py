"""Validation follows the rule table field by field: each broken rule is reported, exactly."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from scomm.domain import Booking, Charge, FingerPosition, Ori, Person, Race, Sex, Tcn
from scomm.ebts import TaggedRecord, Transaction, build_car, encode_wsq, validate
from scomm.ebts.rules import rule_table

RIDGES = encode_wsq((np.sin(np.arange(64 * 64).reshape(64, 64) / 3.0) * 90 + 128).astype(np.uint8))


def clean_car() -> Transaction:
    ori = Ori("IL0160000")
    person = Person("p", "Doe", "John", dt.date(1975, 4, 5), Sex.MALE, Race.BLACK, "IL")
    at = dt.datetime(2010, 11, 9, 8, 0, tzinfo=dt.UTC)
    booking = Booking(Tcn.for_booking(ori, at.date(), 3), ori, person, at, (Charge.of("1399"),))
    return build_car(booking, {FingerPosition.RIGHT_THUMB: RIDGES})


def with_type2(tx: Transaction, record: TaggedRecord) -> Transaction:
    return tx.replace_record(1, record)


def type2(tx: Transaction) -> TaggedRecord:
    record = tx.tagged(2)
    assert record is not None
    return record


MANDATORY_CAR_FIELDS = sorted(
    rule.field
    for rule in rule_table().fields
    if rule.record == 2
    and rule.item is None
    and rule.requirement("CAR") == "M"
    and rule.field > 2  # LEN and IDC: the codec writes them
)


def test_the_mandatory_list_is_ebts() -> None:
    assert MANDATORY_CAR_FIELDS == [5, 18, 20, 22, 24, 25, 27, 29, 31, 32, 45, 47, 73]


@pytest.mark.parametrize("number", MANDATORY_CAR_FIELDS)
def test_each_missing_mandatory_field_is_named(number: int) -> None:
    tx = clean_car()
    broken = with_type2(tx, type2(tx).without(number))
    (rule,) = [r for r in rule_table().field_rules(2, number) if r.requirement("CAR")]
    assert [str(v) for v in validate(broken)] == [
        f"2.{number:03d} {rule.short_mnemonic}: mandatory for CAR but missing"
    ]


@pytest.mark.parametrize(
    ("number", "bad"),
    [(5, "Q"), (24, "K"), (25, "H"), (31, "PUR"), (32, "ZZZ")],
)
def test_values_outside_the_code_list(number: int, bad: str) -> None:
    tx = clean_car()
    (violation,) = validate(with_type2(tx, type2(tx).with_value(number, bad)))
    assert violation.field == f"2.{number:03d}" and f"{bad!r} is not one of" in violation.reason


def test_length_charset_occurrences_and_dates() -> None:
    tx = clean_car()
    record = type2(tx)
    record = record.with_value(18, "DOE,J0HN")  # a digit in an AS field
    record = record.with_value(29, "12")  # WGT is 3 digits
    record = record.with_value(22, "19751345")  # no 13th month
    record = record.with_value(73, [("IL0160000",)] * 4)  # CRI: at most 3
    record = record.with_value(47, [("20101109", "")])  # AOL is mandatory in ASL
    reasons = sorted(str(v) for v in validate(with_type2(tx, record)))
    assert reasons == [
        "2.018 NAM: characters '0' not allowed in AS field",
        "2.022 DOB: '19751345' is not a valid date (ZCCYYMMDD)",
        "2.029 WGT: 2 characters, 3 allowed",
        "2.047 ASL_AOL: item 2 is mandatory but empty",
        "2.073 CRI: occurs 4 times, at most 3 allowed",
    ]


def test_fields_foreign_to_the_tot() -> None:
    tx = clean_car()
    record = type2(tx).with_value(59, "I").with_value(777, "X")  # SRF is for SRE only
    reasons = sorted(str(v) for v in validate(with_type2(tx, record)))
    assert reasons == ["2.059: field not defined for CAR", "2.777: field not a field of EBTS 9.1"]


def test_record_counts_and_unknown_tot() -> None:
    tx = clean_car()
    no_prints = tx.without_record(2)
    assert [str(v) for v in validate(no_prints)] == [
        "1.003 CNT: CAR needs at least 1 Type-4 or Type-14 record(s), has 0"
    ]
    odd = tx.with_header_value(4, "XYZ")
    reasons = [str(v) for v in validate(odd)]
    assert reasons[0] == "1.004 TOT: unknown transaction type 'XYZ'"
    assert any("not one of" in r for r in reasons)


def test_dates_in_the_future_of_the_transaction() -> None:
    tx = clean_car()
    late = with_type2(tx, type2(tx).with_value(45, "20101120"))
    assert [str(v) for v in validate(late)] == [
        "2.045 DOA: 2010-11-20 is after the transaction date 2010-11-09"
    ]
