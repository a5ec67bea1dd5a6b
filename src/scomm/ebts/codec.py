"""Reading the ANSI/NIST-ITL traditional encoding.

Every length read from the file is checked against the bytes that are really there before it
is used, so a lying LEN or a claimed 2 GB record is an ``EbtsError`` naming the offset, never a
huge allocation or a read past the end.
"""

from __future__ import annotations

import re
from functools import lru_cache

from scomm.ebts.errors import EbtsError
from scomm.ebts.fields import DATA_FIELD, TEXT_ENCODING, TEXT_ERRORS, Field, decode_text
from scomm.ebts.records import (
    BINARY_LEN_SIZE,
    BINARY_TYPES,
    KNOWN_TYPES,
    LEN_FIELD,
    BinaryRecord,
    Record,
    TaggedRecord,
    header_size,
    header_struct,
)
from scomm.ebts.transaction import Transaction, read_cnt

_TAG = re.compile(rb"(\d{1,3})\.(\d{1,5})")
_MAX_TAG = 10  # "999.99999"
_MAX_LEN_DIGITS = 12
_FS, _GS = 0x1C, 0x1D
_TEXT_ONLY_TYPES = frozenset({1, 2})
_BINARY_READERS = {
    record_type: (header_size(record_type), header_struct(record_type).unpack_from)
    for record_type in BINARY_TYPES
}
"""Per binary record type: its header's size (LEN included) and the header's unpacker."""
"""Tagged types whose x.999 is text, not binary data: no field can hold a separator byte."""


def parse(data: bytes | bytearray | memoryview) -> Transaction:
    """Read one transaction; ``EbtsError`` naming the offset/record/field if it is malformed."""
    buf = bytes(data)
    if not buf:
        raise EbtsError("empty input: no Type-1 record", offset=0)
    if buf.lstrip()[:1] == b"<":
        raise EbtsError(
            "this looks like the XML (NIEM) encoding; only the traditional encoding is read",
            offset=0,
        )
    header, offset = _read_tagged(buf, 0, 1, 1)
    entries = read_cnt(header)
    if entries is None:
        raise EbtsError("CNT (1.003) is missing or not pairs of numbers", record=1, field="1.003")
    first_type, count = entries[0]
    if first_type != 1:
        raise EbtsError(f"CNT must begin with 1, got {first_type}", record=1, field="1.003")
    if count != len(entries) - 1:
        raise EbtsError(
            f"CNT says {count} further records but lists {len(entries) - 1}",
            record=1,
            field="1.003",
        )
    records: list[Record] = [header]
    size = len(buf)
    for index, (record_type, idc) in enumerate(entries[1:], start=2):
        layout = _BINARY_READERS.get(record_type)
        if layout is not None:  # the common case inline; anything unusual read (and named) below
            header_length, unpack = layout
            length = int.from_bytes(buf[offset : offset + BINARY_LEN_SIZE], "big")
            end = offset + length
            if header_length <= length and end <= size:
                values = unpack(buf, offset + BINARY_LEN_SIZE)
                if values[0] == idc:
                    records.append(
                        BinaryRecord(record_type, values, buf[offset + header_length : end])
                    )
                    offset = end
                    continue
        if record_type not in KNOWN_TYPES or record_type == 1:
            raise EbtsError(
                f"CNT lists unknown record type {record_type}", record=index, offset=offset
            )
        if offset >= len(buf):
            raise EbtsError(
                f"file ends after {len(records)} records; CNT lists {len(entries)}",
                record=index,
                offset=offset,
            )
        record: Record
        if record_type in BINARY_TYPES:
            record, offset = _read_binary(buf, offset, record_type, index)
        else:
            record, offset = _read_tagged(buf, offset, record_type, index)
        if record.idc != idc:
            raise EbtsError(
                f"IDC {record.idc} of this Type-{record_type} record disagrees with CNT ({idc})",
                record=index,
            )
        records.append(record)
    if offset != len(buf):
        raise EbtsError(
            f"{len(buf) - offset} bytes after the last record listed in CNT", offset=offset
        )
    return Transaction(tuple(records))


