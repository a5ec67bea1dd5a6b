"""The one error type of the EBTS codec: it always says where the problem is."""

from __future__ import annotations


class EbtsError(ValueError):
    """A transaction that cannot be read, built or encoded.

    The message names the byte offset and/or the record and field, so that an ERRT built from
    it tells the submitter exactly what to fix.
    """

    def __init__(
        self,
        reason: str,
        *,
        offset: int | None = None,
        record: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.offset = offset
        self.record = record
        self.field = field
        where = []
        if record is not None:
            where.append(f"record {record}")
        if field is not None:
            where.append(f"field {field}")
        if offset is not None:
            where.append(f"offset {offset}")
        super().__init__(f"{', '.join(where)}: {reason}" if where else reason)
