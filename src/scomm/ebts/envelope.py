"""What every scomm message shares: the Type-1 envelope and the subject's identity in Type-2.

Field conventions (EBTS 9.1 and NCIC): names as ``LAST,FIRST`` in capitals without
apostrophes or periods, dates as ``CCYYMMDD``, ``00000000`` for an unknown birth date, the
event time in 1.014 GMT so that the receiver acts as of the event, never its own clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from scomm.domain import Person, Race, Sex
from scomm.ebts.dates import read_day, read_gmt
from scomm.ebts.errors import EbtsError
from scomm.ebts.fields import TEXT_ENCODING, TEXT_ERRORS, Field, field_tag
from scomm.ebts.records import IDC_FIELD, LEN_FIELD, Record, TaggedRecord
from scomm.ebts.transaction import CNT_FIELD, Transaction, tagged_length

VERSION = "0400"  # ANSI/NIST-ITL 1-2007, the version EBTS 9.1 requires
FBI_CJIS_ORI = "WVIAFIS0Z"  # the FBI's IAFIS/NGI in Clarksburg, WV: DAI of every CAR
LESC_ORI = "VTICE0900"  # ICE Law Enforcement Support Center, Williston VT
NO_IMAGES_RESOLUTION = "00.00"
FINGERPRINT_RESOLUTION = "19.69"  # pixels per mm: 500 ppi
SCOMM_DOMAIN = ("SCOMM", "1")  # 1.013 DOM of the messages scomm defines itself

_NAME_DROP = re.compile(r"[^A-Z ,\-]")
_NAME_MAX = 30


def check_event_time(when: dt.datetime) -> dt.datetime:
    if not isinstance(when, dt.datetime) or when.utcoffset() is None:
        raise EbtsError(f"event time {when!r} must be a timezone-aware datetime")
    return when


def format_gmt(when: dt.datetime) -> str:
    """``when`` in UTC as ``strftime("%Y%m%d%H%M%SZ")`` writes it (digits put together
    directly for four-digit years: every message carries one, and strftime costs more)."""
    utc = check_event_time(when).astimezone(dt.UTC)
    if utc.year < 1000:
        return utc.strftime("%Y%m%d%H%M%SZ")
    return f"{utc.year}{utc.month:02d}{utc.day:02d}{utc.hour:02d}{utc.minute:02d}{utc.second:02d}Z"


def parse_gmt(value: str, field: str = "1.014") -> dt.datetime:
    try:
        return read_gmt(value).replace(tzinfo=dt.UTC)
    except ValueError:
        raise EbtsError(f"{value!r} is not a GMT time YYYYMMDDhhmmssZ", field=field) from None


def format_date(day: dt.date | None) -> str:
    """``day.strftime("%Y%m%d")`` (``00000000`` for None), its digits put together directly
    for four-digit years."""
    if day is None:
        return "00000000"
    if day.year < 1000:
        return day.strftime("%Y%m%d")
    return f"{day.year}{day.month:02d}{day.day:02d}"


def parse_date(value: str, field: str, *, unknown_ok: bool = False) -> dt.date | None:
    if unknown_ok and value == "00000000":
        return None
    try:
        return read_day(value)
    except ValueError:
        raise EbtsError(f"{value!r} is not a date CCYYMMDD", field=field) from None


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who sends a message to whom, when, and which transaction it answers (TCR)."""

    tcn: str
    ori: str
    dai: str
    sent_at: dt.datetime
    tcr: str = ""

    def header(
        self, tot: str, *, resolution: str = NO_IMAGES_RESOLUTION, scomm: bool = False
    ) -> dict[int, str | Sequence[Sequence[str]]]:
        """Type-1 values for this envelope."""
        when = check_event_time(self.sent_at)
        values: dict[int, str | Sequence[Sequence[str]]] = {
            2: VERSION,
            4: tot,
            5: format_date(when.date()),
            7: self.dai,
            8: self.ori,
            9: self.tcn,
            11: resolution,
            12: resolution,
            14: format_gmt(when),
        }
        if self.tcr:
            values[10] = self.tcr
        if scomm:
            values[13] = [SCOMM_DOMAIN]
        return values

    @classmethod
    def read(cls, tx: Transaction) -> Envelope:
        header = tx.header
        gmt = header.text(14)
        if gmt:
            sent_at = parse_gmt(gmt)
        else:
            day = parse_date(header.text(5), "1.005")
            assert day is not None
            sent_at = dt.datetime.combine(day, dt.time(), dt.UTC)
        return cls(tx.tcn, tx.ori, tx.dai, sent_at, tx.tcr)


