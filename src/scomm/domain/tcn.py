"""Transaction control numbers (EBTS 1.009 TCN): the key of every transaction and stage."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from scomm.domain.ori import Ori

_TCN_CHARS = re.compile(r"[A-Za-z0-9\-_.]+")


@dataclass(frozen=True, slots=True, order=True)
class Tcn:
    """A TCN: 10 to 40 printable characters (letters, digits, ``-``, ``_``, ``.``).

    EBTS leaves the format to the submitter; scomm makes its own as
    ``ORI-YYYYMMDD-SEQUENCE`` so that a TCN says who booked and when.
    """

    value: str

    def __post_init__(self) -> None:
        v = self.value
        if not isinstance(v, str):
            raise ValueError(f"TCN must be a string, got {type(v).__name__}")
        if not 10 <= len(v) <= 40:
            raise ValueError(f"TCN {v!r} must be 10 to 40 characters, got {len(v)}")
        if not _TCN_CHARS.fullmatch(v):
            raise ValueError(f"TCN {v!r} may hold only letters, digits, '-', '_' and '.'")

    def __str__(self) -> str:
        return self.value

    @classmethod
    def for_booking(cls, ori: Ori, day: dt.date, sequence: int) -> Tcn:
        """scomm's TCN for the ``sequence``-th booking of ``ori`` on ``day``."""
        if not 0 <= sequence < 10**10:
            raise ValueError(f"TCN sequence must be 0..9999999999, got {sequence}")
        return cls(f"{ori.value}-{day:%Y%m%d}-{sequence:010d}")
