"""scomm's immigration messages in EBTS style: IAQ, IAR and the detainer (DTNR, Form I-247).

EBTS defines none of them (the real IAQ/IAR travel over Nlets), so scomm defines each as a
Type-1 + Type-2 transaction, with 1.013 DOM ``SCOMM`` and Type-2 fields 2.901-2.924 of its own
beside EBTS fields where one fits (NAM, DOB, SEX, CRI...). ``docs/ebts.md`` lists every field;
``data/scomm_rules.json`` holds their rules for ``validate``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from scomm.domain import CriminalLevel
from scomm.ebts.car import CarFacts, CourtDisposition
from scomm.ebts.envelope import (
    Envelope,
    Subject,
    format_date,
    parse_date,
    text_message,
    text_transaction,
    type2_of,
)
from scomm.ebts.errors import EbtsError
from scomm.ebts.records import TaggedRecord
from scomm.ebts.transaction import Transaction

IAQ, IAR, DETAINER = "IAQ", "IAR", "DTNR"

# scomm's Type-2 fields (docs/ebts.md)
PUR, CUS, OFF, FIN = 901, 902, 903, 904
IST, REM, LVL, AOR, SDT = 910, 911, 912, 913, 914
FRM, DDT, ACT, HRS, BAS = 920, 921, 922, 923, 924

_LEVEL_CODES = {
    CriminalLevel.LEVEL_1: "1",
    CriminalLevel.LEVEL_2: "2",
    CriminalLevel.LEVEL_3: "3",
    CriminalLevel.NON_CRIMINAL: "N",
}
_LEVELS = {code: level for level, code in _LEVEL_CODES.items()}

Values = dict[int, str | Sequence[Sequence[str]]]
_E = TypeVar("_E", bound=StrEnum)


class QueryPurpose(StrEnum):
    CRIMINAL_BOOKING = "C"
    INVESTIGATION = "I"
    PROBATION_PAROLE = "P"
    ADMINISTRATIVE = "A"


class ImmigrationStatus(StrEnum):
    """2.910 IST: the LESC's status determination."""

    US_CITIZEN = "USC"
    PERMANENT_RESIDENT = "LPR"
    NONIMMIGRANT_VISA = "NIV"
    VISA_OVERSTAY = "OVS"
    ENTERED_WITHOUT_INSPECTION = "EWI"
    FINAL_ORDER = "FOR"
    PREVIOUSLY_REMOVED = "RPR"
    PENDING = "PND"
    UNDETERMINED = "UND"


class DetainerAction(StrEnum):
    """2.922 ACT: what the detainer asks of the agency."""

    DETAIN = "D"  # hold up to HRS hours beyond release (I-247, I-247D, I-247A)
    NOTIFY = "N"  # notify ICE before release (I-247N)
    TRANSFER = "T"  # transfer custody (I-247X)


@dataclass(frozen=True, slots=True)
class ImmigrationQuery:
    """IAQ: sent on an IDENT match to the LESC, about the booking in the CAR (TCR)."""

    envelope: Envelope
    subject: Subject
    booking_ori: str
    arrested_on: dt.date
    offenses: tuple[str, ...]  # NCIC codes
    purpose: QueryPurpose = QueryPurpose.CRIMINAL_BOOKING
    in_custody: bool = True
    ident_fin: str = ""
    fbi_number: str = ""
    conviction: CourtDisposition | None = None
    """2.051 CSL: the query follows the court's conviction, not the arrest."""

    @classmethod
    def for_car(
        cls, car: CarFacts, *, tcn: str, ori: str, dai: str, sent_at: dt.datetime, **extra: str
    ) -> ImmigrationQuery:
        return cls(
            Envelope(tcn, ori, dai, sent_at, car.tcn),
            car.subject,
            car.booking_ori,
            car.arrested_on,
            tuple(c.offense.code for c in car.charges),
            ident_fin=extra.get("ident_fin", ""),
            fbi_number=extra.get("fbi_number", ""),
            conviction=car.disposition,
        )


@dataclass(frozen=True, slots=True)
class ImmigrationResponse:
    """IAR: the LESC's answer, to the ERO field office (and the agency unless it opted out)."""

    envelope: Envelope
    subject: Subject
    booking_ori: str
    status: ImmigrationStatus
    removable: bool | None
    level: CriminalLevel | None = None
    field_office: str = ""
    determination: str = ""
    ident_fin: str = ""
    fbi_number: str = ""
    offenses: tuple[str, ...] = ()
    conviction: CourtDisposition | None = None


@dataclass(frozen=True, slots=True)
class Detainer:
    """DTNR: an immigration detainer (Form I-247 family) from ERO to the booking agency."""

    envelope: Envelope
    subject: Subject
    booking_ori: str
    field_office: str
    issued_on: dt.date
    form: str = "I-247"
    action: DetainerAction = DetainerAction.DETAIN
    hold_hours: int | None = 48
    basis: str = ""
    level: CriminalLevel | None = None
    ident_fin: str = ""
    fbi_number: str = ""
    conviction: CourtDisposition | None = None


def _common(
    subject: Subject,
    booking_ori: str,
    fin: str,
    fbi: str,
    conviction: CourtDisposition | None,
) -> Values:
    values: Values = {**subject.type2_values(), 73: booking_ori}
    if conviction is not None:
        values[51] = [conviction.court_segment()]
    if fin:
        values[FIN] = fin
    if fbi:
        values[14] = fbi
    return values


