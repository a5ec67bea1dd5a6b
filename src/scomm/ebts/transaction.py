"""A transaction (ANSI/NIST-ITL "logical file"): the Type-1 header and the records it lists.

Values are immutable: every change returns a new ``Transaction``. The bookkeeping fields are
never stale because they are computed when the transaction is encoded: each record's LEN, and
the Type-1 CNT listing every record's type and IDC. A field read from a file that is still
correct keeps its exact original text, so an unchanged file encodes back byte for byte.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from scomm.ebts.errors import EbtsError
from scomm.ebts.fields import Subfields
from scomm.ebts.records import (
    BINARY_LAYOUTS,
    BINARY_LEN_SIZE,
    LEN_FIELD,
    BinaryRecord,
    Record,
    TaggedRecord,
    header_struct,
)

CNT_FIELD = 3


@dataclass(frozen=True, slots=True)
class Transaction:
    """Records in file order; ``records[0]`` is the Type-1 header."""

    records: tuple[Record, ...]

    def __post_init__(self) -> None:
        if not self.records:
            raise EbtsError("a transaction needs a Type-1 record")
        first = self.records[0]
        if not isinstance(first, TaggedRecord) or first.type != 1:
            raise EbtsError("the first record of a transaction must be Type-1", record=1)
        if any(r.type == 1 for r in self.records[1:]):
            raise EbtsError("a transaction has exactly one Type-1 record")

    # -- reading -------------------------------------------------------------------------
    @property
    def header(self) -> TaggedRecord:
        first = self.records[0]
        assert isinstance(first, TaggedRecord)
        return first

    @property
    def tot(self) -> str:
        return self.header.text(4)

    @property
    def version(self) -> str:
        return self.header.text(2)

    @property
    def dai(self) -> str:
        return self.header.text(7)

    @property
    def ori(self) -> str:
        return self.header.text(8)

    @property
    def tcn(self) -> str:
        return self.header.text(9)

    @property
    def tcr(self) -> str:
        return self.header.text(10)

    def of_type(self, *types: int) -> list[Record]:
        return [r for r in self.records[1:] if r.type in types]

    def tagged(self, record_type: int) -> TaggedRecord | None:
        """The first tagged record of a type (usually the Type-2)."""
        for record in self.records[1:]:
            if isinstance(record, TaggedRecord) and record.type == record_type:
                return record
        return None

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    # -- changing ------------------------------------------------------------------------
    def with_header_value(self, number: int, value: str | Sequence[Sequence[str]]) -> Transaction:
        return self.replace_record(0, self.header.with_value(number, value))

    def replace_record(self, index: int, record: Record) -> Transaction:
        records = list(self.records)
        records[index] = record
        return Transaction(tuple(records)).with_consistent_cnt()

    def with_record(self, record: Record) -> Transaction:
        """Append a record; a tagged record without an IDC gets the next free one."""
        if isinstance(record, TaggedRecord) and record.idc is None and record.type != 1:
            record = record.with_idc(self.next_idc())
        return Transaction((*self.records, record)).with_consistent_cnt()

    def without_record(self, index: int) -> Transaction:
        if index == 0:
            raise EbtsError("the Type-1 record cannot be removed")
        return Transaction(self.records[:index] + self.records[index + 1 :]).with_consistent_cnt()

    def next_idc(self) -> int:
        used = [r.idc for r in self.records[1:] if r.idc is not None]
        return max(used, default=-1) + 1

    @classmethod
    def create(
        cls,
        header: Mapping[int, str | Sequence[Sequence[str]]],
        records: Sequence[Record] = (),
    ) -> Transaction:
        """A transaction from Type-1 values (number -> value) and the other records."""
        values: dict[int, str | bytes | Sequence[Sequence[str]]] = {CNT_FIELD: "0", **header}
        return cls((TaggedRecord.new(1, values), *records)).with_consistent_cnt()

    # -- encoding ------------------------------------------------------------------------
    def content_entries(self) -> list[tuple[int, int]]:
        """What CNT must say: (1, number of other records), then (type, IDC) per record."""
        entries = [(1, len(self.records) - 1)]
        for index, record in enumerate(self.records[1:], start=2):
            idc = record.idc
            if idc is None:
                raise EbtsError(f"Type-{record.type} record has no valid IDC", record=index)
            entries.append((record.type, idc))
        return entries

    def with_consistent_cnt(self) -> Transaction:
        """This transaction with 1.003 CNT listing its records (kept as is when it already does)."""
        entries = self.content_entries()
        header = self.header
        if read_cnt(header) == entries:
            return self
        subfields = [(str(t), str(n) if t == 1 else f"{n:02d}") for t, n in entries]
        return Transaction((header.with_value(CNT_FIELD, subfields), *self.records[1:]))

    def to_bytes(self) -> bytes:
        """The traditional encoding, with LEN and CNT computed from the records."""
        tx = self.with_consistent_cnt()
        return b"".join(encode_record(r, i) for i, r in enumerate(tx.records, start=1))


def read_cnt(header: TaggedRecord) -> list[tuple[int, int]] | None:
    """The CNT entries as numbers, or ``None`` when the field is missing or malformed."""
    subfields = header.subfields(CNT_FIELD)
    try:
        entries = _cnt_entries(subfields)
    except TypeError:  # a record built with lists: read it without remembering
        entries = _cnt_entries.__wrapped__(subfields)
    return list(entries) if entries is not None else None


@lru_cache(maxsize=1024)
def _cnt_entries(subfields: Subfields) -> tuple[tuple[int, int], ...] | None:
    """Remembered: messages of one kind list the same records (a tenprint CAR's CNT)."""
    entries = []
    for items in subfields:
        if len(items) != 2:
            return None
        kind, idc = items
        if not (kind.isascii() and kind.isdigit() and idc.isascii() and idc.isdigit()):
            return None
        entries.append((int(kind), int(idc)))
    return tuple(entries) or None


def encode_record(record: Record, index: int = 0) -> bytes:
    if isinstance(record, BinaryRecord):
        return _encode_binary(record, index)
    return _encode_tagged(record, index)


def tagged_length(base: int) -> int:
    """A tagged record's LEN value: ``base`` (its bytes without the LEN digits) plus the
    digits of the result itself, a fixed point found by a step or two."""
    length = base + len(str(base))
    while length != base + len(str(length)):
        length = base + len(str(length))
    return length


def _encode_tagged(record: TaggedRecord, index: int) -> bytes:
    fields = record.fields
    if not fields or fields[0].number != LEN_FIELD:
        raise EbtsError(f"Type-{record.type} record must start with its LEN field", record=index)
    len_field = fields[0]
    rest = b"\x1d".join(f.to_bytes() for f in fields[1:])
    tag = len_field.label.encode("ascii")
    base = len(tag) + 1 + (1 + len(rest) if fields[1:] else 0) + 1
    old = len_field.text
    if old.isascii() and old.isdigit() and int(old) == base + len(old):
        text = old  # still right as written (zero padding included): keep it
    else:
        text = str(tagged_length(base))
    separator = b"\x1d" if fields[1:] else b""
    return tag + b":" + text.encode("ascii") + separator + rest + b"\x1c"


def _encode_binary(record: BinaryRecord, index: int) -> bytes:
    layout = BINARY_LAYOUTS[record.type]
    if len(record.header) != len(layout):
        raise EbtsError(
            f"Type-{record.type} header needs {len(layout)} values, got {len(record.header)}",
            record=index,
        )
    try:
        head = header_struct(record.type).pack(*record.header)
    except struct.error:
        for (name, size), value in zip(layout, record.header, strict=True):
            if not (isinstance(value, int) and 0 <= value < 256**size):
                raise EbtsError(
                    f"Type-{record.type} {name} value {value!r} does not fit {size} byte(s)",
                    record=index,
                ) from None
        raise
    length = BINARY_LEN_SIZE + len(head) + len(record.data)
    if length >= 256**BINARY_LEN_SIZE:
        raise EbtsError(f"Type-{record.type} record of {length} bytes is too long", record=index)
    return length.to_bytes(BINARY_LEN_SIZE, "big") + head + record.data
