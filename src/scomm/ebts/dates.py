"""Reading EBTS dates (``CCYYMMDD``) and GMT times (``CCYYMMDDhhmmssZ``) quickly.

``datetime.strptime`` is the definition; it costs several microseconds a call and a message
carries a handful of dates, read at every hop. A value of exactly the full width in ASCII
digits has every part at its full width, so building the date from the digits gives the same
answer (a bad month, day or time raises ``ValueError`` just the same); anything else goes to
``strptime``.
"""

from __future__ import annotations

import datetime as dt

DAY = "%Y%m%d"
GMT = "%Y%m%d%H%M%SZ"


def read_day(value: str) -> dt.date:
    """``strptime(value, "%Y%m%d").date()``."""
    if len(value) == 8 and value.isascii() and value.isdigit():
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    return dt.datetime.strptime(value, DAY).date()


def read_time(value: str) -> dt.datetime:
    """``strptime(value, "%Y%m%d%H%M%S")`` (naive)."""
    if len(value) == 14 and value.isascii() and value.isdigit():
        return dt.datetime(
            int(value[:4]), int(value[4:6]), int(value[6:8]),
            int(value[8:10]), int(value[10:12]), int(value[12:]),
        )  # fmt: skip
    return dt.datetime.strptime(value, "%Y%m%d%H%M%S")


def read_gmt(value: str) -> dt.datetime:
    """``strptime(value, "%Y%m%d%H%M%SZ")`` (naive: the caller says it is UTC)."""
    if len(value) == 15 and value[-1] == "Z" and value[:-1].isascii() and value[:-1].isdigit():
        return read_time(value[:-1])
    return dt.datetime.strptime(value, GMT)