def _offenses(codes: Sequence[str]) -> list[tuple[str]]:
    return [(code,) for code in codes[:40]]


def build_iaq(query: ImmigrationQuery) -> Transaction:
    return text_transaction(IAQ, query.envelope, _iaq_values(query), scomm=True)


def encode_iaq(query: ImmigrationQuery) -> bytes:
    """``build_iaq(query).to_bytes()``, written straight from the values."""
    return text_message(IAQ, query.envelope, _iaq_values(query), scomm=True)


def _iaq_values(query: ImmigrationQuery) -> dict[int, str | Sequence[Sequence[str]]]:
    values = _common(
        query.subject, query.booking_ori, query.ident_fin, query.fbi_number, query.conviction
    )
    values[45] = format_date(query.arrested_on)
    values[PUR] = query.purpose.value
    values[CUS] = "Y" if query.in_custody else "N"
    if not query.offenses:
        raise EbtsError("an IAQ needs at least one NCIC offense code", field="2.903")
    values[OFF] = _offenses(query.offenses)
    return values


def read_iaq(tx: Transaction) -> ImmigrationQuery:
    record = type2_of(tx, IAQ)
    arrested = parse_date(record.text(45), "2.045")
    assert arrested is not None
    return ImmigrationQuery(
        Envelope.read(tx),
        Subject.read(record),
        record.text(73),
        arrested,
        _codes(record),
        _enum(QueryPurpose, record, PUR),
        record.text(CUS) != "N",
        record.text(FIN),
        record.text(14),
        CourtDisposition.read(record),
    )


def build_iar(response: ImmigrationResponse) -> Transaction:
    return text_transaction(IAR, response.envelope, _iar_values(response), scomm=True)


def encode_iar(response: ImmigrationResponse) -> bytes:
    """``build_iar(response).to_bytes()``, written straight from the values."""
    return text_message(IAR, response.envelope, _iar_values(response), scomm=True)


def _iar_values(response: ImmigrationResponse) -> dict[int, str | Sequence[Sequence[str]]]:
    values = _common(
        response.subject, response.booking_ori, response.ident_fin, response.fbi_number,
        response.conviction,
    )  # fmt: skip
    values[IST] = response.status.value
    values[REM] = {True: "Y", False: "N", None: "U"}[response.removable]
    if response.level is not None:
        values[LVL] = _LEVEL_CODES[response.level]
    if response.field_office:
        values[AOR] = response.field_office
    if response.determination:
        values[SDT] = response.determination
    if response.offenses:
        values[OFF] = _offenses(response.offenses)
    return values


def read_iar(tx: Transaction) -> ImmigrationResponse:
    record = type2_of(tx, IAR)
    removable = {"Y": True, "N": False}.get(record.text(REM))
    return ImmigrationResponse(
        Envelope.read(tx),
        Subject.read(record),
        record.text(73),
        _enum(ImmigrationStatus, record, IST),
        removable,
        _level(record),
        record.text(AOR),
        record.text(SDT),
        record.text(FIN),
        record.text(14),
        _codes(record),
        CourtDisposition.read(record),
    )


def build_detainer(detainer: Detainer) -> Transaction:
    return text_transaction(DETAINER, detainer.envelope, _detainer_values(detainer), scomm=True)


def encode_detainer(detainer: Detainer) -> bytes:
    """``build_detainer(detainer).to_bytes()``, written straight from the values."""
    return text_message(DETAINER, detainer.envelope, _detainer_values(detainer), scomm=True)


def _detainer_values(detainer: Detainer) -> dict[int, str | Sequence[Sequence[str]]]:
    values = _common(
        detainer.subject, detainer.booking_ori, detainer.ident_fin, detainer.fbi_number,
        detainer.conviction,
    )  # fmt: skip
    values[AOR] = detainer.field_office
    values[FRM] = detainer.form
    values[DDT] = format_date(detainer.issued_on)
    values[ACT] = detainer.action.value
    if detainer.hold_hours is not None:
        values[HRS] = str(detainer.hold_hours)
    if detainer.basis:
        values[BAS] = detainer.basis
    if detainer.level is not None:
        values[LVL] = _LEVEL_CODES[detainer.level]
    return values


def read_detainer(tx: Transaction) -> Detainer:
    record = type2_of(tx, DETAINER)
    issued = parse_date(record.text(DDT), "2.921")
    assert issued is not None
    hours = record.text(HRS)
    return Detainer(
        Envelope.read(tx),
        Subject.read(record),
        record.text(73),
        record.text(AOR),
        issued,
        record.text(FRM),
        _enum(DetainerAction, record, ACT),
        int(hours) if hours.isascii() and hours.isdigit() else None,
        record.text(BAS),
        _level(record),
        record.text(FIN),
        record.text(14),
        CourtDisposition.read(record),
    )


def _enum(kind: type[_E], record: TaggedRecord, number: int) -> _E:
    value = record.text(number)
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise EbtsError(
            f"{value!r} is not one of {allowed}", record=2, field=f"2.{number:03d}"
        ) from None


def _codes(record: TaggedRecord) -> tuple[str, ...]:
    field = record.get(OFF)
    return field.values if field is not None else ()


def _level(record: TaggedRecord) -> CriminalLevel | None:
    code = record.text(LVL)
    if not code:
        return None
    if code not in _LEVELS:
        raise EbtsError(f"criminal level {code!r} is not 1, 2, 3 or N", record=2, field="2.912")
    return _LEVELS[code]