@dataclass(frozen=True, slots=True)
class Subject:
    """The person a message is about, as EBTS carries it (no scomm-internal key)."""

    last_name: str
    first_name: str
    date_of_birth: dt.date | None
    sex: Sex
    race: Race
    place_of_birth: str = "XX"

    @classmethod
    def of(cls, person: Person) -> Subject:
        return cls(
            person.last_name,
            person.first_name,
            person.date_of_birth,
            person.sex,
            person.race,
            person.place_of_birth,
        )

    @property
    def nam(self) -> str:
        """2.018 NAM: ``LAST,FIRST``, NCIC style, cut to 30 characters."""
        last = _NAME_DROP.sub("", self.last_name.upper()).replace(",", " ").strip()
        last = last[: _NAME_MAX - 2].rstrip(" -")  # room for the comma and a given name
        first = _NAME_DROP.sub("", self.first_name.upper()).replace(",", " ").strip()
        return f"{last},{first}"[:_NAME_MAX].rstrip(" ,-")

    def person(self, person_id: str) -> Person:
        if self.date_of_birth is None:
            raise EbtsError("the date of birth is unknown (00000000)", field="2.022")
        try:
            return Person(
                person_id,
                self.last_name,
                self.first_name,
                self.date_of_birth,
                self.sex,
                self.race,
                self.place_of_birth,
            )
        except ValueError as exc:
            raise EbtsError(str(exc), record=2) from None

    def type2_values(
        self, *, with_race: bool = True, with_birthplace: bool = True
    ) -> dict[int, str]:
        values = {18: self.nam, 22: format_date(self.date_of_birth), 24: self.sex.value}
        if with_race:
            values[25] = self.race.value
        if with_birthplace:
            values[20] = self.place_of_birth
        return values

    @classmethod
    def read(cls, record: TaggedRecord) -> Subject:
        nam = record.text(18)
        last, _, first = nam.partition(",")
        try:
            sex = Sex.parse(record.text(24, "X"))
            race = Race.parse(record.text(25, "U"))
        except ValueError as exc:
            raise EbtsError(str(exc), record=2) from None
        return cls(
            last.strip(),
            first.strip(),
            parse_date(record.text(22, "00000000"), "2.022", unknown_ok=True),
            sex,
            race,
            record.text(20, "XX"),
        )


def type2_of(tx: Transaction, expected_tot: str | tuple[str, ...]) -> TaggedRecord:
    """The Type-2 record of a transaction of the expected TOT, or ``EbtsError``."""
    tots = (expected_tot,) if isinstance(expected_tot, str) else expected_tot
    if tx.tot not in tots:
        raise EbtsError(
            f"expected a {' or '.join(tots)} transaction, got {tx.tot!r}", field="1.004"
        )
    record = tx.tagged(2)
    if record is None:
        raise EbtsError(f"{tx.tot} transaction has no Type-2 record")
    return record


@dataclass(frozen=True, slots=True)
class EncodedRecord:
    """A record after the Type-2, already in its encoded bytes, with what CNT lists for it."""

    type: int
    idc: int
    data: bytes


@dataclass(frozen=True, slots=True)
class EncodedImages:
    """Image records after the Type-2, encoded and joined once for every message that carries
    them (a booking's oracle CAR, its disposition, the person's next booking): CNT's entries
    for them (``RS type US idc`` each) and their bytes."""

    count: int
    cnt: str
    data: bytes

    @classmethod
    def of(cls, records: Sequence[EncodedRecord]) -> EncodedImages:
        entries = "".join([f"\x1e{r.type}\x1f{r.idc:02d}" for r in records])
        return cls(len(records), entries, b"".join([r.data for r in records]))

    def __len__(self) -> int:
        return self.count


def text_message(
    tot: str,
    envelope: Envelope,
    type2: dict[int, str | Sequence[Sequence[str]]],
    *,
    scomm: bool = False,
    images: Sequence[EncodedRecord] | EncodedImages = (),
    resolution: str = NO_IMAGES_RESOLUTION,
) -> bytes:
    """``text_transaction(tot, envelope, type2, scomm=scomm, ...).to_bytes()``, written
    straight from the values: the same bytes (``tests/ebts/test_text_message.py``) without
    building the records, fields and CNT first — an agency answers every CAR with one of these,
    and a replay's booking desk writes its oracle CARs so (``images``: the image records'
    bytes, in order, or already joined)."""
    cnt = _ONE_TYPE2_CNT
    block = None
    if images:
        block = images if isinstance(images, EncodedImages) else EncodedImages.of(images)
        cnt = _Encoded(f"1\x1f{1 + block.count}\x1e2\x1f00{block.cnt}")
    header: dict[int, str | Sequence[Sequence[str]]] = {
        **envelope.header(tot, resolution=resolution, scomm=scomm),
        CNT_FIELD: cnt,
    }
    tagged = _tagged_bytes(1, header) + _tagged_bytes(2, type2, idc="00")
    return tagged + block.data if block is not None else tagged


class _Encoded(str):
    """A value already in its encoded form (separators included)."""


_ONE_TYPE2_CNT = _Encoded("1\x1f1\x1e2\x1f00")
"""1.003 CNT of a Type-1 record followed by one Type-2 record of IDC 0."""
_SEPARATOR_CHARACTERS = re.compile("[\x1c-\x1f]")