def _read_tag(buf: bytes, pos: int, end: int, index: int) -> tuple[int, int, str, int]:
    """(record type, field number, tag text, position after the colon)."""
    colon = buf.find(b":", pos, min(end, pos + _MAX_TAG + 1))
    if colon < 0:
        snippet = buf[pos : pos + 12]
        raise EbtsError(
            f"expected a field tag like '2.018:', found {snippet!r}", record=index, offset=pos
        )
    match = _TAG.fullmatch(buf, pos, colon)
    if match is None:
        raise EbtsError(f"malformed field tag {buf[pos:colon]!r}", record=index, offset=pos)
    return int(match[1]), int(match[2]), buf[pos:colon].decode("ascii"), colon + 1


def _read_tagged(buf: bytes, offset: int, record_type: int, index: int) -> tuple[TaggedRecord, int]:
    kind, number, tag, pos = _read_tag(buf, offset, len(buf), index)
    if kind != record_type or number != LEN_FIELD:
        raise EbtsError(
            f"a Type-{record_type} record must start with its LEN field, found tag {tag!r}",
            record=index,
            offset=offset,
        )
    stop = min(len(buf), pos + _MAX_LEN_DIGITS + 1)
    gs = buf.find(b"\x1d", pos, stop)
    value_end = gs if gs >= 0 else buf.find(b"\x1c", pos, stop)
    raw_len = buf[pos:value_end] if value_end >= 0 else b""
    if not raw_len or not raw_len.isdigit():
        raise EbtsError(
            f"LEN {buf[pos:stop]!r} is not a number followed by a separator",
            record=index,
            field=tag,
            offset=pos,
        )
    length = int(raw_len)
    remaining = len(buf) - offset
    if length > remaining:
        raise EbtsError(
            f"LEN says {length} bytes but only {remaining} remain",
            record=index,
            field=tag,
            offset=pos,
        )
    if length < value_end - offset + 1:
        raise EbtsError(
            f"LEN {length} is shorter than the LEN field", record=index, field=tag, offset=pos
        )
    end = offset + length - 1  # position of the closing FS
    if buf[end] != _FS:
        raise EbtsError(
            f"record does not end with FS where LEN ({length}) says it does",
            record=index,
            offset=end,
        )
    fields = [Field(record_type, LEN_FIELD, ((raw_len.decode("ascii"),),), None, tag)]
    pos = value_end + 1 if value_end < end else end
    if record_type in _TEXT_ONLY_TYPES:
        quick = _quick_fields(buf[pos:end], record_type)
        if quick is not None:
            return TaggedRecord(record_type, (fields[0], *quick)), end + 1
    seen = {LEN_FIELD}
    find, tag_match = buf.find, _TAG.fullmatch
    while pos < end:
        # The tag, read inline (this loop is most of parsing); _read_tag names what is wrong.
        colon = find(b":", pos, min(end, pos + _MAX_TAG + 1))
        match = tag_match(buf, pos, colon) if colon >= 0 else None
        if match is None:
            kind, number, tag, start = _read_tag(buf, pos, end, index)
        else:
            kind, number, tag, start = int(match[1]), int(match[2]), match[0].decode(), colon + 1
        if kind != record_type:
            raise EbtsError(f"tag {tag!r} in a Type-{record_type} record", record=index, offset=pos)
        if number in seen:
            raise EbtsError("field appears twice", record=index, field=tag, offset=pos)
        seen.add(number)
        if number == DATA_FIELD and record_type not in (1, 2):
            fields.append(Field(record_type, number, (), buf[start:end], tag))
            pos = end
            break
        gs = find(b"\x1d", start, end)
        stop = end if gs < 0 else gs
        if find(b"\x1c", start, stop) >= 0:
            raise EbtsError(
                "FS inside a field", record=index, field=tag, offset=find(b"\x1c", start, stop)
            )
        fields.append(Field(record_type, number, decode_text(buf[start:stop]), None, tag))
        if gs >= 0 and gs + 1 == end:
            raise EbtsError("GS right before the closing FS", record=index, offset=gs)
        pos = stop + 1
    return TaggedRecord(record_type, tuple(fields)), end + 1


