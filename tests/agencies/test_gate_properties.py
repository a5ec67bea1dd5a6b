"""The gate's rule for a disposition, over every preset and random bookings: a booking's prints
go to IDENT at most once — at the arrest or on the conviction, never both — and on the
conviction only where the conviction is what allows it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.agencies.actors import disposition_time
from scomm.agencies.gate import DisclosureGate, Handover
from scomm.policy import BookingFacts, Registry, Transfer, preset, preset_names

REGISTRY = Registry.shipped()
ORIS = ["CA0190000", "CA0380000", "TX1010000", "IL0160000", "NY0303000", "VA0070000"]
GATES = {name: DisclosureGate(preset(name), None, None) for name in preset_names()}  # type: ignore[arg-type]


def handover(at: dt.datetime, **extra: Any) -> Handover:
    return Handover(
        Transfer.PRINTS_TO_IDENT, "WVIAFIS0Z", "DHS-IDENT", "ident", "CAR", b"", at, **extra
    )


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(GATES)),
    ori=st.sampled_from(ORIS),
    booked=st.datetimes(
        min_value=dt.datetime(2008, 6, 1),
        max_value=dt.datetime(2016, 12, 31),
        timezones=st.just(dt.UTC),
    ),
    lag=st.integers(0, 900),
    flags=st.fixed_dictionaries(
        {
            "juvenile": st.booleans(),
            "domestic_violence_victim": st.booleans(),
            "county_consented": st.booleans(),
            "victim": st.booleans(),
        }
    ),
)
def test_prints_go_to_ident_at_most_once(
    name: str, ori: str, booked: dt.datetime, lag: int, flags: dict[str, bool]
) -> None:
    gate = GATES[name]
    facts = BookingFacts.for_ori(ori, booked, REGISTRY, offenses=("2299",), **flags)
    convicted_at = disposition_time(booked, (booked + dt.timedelta(days=lag)).date())
    at_arrest = gate.decide(handover(booked), facts)
    on_conviction = gate.decide(
        handover(convicted_at, conviction_known=True, repeat_of=booked), facts
    )
    assert not (at_arrest.allowed and on_conviction.allowed)
    assert on_conviction.reasons  # a refusal says why, like any decision
    if on_conviction.allowed:  # only where the conviction is what allows it
        policy = preset(name)
        convicted = replace(facts, conviction_known=True)
        assert policy.decide(Transfer.PRINTS_TO_IDENT, convicted, convicted_at).allowed
        assert not policy.decide(Transfer.PRINTS_TO_IDENT, facts, convicted_at).allowed
    if name == "historical":
        assert not on_conviction.allowed  # historical sends prints at the arrest or never
