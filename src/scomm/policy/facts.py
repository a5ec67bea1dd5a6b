"""The facts about one booking that a sharing decision may depend on, and nothing more.

A decision must be a function of (rules, facts, event time) alone; keeping the facts small and
frozen makes that checkable and keeps ``decide`` fast (the boolean facts are packed into one
integer once, when the facts are built).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from scomm.domain import Booking, Ori
from scomm.policy.registry import Registry

# Bit positions of the boolean facts, shared with the rule compiler.
FLAG_BITS: dict[str, int] = {
    "activated": 1 << 0,  # set per decision: depends on the event time
    "conviction_known": 1 << 1,
    "victim": 1 << 2,
    "witness": 1 << 3,
    "juvenile": 1 << 4,
    "domestic_violence_victim": 1 << 5,
    "state_consented": 1 << 6,
    "county_consented": 1 << 7,
    "agency_consented": 1 << 8,
}
ACTIVATED_BIT = FLAG_BITS["activated"]
NEVER = dt.date.max.toordinal() + 1


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """What the policy may know about one booking.

    ``activation_date`` is the day the booking county was activated (from the registry), or
    None when the county is unknown. Consent flags default to True: a jurisdiction takes part
    unless a scenario says it declined.
    """

    ori: str
    state: str
    county_fips: str | None
    event_time: dt.datetime
    activation_date: dt.date | None = None
    conviction_known: bool = False
    victim: bool = False
    witness: bool = False
    juvenile: bool = False
    domestic_violence_victim: bool = False
    offenses: frozenset[str] = frozenset()
    state_consented: bool = True
    county_consented: bool = True
    agency_consented: bool = True
    bits: int = field(init=False, repr=False, compare=False)
    activation_ordinal: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ori = Ori(self.ori)
        if self.state != ori.value[:2]:
            raise ValueError(f"state {self.state!r} does not match ORI {ori}")
        if self.county_fips is not None and not (
            len(self.county_fips) == 5 and self.county_fips.isdigit()
        ):
            raise ValueError(f"county FIPS {self.county_fips!r} must be 5 digits")
        at = self.event_time
        if not isinstance(at, dt.datetime) or at.utcoffset() is None:
            raise ValueError(f"event time {at!r} must be a timezone-aware datetime")
        offenses: object = self.offenses
        if not isinstance(offenses, frozenset):
            raise ValueError(f"offenses must be a frozenset of NCIC codes, got {offenses!r}")
        for code in self.offenses:
            if not (isinstance(code, str) and len(code) == 4 and code.isdigit()):
                raise ValueError(f"offense code {code!r} must be a 4-digit NCIC code")
        bits = 0
        for name, bit in FLAG_BITS.items():
            if name != "activated" and getattr(self, name):
                bits |= bit
        object.__setattr__(self, "bits", bits)
        day = self.activation_date
        object.__setattr__(self, "activation_ordinal", day.toordinal() if day else NEVER)

    @classmethod
    def for_ori(
        cls,
        ori: Ori | str,
        at: dt.datetime,
        registry: Registry | None = None,
        *,
        offenses: Iterable[str] = (),
        **flags: bool,
    ) -> BookingFacts:
        """Facts for a booking by ``ori`` at ``at``, the county and activation from the registry."""
        reg = registry or Registry.shipped()
        county = reg.county_for_ori(ori)
        return cls(
            ori=str(ori),
            state=str(ori)[:2],
            county_fips=county.fips if county else None,
            event_time=at,
            activation_date=county.activation if county else None,
            offenses=frozenset(offenses),
            **flags,
        )

    @classmethod
    def from_booking(
        cls, booking: Booking, registry: Registry | None = None, **flags: bool
    ) -> BookingFacts:
        """Facts for a ``scomm.domain.Booking``; ``flags`` add what the booking does not hold
        (``conviction_known``, the consent flags)."""
        known = {
            "victim": booking.victim,
            "witness": booking.witness,
            "juvenile": booking.juvenile,
            "domestic_violence_victim": booking.domestic_violence_victim,
        }
        return cls.for_ori(
            booking.ori,
            booking.booked_at,
            registry,
            offenses=[charge.offense.code for charge in booking.charges],
            **{**known, **flags},
        )