def _tagged_bytes(
    record_type: int, values: dict[int, str | Sequence[Sequence[str]]], idc: str | None = None
) -> bytes:
    """A tagged record's encoding (LEN, the IDC if given, then the fields in number order, 999
    last), as ``TaggedRecord.new`` and ``encode_record`` make it; values are checked as
    ``Field.of`` checks them.

    Every agency's answer and every oracle CAR is written here, so the common case is cheap:
    the tags come from a table, and the plain text values are checked for separators in one
    search over all of them (items included); anything else — a separator in a value, an
    item that is not text, no subfield — takes the careful path,
    :func:`_checked_tagged_bytes`, which writes the same bytes or says what is wrong."""
    tags = _tags(record_type)
    skip = (LEN_FIELD, IDC_FIELD) if idc is not None else (LEN_FIELD,)
    parts = [] if idc is None else [f"{record_type}.002:{idc}"]
    plain: list[str] = []
    numbers = sorted(values)
    if 999 in values and numbers[-1] != 999:
        numbers.remove(999)
        numbers.append(999)
    for number in numbers:
        if number in skip:
            continue
        value = values[number]
        if isinstance(value, str):
            if not isinstance(value, _Encoded):
                plain.append(value)
        elif type(value) in _ITEM_LISTS and value:
            joined = []
            for subfield in value:
                if type(subfield) not in _ITEM_LISTS:
                    return _checked_tagged_bytes(record_type, values, idc)
                plain.extend(subfield)
                try:
                    joined.append("\x1f".join(subfield))
                except TypeError:  # an item that is not text: Field.of says which
                    return _checked_tagged_bytes(record_type, values, idc)
            value = "\x1e".join(joined)
        else:
            return _checked_tagged_bytes(record_type, values, idc)
        tag = tags.get(number)
        if tag is None:
            tag = tags[number] = f"{field_tag(record_type, number)}:"
        parts.append(tag + value)
    if plain and _SEPARATOR_CHARACTERS.search("".join(plain)):
        return _checked_tagged_bytes(record_type, values, idc)
    return _framed(record_type, parts)


def _checked_tagged_bytes(
    record_type: int, values: dict[int, str | Sequence[Sequence[str]]], idc: str | None = None
) -> bytes:
    """:func:`_tagged_bytes` value by value: items are joined and anything ``Field.of``
    refuses raises what it says."""
    parts = [] if idc is None else [f"{record_type}.002:{idc}"]
    for number in sorted(values, key=_field_order):
        if number == LEN_FIELD or (number == IDC_FIELD and idc is not None):
            continue
        value = values[number]
        if isinstance(value, str) and (
            isinstance(value, _Encoded) or not _SEPARATOR_CHARACTERS.search(value)
        ):
            text = value
        else:  # subfields of items, or a value Field.of refuses: it says why
            field = Field.of(record_type, number, value)
            if field.data is not None:
                raise EbtsError("binary data in a text-only message", field=field.label)
            text = "\x1e".join("\x1f".join(items) for items in field.subfields)
        parts.append(f"{field_tag(record_type, number)}:{text}")
    return _framed(record_type, parts)


def _framed(record_type: int, parts: list[str]) -> bytes:
    """The record of the ``tag:value`` ``parts`` (after LEN): LEN first, GS between, FS last."""
    rest = "\x1d".join(parts).encode(TEXT_ENCODING, TEXT_ERRORS)
    tag = f"{record_type}.001:".encode("ascii")
    base = len(tag) + (1 + len(rest) if parts else 0) + 1
    length = tagged_length(base)
    separator = b"\x1d" if parts else b""
    return tag + str(length).encode("ascii") + separator + rest + b"\x1c"


_ITEM_LISTS = (list, tuple)
"""Containers of subfields the quick path of :func:`_tagged_bytes` joins itself."""
_TAGS: dict[int, dict[int, str]] = {}
"""Per record type, each field's ``tag:`` as :func:`_tagged_bytes` writes it."""


def _tags(record_type: int) -> dict[int, str]:
    tags = _TAGS.get(record_type)
    if tags is None:
        tags = _TAGS[record_type] = {}
    return tags


def _field_order(number: int) -> tuple[bool, int]:
    return (number == 999, number)


def text_transaction(
    tot: str,
    envelope: Envelope,
    type2: dict[int, str | Sequence[Sequence[str]]],
    *,
    scomm: bool = False,
    images: Sequence[Record] = (),
    resolution: str = NO_IMAGES_RESOLUTION,
) -> Transaction:
    """A Type-1 + Type-2 (+ image records) transaction; CNT and LEN are filled in on encoding."""
    record = TaggedRecord.new(2, type2, idc=0)
    return Transaction.create(
        envelope.header(tot, resolution=resolution, scomm=scomm), [record, *images]
    )
