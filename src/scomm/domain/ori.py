"""Originating Agency Identifiers (ORIs), the 9-character names of US law-enforcement agencies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scomm.domain.states import NCIC_STATE_CODES, State, state_by_fips, state_by_ncic

_ORI_BODY = re.compile(r"[A-Z0-9]{7}")


@dataclass(frozen=True, slots=True, order=True)
class Ori:
    """A validated ORI: an NCIC state code followed by seven letters or digits.

    Most ORIs follow ``SS`` + 3-digit county number + 2-digit agency + 2 more digits
    (``CA0190000``: Los Angeles County Sheriff), but about a tenth do not (``TXHPD0000``),
    so only the state prefix and the alphabet are enforced.
    """

    value: str

    def __post_init__(self) -> None:
        v = self.value
        if not isinstance(v, str):
            raise ValueError(f"ORI must be a string, got {type(v).__name__}")
        if len(v) != 9:
            raise ValueError(f"ORI {v!r} must be exactly 9 characters, got {len(v)}")
        if v[:2] not in NCIC_STATE_CODES:
            raise ValueError(
                f"ORI {v!r} must start with an NCIC state code (AL..WY, DC, PR, GM, VI, ...),"
                f" not {v[:2]!r}"
            )
        if not _ORI_BODY.fullmatch(v[2:]):
            raise ValueError(f"ORI {v!r}: characters 3-9 must be upper-case letters or digits")

    def __str__(self) -> str:
        return self.value

    @property
    def state(self) -> State:
        return state_by_ncic(self.value[:2])

    @property
    def county_number(self) -> int | None:
        """The 3-digit county number, when the ORI follows the numeric county pattern."""
        digits = self.value[2:5]
        return int(digits) if digits.isdigit() else None

    @property
    def is_county_pattern(self) -> bool:
        return self.value[2:].isdigit()


def county_number_from_fips(county_fips: int) -> int:
    """The ORI county number for a county FIPS code (the last three digits).

    County FIPS codes are, in most states, odd numbers given in alphabetical order
    (001, 003, 005, ...), and the ORI county number is the alphabetical rank: (fips + 1) / 2.
    Counties added out of order (even codes, or codes above 500 such as Virginia's
    independent cities) keep their FIPS number, which cannot clash with a rank.
    """
    if not 1 <= county_fips <= 999:
        raise ValueError(f"county FIPS code must be 1..999, got {county_fips}")
    if county_fips % 2 == 1 and county_fips < 500:
        return (county_fips + 1) // 2
    return county_fips


def sheriff_ori(state_fips: int, county_fips: int) -> Ori:
    """Derive the county-wide agency's ORI (usually the sheriff) from FIPS codes.

    ``state_fips`` is the 2-digit state code; ``county_fips`` is either the 3-digit county part
    or the full 5-digit code (``6037`` or ``37`` for Los Angeles). This is a derivation: where
    the real agency list has the county's ORI, prefer that.
    """
    if county_fips >= 1000:
        if county_fips // 1000 != state_fips:
            raise ValueError(f"county FIPS {county_fips:05d} is not in state FIPS {state_fips:02d}")
        county_fips %= 1000
    state = state_by_fips(state_fips)
    return Ori(f"{state.ncic}{county_number_from_fips(county_fips):03d}0000")
