"""US states and territories: NCIC state codes, postal codes and FIPS numbers.

NCIC codes equal the postal codes except for Nebraska (``NB``) and Guam (``GM``); ORIs use
the NCIC code, so that is the one scomm keys on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class State:
    """A state or territory as it appears in ORIs and FIPS codes."""

    ncic: str
    postal: str
    fips: int
    name: str


_TABLE: tuple[tuple[str, str, int, str], ...] = (
    ("AL", "AL", 1, "Alabama"),
    ("AK", "AK", 2, "Alaska"),
    ("AZ", "AZ", 4, "Arizona"),
    ("AR", "AR", 5, "Arkansas"),
    ("CA", "CA", 6, "California"),
    ("CO", "CO", 8, "Colorado"),
    ("CT", "CT", 9, "Connecticut"),
    ("DE", "DE", 10, "Delaware"),
    ("DC", "DC", 11, "District of Columbia"),
    ("FL", "FL", 12, "Florida"),
    ("GA", "GA", 13, "Georgia"),
    ("HI", "HI", 15, "Hawaii"),
    ("ID", "ID", 16, "Idaho"),
    ("IL", "IL", 17, "Illinois"),
    ("IN", "IN", 18, "Indiana"),
    ("IA", "IA", 19, "Iowa"),
    ("KS", "KS", 20, "Kansas"),
    ("KY", "KY", 21, "Kentucky"),
    ("LA", "LA", 22, "Louisiana"),
    ("ME", "ME", 23, "Maine"),
    ("MD", "MD", 24, "Maryland"),
    ("MA", "MA", 25, "Massachusetts"),
    ("MI", "MI", 26, "Michigan"),
    ("MN", "MN", 27, "Minnesota"),
    ("MS", "MS", 28, "Mississippi"),
    ("MO", "MO", 29, "Missouri"),
    ("MT", "MT", 30, "Montana"),
    ("NB", "NE", 31, "Nebraska"),
    ("NV", "NV", 32, "Nevada"),
    ("NH", "NH", 33, "New Hampshire"),
    ("NJ", "NJ", 34, "New Jersey"),
    ("NM", "NM", 35, "New Mexico"),
    ("NY", "NY", 36, "New York"),
    ("NC", "NC", 37, "North Carolina"),
    ("ND", "ND", 38, "North Dakota"),
    ("OH", "OH", 39, "Ohio"),
    ("OK", "OK", 40, "Oklahoma"),
    ("OR", "OR", 41, "Oregon"),
    ("PA", "PA", 42, "Pennsylvania"),
    ("RI", "RI", 44, "Rhode Island"),
    ("SC", "SC", 45, "South Carolina"),
    ("SD", "SD", 46, "South Dakota"),
    ("TN", "TN", 47, "Tennessee"),
    ("TX", "TX", 48, "Texas"),
    ("UT", "UT", 49, "Utah"),
    ("VT", "VT", 50, "Vermont"),
    ("VA", "VA", 51, "Virginia"),
    ("WA", "WA", 53, "Washington"),
    ("WV", "WV", 54, "West Virginia"),
    ("WI", "WI", 55, "Wisconsin"),
    ("WY", "WY", 56, "Wyoming"),
    ("AS", "AS", 60, "American Samoa"),
    ("GM", "GU", 66, "Guam"),
    ("MP", "MP", 69, "Northern Mariana Islands"),
    ("PR", "PR", 72, "Puerto Rico"),
    ("VI", "VI", 78, "U.S. Virgin Islands"),
)

STATES: tuple[State, ...] = tuple(State(*row) for row in _TABLE)
BY_NCIC: dict[str, State] = {s.ncic: s for s in STATES}
BY_POSTAL: dict[str, State] = {s.postal: s for s in STATES}
BY_FIPS: dict[int, State] = {s.fips: s for s in STATES}
NCIC_STATE_CODES: frozenset[str] = frozenset(BY_NCIC)


def state_by_ncic(code: str) -> State:
    """The state for an NCIC code such as ``NB``; ``ValueError`` if there is none."""
    try:
        return BY_NCIC[code]
    except KeyError:
        raise ValueError(f"unknown NCIC state code {code!r}") from None


def state_by_postal(code: str) -> State:
    """The state for a postal code such as ``NE`` (Nebraska); ``ValueError`` if none."""
    try:
        return BY_POSTAL[code.upper()]
    except KeyError:
        raise ValueError(f"unknown postal state code {code!r}") from None


def state_by_fips(fips: int) -> State:
    """The state for a 2-digit state FIPS number; ``ValueError`` if there is none."""
    try:
        return BY_FIPS[fips]
    except KeyError:
        raise ValueError(f"unknown state FIPS code {fips!r}") from None
