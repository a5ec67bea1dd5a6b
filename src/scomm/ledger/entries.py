"""A disclosure's ledger entry written straight from its values, without the event object.

The gate logs several entries per booking; making a :class:`DisclosureEvent` for each only to
encode it costs more than the encoding. :func:`encode_disclosure` checks the values as the
event does (:func:`check_event`) and writes the same canonical bytes (:func:`canonical_entry`),
so the bytes, the row and the errors are those of ``encode_events([DisclosureEvent(...)])``
(``tests/ledger/test_entries.py`` compares them on random events).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from scomm.domain import Ori, Tcn
from scomm.ledger.event import canonical_entry, check_event, epoch_us
from scomm.ledger.log import EncodedEvent
from scomm.ledger.merkle import leaf_hash


def encode_disclosure(
    tcn: Tcn,
    booking_ori: Ori,
    sender: str,
    recipient: str,
    transfer: str,
    event_time: dt.datetime,
    allowed: bool,
    reasons: tuple[str, ...],
    rule_ids: tuple[str, ...],
    policy_hash: str,
    record_digests: tuple[str, ...] = (),
) -> EncodedEvent:
    """``encode_events([DisclosureEvent(tcn, booking_ori, ...)])[0]``, the same checks
    included (:class:`scomm.ledger.EventError` for whatever the event would refuse)."""
    check_event(
        tcn, booking_ori, sender, recipient, transfer, event_time, allowed, reasons, rule_ids,
        policy_hash, record_digests,
    )  # fmt: skip
    payload = canonical_entry(
        tcn.value, booking_ori.value, sender, recipient, transfer, event_time, allowed, reasons,
        rule_ids, policy_hash, record_digests,
    )  # fmt: skip
    row = (
        payload, tcn.value, booking_ori.value, _epoch_us(event_time), sender, recipient,
        transfer, allowed,
    )  # fmt: skip
    return EncodedEvent(row, leaf_hash(payload))


def _epoch_us(at: dt.datetime) -> int:
    """``epoch_us``, remembered for UTC times (a booking's hand-overs share a few times; see
    ``scomm.ledger.event.canonical_time`` on why only those)."""
    return _utc_epoch_us(at) if at.tzinfo is dt.UTC else epoch_us(at)


@lru_cache(maxsize=4096)
def _utc_epoch_us(at: dt.datetime) -> int:
    return epoch_us(at)