def _quick_fields(body: bytes, record_type: int) -> list[Field] | None:
    """The fields after LEN of a Type-1 or Type-2 record (no binary field), split at the
    separators in one go; ``None`` when anything is unusual, for the field-by-field reading
    to find and name it."""
    if not body or b"\x1c" in body:
        return None
    fields = [_quick_field(part, record_type) for part in body.split(b"\x1d")]
    previous = LEN_FIELD
    for field in fields:
        # Fields out of order (allowed) or repeated (not) are left to the careful reading.
        if field is None or field.number <= previous:
            return None
        previous = field.number
    return fields  # type: ignore[return-value]  # no None left


@lru_cache(maxsize=8192)
def _quick_field(part: bytes, record_type: int) -> Field | None:
    """One ``tag:value`` of :func:`_quick_fields`, remembered: most values come back message
    after message (the version, the CNT of a tenprint, an agency's ORI, ``XXX``), and a
    ``Field`` is immutable."""
    tag, colon, raw = part.partition(b":")
    match = _TAG.fullmatch(tag)
    if match is None or not colon or int(match[1]) != record_type:
        return None
    if b"\x1e" in raw or b"\x1f" in raw:
        subfields = decode_text(raw)
    else:
        subfields = ((raw.decode(TEXT_ENCODING, TEXT_ERRORS),),)
    return Field(record_type, int(match[2]), subfields, None, tag.decode())


def _read_binary(buf: bytes, offset: int, record_type: int, index: int) -> tuple[BinaryRecord, int]:
    size = header_size(record_type)
    if len(buf) - offset < size:
        raise EbtsError(
            f"Type-{record_type} record needs a {size}-byte header,"
            f" {len(buf) - offset} bytes remain",
            record=index,
            offset=offset,
        )
    length = int.from_bytes(buf[offset : offset + BINARY_LEN_SIZE], "big")
    remaining = len(buf) - offset
    if length > remaining:
        raise EbtsError(
            f"LEN says {length} bytes but only {remaining} remain", record=index, offset=offset
        )
    if length < size:
        raise EbtsError(
            f"LEN {length} is shorter than the {size}-byte Type-{record_type} header",
            record=index,
            offset=offset,
        )
    layout = header_struct(record_type)
    header = layout.unpack_from(buf, offset + BINARY_LEN_SIZE)
    end = offset + length
    return BinaryRecord(record_type, header, buf[offset + size : end]), end


def read_header(data: bytes | bytearray | memoryview) -> TaggedRecord:
    """Only the Type-1 record: enough to answer (ORI, TCN) a file whose body is broken."""
    buf = bytes(data)
    if not buf:
        raise EbtsError("empty input: no Type-1 record", offset=0)
    header, _ = _read_tagged(buf, 0, 1, 1)
    return header


def read_text_records(data: bytes | bytearray | memoryview) -> tuple[TaggedRecord, ...]:
    """The Type-1 record and the Type-2 records CNT lists right after it, without reading the
    rest: what a hop that only routes a message needs (its TOT, TCN, the booking's charges or
    conviction). The records read are checked as ``parse`` checks them; the rest is not read,
    so a file broken further on is only refused by whoever parses it whole."""
    buf = bytes(data)
    if not buf:
        raise EbtsError("empty input: no Type-1 record", offset=0)
    header, offset = _read_tagged(buf, 0, 1, 1)
    entries = read_cnt(header)
    if entries is None:
        raise EbtsError("CNT (1.003) is missing or not pairs of numbers", record=1, field="1.003")
    records = [header]
    for index, (record_type, idc) in enumerate(entries[1:], start=2):
        if record_type != 2 or offset >= len(buf):
            break
        record, offset = _read_tagged(buf, offset, 2, index)
        if record.idc != idc:
            raise EbtsError(
                f"IDC {record.idc} of this Type-2 record disagrees with CNT ({idc})", record=index
            )
        records.append(record)
    return tuple(records)
