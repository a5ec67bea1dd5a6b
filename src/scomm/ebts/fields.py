"""Fields of tagged records: a tag, then subfields of items, or one block of binary data.

Text is kept as ``str`` decoded from UTF-8 with ``surrogateescape``: any byte string round-trips
exactly, and the UTF-8 that ANSI/NIST-ITL 1-2011 allows reads as proper text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from scomm.ebts.errors import EbtsError

FS = 0x1C  # file separator: ends a logical record
GS = 0x1D  # group separator: ends a field
RS = 0x1E  # record separator: between subfields (repetitions)
US = 0x1F  # unit separator: between information items
SEPARATORS = frozenset({FS, GS, RS, US})
_SEPARATOR = re.compile("[\x1c-\x1f]")

TEXT_ENCODING = "utf-8"
TEXT_ERRORS = "surrogateescape"

# Field number of the binary data field closing the image records (10.999, 14.999, ...).
DATA_FIELD = 999

Subfields = tuple[tuple[str, ...], ...]


def decode_text(raw: bytes) -> Subfields:
    """Split a field value into subfields and items."""
    if b"\x1e" not in raw and b"\x1f" not in raw:  # the common case: one item
        return ((raw.decode(TEXT_ENCODING, TEXT_ERRORS),),)
    return tuple(
        tuple(item.decode(TEXT_ENCODING, TEXT_ERRORS) for item in sub.split(b"\x1f"))
        for sub in raw.split(b"\x1e")
    )


def encode_text(subfields: Subfields) -> bytes:
    return "\x1e".join("\x1f".join(items) for items in subfields).encode(TEXT_ENCODING, TEXT_ERRORS)


@lru_cache(maxsize=4096)
def field_tag(record_type: int, number: int) -> str:
    """The tag scomm writes: ``2.018``, ``14.999`` (three digits at least, as in 1-2011)."""
    return f"{record_type}.{number:03d}"


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a tagged record.

    ``tag`` is the tag exactly as read (``1.01`` in old files), so that a file writes back
    byte for byte; ``data`` is set (and ``subfields`` empty) for the binary image field.
    """

    record_type: int
    number: int
    subfields: Subfields = ()
    data: bytes | None = None
    tag: str = ""

    @property
    def label(self) -> str:
        return self.tag or field_tag(self.record_type, self.number)

    @property
    def is_binary(self) -> bool:
        return self.data is not None

    @property
    def text(self) -> str:
        """The value as one string: the first item of the first subfield."""
        return self.subfields[0][0] if self.subfields and self.subfields[0] else ""

    @property
    def values(self) -> tuple[str, ...]:
        """The first item of every subfield (a repeated single-item field)."""
        return tuple(sub[0] if sub else "" for sub in self.subfields)

    def to_bytes(self) -> bytes:
        head = (self.tag or field_tag(self.record_type, self.number)).encode("ascii") + b":"
        if self.data is not None:
            return head + self.data
        subfields = self.subfields
        if len(subfields) == 1 and len(subfields[0]) == 1:  # the common case, one item
            return head + subfields[0][0].encode(TEXT_ENCODING, TEXT_ERRORS)
        return head + encode_text(subfields)

    @classmethod
    def of(
        cls, record_type: int, number: int, value: str | bytes | Sequence[Sequence[str]]
    ) -> Field:
        """Build a field from a string (one item), bytes (binary data) or subfields of items.

        Raises ``EbtsError`` when a value holds a separator character, which would corrupt
        the encoding.
        """
        if isinstance(value, str) and not _SEPARATOR.search(value):  # the common case
            return cls(record_type, number, ((value,),))
        where = field_tag(record_type, number)
        if isinstance(value, bytes):
            if number != DATA_FIELD:
                raise EbtsError("only the x.999 field may hold binary data", field=where)
            return cls(record_type, number, (), bytes(value))
        if isinstance(value, str):
            subfields: Subfields = ((value,),)
        else:
            subfields = tuple(tuple(items) for items in value)
            if not subfields:
                raise EbtsError("a field needs at least one subfield", field=where)
        for items in subfields:
            for item in items:
                if not isinstance(item, str):
                    raise EbtsError(f"item {item!r} is not text", field=where)
                if _SEPARATOR.search(item):
                    raise EbtsError(f"item {item!r} contains a separator character", field=where)
        return cls(record_type, number, subfields)

    @classmethod
    def repeated(cls, record_type: int, number: int, values: Sequence[str]) -> Field:
        """A field of one-item subfields (``2.060 MSG`` with several messages)."""
        return cls.of(record_type, number, [(v,) for v in values])
