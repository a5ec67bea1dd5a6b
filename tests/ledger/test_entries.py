"""Ledger entries written straight from their values are those of the event object."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.domain import Ori, Tcn
from scomm.ledger import DisclosureEvent, EventError, encode_events, record_digest
from scomm.ledger.entries import encode_disclosure


def mostly(good: list[Any], bad: list[Any]) -> st.SearchStrategy[Any]:
    """Good values nine times in ten: most events are well formed, some are refused."""
    return st.sampled_from([*good * 9, *bad])


parties = mostly(["CJIS", "IDENT", "VTICE0900", "CA0190000"], ["bad party!", ""])
transfers = mostly(["CAR", "SRE", "IAQ", "DTNR"], ["bad kind", ""])
texts = st.text(min_size=0, max_size=12)
zones = mostly(
    [dt.UTC, dt.timezone(dt.timedelta(hours=-8)), dt.timezone(dt.timedelta(minutes=330))], [None]
)
times = st.builds(
    lambda when, zone: when.replace(tzinfo=zone),
    st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2099, 1, 1)),
    zones,
)
digests = st.builds(record_digest, st.binary(max_size=8)) | mostly(
    ["sha256:" + "0" * 64], ["sha256:XYZ", ""]
)
events = st.fixed_dictionaries(
    {
        "tcn": mostly([Tcn("CA0190000-20101105-0000000042"), Tcn("TX0000000-1")], ["raw"]),
        "booking_ori": mostly([Ori("CA0190000"), Ori("TX0000000")], ["CA0190000"]),
        "sender": parties,
        "recipient": parties,
        "transfer": transfers,
        "event_time": times,
        "allowed": mostly([True, False], [1, 0]),
        "reasons": st.one_of(
            st.lists(st.sampled_from(["allowed by rule x", 'quote " here', "ü"]), max_size=3).map(
                tuple
            ),
            st.tuples(texts),
            st.just(["a list"]),
        ),
        "rule_ids": st.lists(st.sampled_from(["hist.ca.037", "r-2"]), max_size=2).map(tuple),
        "policy_hash": mostly(["9f" * 32, "sha256:abc+/="], ["bad hash!"]),
        "record_digests": st.lists(digests, max_size=2).map(tuple),
    }
)


def _plain(values: dict[str, Any]) -> tuple[Any, ...] | type[Exception]:
    try:
        encoded = encode_events([DisclosureEvent(**values)])[0]
    except EventError:
        return EventError
    return encoded.row, encoded.leaf


def _direct(values: dict[str, Any]) -> tuple[Any, ...] | type[Exception]:
    try:
        encoded = encode_disclosure(**values)
    except EventError:
        return EventError
    return encoded.row, encoded.leaf


ACCEPTED: list[bool] = []


@settings(max_examples=400)
@given(first=events, second=events)
def test_direct_entries_are_the_events_entries(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    """Bytes, row and leaf hash equal, or both refused; the second event may reuse the
    first's parts (the same decision and parties, another booking, time or record)."""
    varied = ("tcn", "booking_ori", "event_time", "record_digests")
    for values in (first, second, {**first, **{k: second[k] for k in varied}}):
        expected = _plain(values)
        assert _direct(values) == expected
        ACCEPTED.append(expected is not EventError)


def test_the_comparison_saw_both_kinds() -> None:
    """The random events above included well-formed and refused ones (run after them)."""
    assert any(ACCEPTED) and not all(ACCEPTED)


class FallBack(dt.tzinfo):
    """A zone whose clocks go back an hour at 02:00 on 2012-11-04 (UTC-4, then UTC-5): the
    wall times from 01:00 to 02:00 that day come twice, told apart by ``fold``."""

    def utcoffset(self, at: dt.datetime | None) -> dt.timedelta:
        assert at is not None
        end = dt.datetime(2012, 11, 4, 2)
        naive = at.replace(tzinfo=None)
        later = naive >= end or (naive >= end - dt.timedelta(hours=1) and at.fold == 1)
        return dt.timedelta(hours=-5 if later else -4)

    def dst(self, at: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)

    def tzname(self, at: dt.datetime | None) -> str:
        return "FB"


def test_times_of_a_zone_that_differ_only_in_fold_are_not_confused() -> None:
    """At the fall-back hour two instants share a wall time (``fold`` tells them apart) and
    compare equal: each entry still says its own instant."""
    first = dt.datetime(2012, 11, 4, 1, 30, tzinfo=FallBack())
    second = first.replace(fold=1)
    values: dict[str, Any] = {
        "tcn": Tcn("TX0000000-1"),
        "booking_ori": Ori("TX0000000"),
        "sender": "CJIS",
        "recipient": "IDENT",
        "transfer": "CAR",
        "allowed": True,
        "reasons": ("r",),
        "rule_ids": (),
        "policy_hash": "9f" * 32,
    }
    for at in (first, second, first, second):
        assert _direct({**values, "event_time": at}) == _plain({**values, "event_time": at})
    rows = [encode_disclosure(**values, event_time=at).row for at in (first, second)]
    assert rows[0][3] != rows[1][3] and rows[0][0] != rows[1][0]
