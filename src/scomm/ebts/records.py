"""Logical records: tagged (Type-1, 2, 9, 10, 13-17, 99 ...) and fixed binary (Type-3 to 8)."""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from scomm.ebts.errors import EbtsError
from scomm.ebts.fields import Field, Subfields

LEN_FIELD = 1
IDC_FIELD = 2

# Record types of ANSI/NIST-ITL 1-2011 in the traditional encoding.
BINARY_TYPES = frozenset({3, 4, 5, 6, 7, 8})
TAGGED_TYPES = frozenset({1, 2, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 98, 99})
KNOWN_TYPES = BINARY_TYPES | TAGGED_TYPES

# Fixed layouts of the binary records after the 4-byte LEN: (name, size in bytes).
_IMAGE_LAYOUT: tuple[tuple[str, int], ...] = (
    ("IDC", 1),
    ("IMP", 1),
    *((f"FGP{i}", 1) for i in range(1, 7)),
    ("ISR", 1),
    ("HLL", 2),
    ("VLL", 2),
    ("GCA", 1),  # BCA (binary compression) for Type-5 and 6
)
BINARY_LAYOUTS: dict[int, tuple[tuple[str, int], ...]] = {
    3: _IMAGE_LAYOUT,
    4: _IMAGE_LAYOUT,
    5: _IMAGE_LAYOUT,
    6: _IMAGE_LAYOUT,
    7: (("IDC", 1),),
    8: (("IDC", 1), ("SIG", 1), ("SRT", 1), ("ISR", 1), ("HLL", 2), ("VLL", 2)),
}
BINARY_LEN_SIZE = 4
_POSITIONS = {
    record_type: {name: i for i, (name, _) in enumerate(layout)}
    for record_type, layout in BINARY_LAYOUTS.items()
}


_HEADER_SIZES = {
    record_type: BINARY_LEN_SIZE + sum(size for _, size in layout)
    for record_type, layout in BINARY_LAYOUTS.items()
}


def header_size(record_type: int) -> int:
    return _HEADER_SIZES[record_type]


_STRUCT_CODES = {1: "B", 2: "H", 4: "I"}
_HEADER_STRUCTS = {
    record_type: struct.Struct(">" + "".join(_STRUCT_CODES[size] for _, size in layout))
    for record_type, layout in BINARY_LAYOUTS.items()
}


def header_struct(record_type: int) -> struct.Struct:
    """The big-endian layout of a binary record's header after LEN."""
    return _HEADER_STRUCTS[record_type]


@dataclass(frozen=True, slots=True)
class TaggedRecord:
    """A record of tagged fields. ``fields`` keeps file order (LEN, IDC, ascending, 999 last)."""

    type: int
    fields: tuple[Field, ...]

    def get(self, number: int) -> Field | None:
        for field in self.fields:
            if field.number == number:
                return field
        return None

    def text(self, number: int, default: str = "") -> str:
        field = self.get(number)
        return field.text if field is not None else default

    def subfields(self, number: int) -> Subfields:
        field = self.get(number)
        return field.subfields if field is not None else ()

    @property
    def idc(self) -> int | None:
        """The IDC, or ``None`` for Type-1 (which has none) or an unreadable value."""
        if self.type == 1:
            return None
        value = self.text(IDC_FIELD)
        return int(value) if value.isascii() and value.isdigit() else None

    @property
    def data(self) -> bytes | None:
        for field in reversed(self.fields):
            if field.data is not None:
                return field.data
        return None

    def with_field(self, field: Field) -> TaggedRecord:
        """A copy with ``field`` added or replaced, kept in field-number order."""
        if field.record_type != self.type:
            raise EbtsError(
                f"field {field.label} does not belong in a Type-{self.type} record",
                field=field.label,
            )
        old = self.get(field.number)
        if old is not None:
            if old.tag and not field.tag:
                field = replace(field, tag=old.tag)
            return replace(
                self, fields=tuple(field if f.number == field.number else f for f in self.fields)
            )
        fields = list(self.fields)
        at = next((i for i, f in enumerate(fields) if _order(f) > _order(field)), len(fields))
        fields.insert(at, field)
        return replace(self, fields=tuple(fields))

    def with_value(self, number: int, value: str | bytes | Sequence[Sequence[str]]) -> TaggedRecord:
        return self.with_field(Field.of(self.type, number, value))

    def without(self, number: int) -> TaggedRecord:
        return replace(self, fields=tuple(f for f in self.fields if f.number != number))

    def with_idc(self, idc: int) -> TaggedRecord:
        return self.with_value(IDC_FIELD, f"{idc:02d}")

    @classmethod
    def new(
        cls,
        record_type: int,
        values: Mapping[int, str | bytes | Sequence[Sequence[str]]],
        idc: int | None = None,
    ) -> TaggedRecord:
        """A record from field number -> value; LEN is filled in when it is encoded."""
        fields = [Field(record_type, LEN_FIELD, (("0",),))]
        if idc is not None:
            fields.append(Field.of(record_type, IDC_FIELD, f"{idc:02d}"))
        for number in sorted(values, key=lambda n: (n == 999, n)):
            if number in (LEN_FIELD,) or (number == IDC_FIELD and idc is not None):
                continue
            fields.append(Field.of(record_type, number, values[number]))
        return cls(record_type, tuple(fields))


def _order(field: Field) -> tuple[int, int]:
    return (1 if field.number == 999 else 0, field.number)


@dataclass(frozen=True, slots=True)
class BinaryRecord:
    """A fixed-layout binary record: header values (``BINARY_LAYOUTS``) and the data after."""

    type: int
    header: tuple[int, ...]
    data: bytes

    def value(self, name: str) -> int:
        position = _POSITIONS[self.type].get(name)
        if position is None:
            raise KeyError(f"Type-{self.type} records have no {name} field")
        return self.header[position]

    @property
    def idc(self) -> int:
        return self.header[0]

    @property
    def finger_positions(self) -> tuple[int, ...]:
        """FGP entries in use (255 marks an unused one); empty for Types 7 and 8."""
        if BINARY_LAYOUTS[self.type] is not _IMAGE_LAYOUT:
            return ()
        return _positions_in_use(self.header[2:8])

    def with_idc(self, idc: int) -> BinaryRecord:
        return replace(self, header=(idc, *self.header[1:]))

    @classmethod
    def image(
        cls,
        record_type: int,
        *,
        idc: int,
        impression: int,
        positions: Sequence[int],
        isr: int,
        width: int,
        height: int,
        compression: int,
        data: bytes,
    ) -> BinaryRecord:
        """A Type-3/4/5/6 image record."""
        if not 1 <= len(positions) <= 6:
            raise EbtsError(f"an image record lists 1 to 6 finger positions, got {len(positions)}")
        fgp = (*positions, *(255,) * (6 - len(positions)))
        header = (idc, impression, *fgp, isr, width, height, compression)
        for (name, size), value in zip(_IMAGE_LAYOUT, header, strict=True):
            if not 0 <= value < 256**size:
                raise EbtsError(f"Type-{record_type} {name} value {value} does not fit {size} byte")
        return cls(record_type, header, data)


@lru_cache(maxsize=1024)
def _positions_in_use(fgp: tuple[int, ...]) -> tuple[int, ...]:
    """The FGP entries of a header that are not 255 (remembered: a tenprint's ten records
    name the same few lists again and again, and every reader of a CAR asks)."""
    return tuple(v for v in fgp if v != 255)


Record = TaggedRecord | BinaryRecord
