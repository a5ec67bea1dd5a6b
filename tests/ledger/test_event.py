"""Disclosure events and their canonical bytes (what the ledger hashes)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.domain import Ori, Tcn
from scomm.ledger import DisclosureEvent, EventError, record_digest
from scomm.ledger.event import canonical_json

GOLDEN = (
    b'{"allowed":true,"booking_ori":"CA0190000","policy_hash":"' + b"9f" * 32 + b'",'
    b'"reasons":["Los Angeles activated 2009-08-25"],"recipient":"IDENT",'
    b'"records":["sha256:' + b"0" * 64 + b'"],"rule_ids":["hist.ca.037"],"sender":"CJIS",'
    b'"tcn":"CA0190000-20101105-0000000042","time":"2010-11-05T17:30:00.000000Z",'
    b'"transfer":"CAR","v":1}'
)


def golden_event() -> DisclosureEvent:
    pacific = dt.timezone(dt.timedelta(hours=-8))
    return DisclosureEvent(
        tcn=Tcn("CA0190000-20101105-0000000042"),
        booking_ori=Ori("CA0190000"),
        sender="CJIS",
        recipient="IDENT",
        transfer="CAR",
        event_time=dt.datetime(2010, 11, 5, 9, 30, tzinfo=pacific),
        allowed=True,
        reasons=("Los Angeles activated 2009-08-25",),
        rule_ids=("hist.ca.037",),
        policy_hash="9f" * 32,
        record_digests=("sha256:" + "0" * 64,),
    )


def test_canonical_bytes_are_the_documented_format() -> None:
    """Keys sorted, no spaces, time converted to UTC with six fractional digits."""
    assert golden_event().canonical_bytes() == GOLDEN
    assert DisclosureEvent.from_canonical(GOLDEN) == golden_event()


def test_non_canonical_bytes_are_refused() -> None:
    spaced = json.dumps(json.loads(GOLDEN)).encode()
    with pytest.raises(EventError, match="not in canonical form"):
        DisclosureEvent.from_canonical(spaced)
    with pytest.raises(EventError, match="not UTF-8 JSON"):
        DisclosureEvent.from_canonical(GOLDEN[:-1])
    with pytest.raises(EventError, match="unexpected \\['name'\\]"):
        obj = json.loads(GOLDEN)
        obj["name"] = "DOE, JOHN"
        DisclosureEvent.from_json_object(obj)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("record_digests", ("JPEG...",), "record_digests\\[0\\]"),
        ("event_time", dt.datetime(2010, 1, 1), "timezone-aware"),
        ("sender", "CJIS HQ", "sender"),
        ("transfer", "", "transfer"),
        ("allowed", 1, "allowed"),
        ("reasons", ["a list"], "reasons must be a tuple"),
        ("reasons", ("",), "reasons\\[0\\]"),
        ("reasons", ("\ud800",), "not valid Unicode"),
        ("policy_hash", "", "policy_hash"),
        ("tcn", "CA0190000-20101105-0000000042", "tcn must be a Tcn"),
    ],
)
def test_bad_fields_are_named(field: str, value: object, message: str) -> None:
    with pytest.raises(EventError, match=message):
        dataclasses.replace(golden_event(), **{field: value})


@settings(max_examples=200, deadline=None)
@given(
    reasons=st.lists(st.text(min_size=1, max_size=40), max_size=4),
    rules=st.lists(st.from_regex(r"[a-z][a-z0-9.\-]{0,12}", fullmatch=True), max_size=4),
    allowed=st.booleans(),
    seconds=st.integers(0, 10**9),
    micro=st.integers(0, 999_999),
)
def test_round_trip_is_exact(
    reasons: list[str], rules: list[str], allowed: bool, seconds: int, micro: int
) -> None:
    at = dt.datetime(1990, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds, microseconds=micro)
    event = dataclasses.replace(
        golden_event(),
        reasons=tuple(reasons),
        rule_ids=tuple(rules),
        allowed=allowed,
        event_time=at,
    )
    data = event.canonical_bytes()
    # Put together value by value, the bytes are the sorted compact dump of the whole object.
    assert data == canonical_json(event.to_json_object())
    back = DisclosureEvent.from_canonical(data)
    assert back == event
    assert back.canonical_bytes() == data


def test_record_digest_names_data_without_carrying_it() -> None:
    digest = record_digest(b"type-4 fingerprint image bytes")
    assert digest.startswith("sha256:") and len(digest) == 71
    event = dataclasses.replace(golden_event(), record_digests=(digest,))
    assert b"fingerprint" not in event.canonical_bytes()
