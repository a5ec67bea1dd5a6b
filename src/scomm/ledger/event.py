"""One disclosure: a transfer of a booking's data from one agency to another, as the gate
decided it. Its canonical bytes are what the ledger hashes, so they are specified exactly.

Canonical serialisation (version 1), documented in docs/ledger.md:
the RFC 8785 (JSON Canonicalization Scheme) form of the object

    {"allowed": bool, "booking_ori": ORI, "policy_hash": str, "reasons": [str],
     "records": ["sha256:<64 hex>"], "recipient": str, "rule_ids": [str], "sender": str,
     "tcn": TCN, "time": "YYYY-MM-DDTHH:MM:SS.ffffffZ", "transfer": str, "v": 1}

encoded as UTF-8: keys sorted, no whitespace, strings escaped only where JSON requires.
Lists keep the order the gate gave. The event time is in UTC with exactly six fractional
digits. Records are digests, never images or names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scomm.domain import Ori, Tcn

FORMAT_VERSION = 1

_PARTY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/\-]{0,63}")
_TRANSFER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,31}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_POLICY_HASH = re.compile(r"[A-Za-z0-9:+/=_\-]{1,128}")
_TEXT_LIMIT = 2000
_FIELDS = frozenset(
    {
        "allowed",
        "booking_ori",
        "policy_hash",
        "reasons",
        "records",
        "recipient",
        "rule_ids",
        "sender",
        "tcn",
        "time",
        "transfer",
        "v",
    }
)


class EventError(ValueError):
    """A disclosure event, or its canonical bytes, that is not well formed."""


_CHECKED: set[tuple[str, ...]] = set()
"""Reasons and rule ids already found well formed: the gate gives the same few again and
again, so each is checked once per process (the last few thousand kept)."""
_CHECKED_KEPT = 4096
_CHECKED_NAMES: set[tuple[str, str, str]] = set()
"""(sender, recipient, transfer) already found well formed, likewise."""


def _check_texts(what: str, values: tuple[str, ...]) -> None:
    if not isinstance(values, tuple):
        raise EventError(f"{what} must be a tuple of strings, got {type(values).__name__}")
    try:
        if values in _CHECKED:
            return
    except TypeError:  # an unhashable item: not a string, named below
        pass
    for i, v in enumerate(values):
        if not isinstance(v, str) or not v or len(v) > _TEXT_LIMIT:
            raise EventError(f"{what}[{i}] must be a non-empty string of at most {_TEXT_LIMIT}")
        try:
            v.encode("utf-8")
        except UnicodeEncodeError as e:
            raise EventError(f"{what}[{i}] is not valid Unicode text: {e.reason}") from None
    if len(_CHECKED) >= _CHECKED_KEPT:
        _CHECKED.clear()
    _CHECKED.add(values)


@dataclass(frozen=True, slots=True)
class DisclosureEvent:
    """A gate decision on one transfer of one booking's data.

    ``booking_ori`` is the agency whose booking it is (the LEA that took the prints), so that
    a county can ask for every disclosure of its bookings whoever forwarded them. ``sender``
    and ``recipient`` are ORIs or agency codes (``CJIS``, ``IDENT``, ``VTICE0900``).
    ``record_digests`` name the data that moved (``sha256:`` + hex), never the data itself.
    ``allowed`` is the decision: a refused transfer is recorded too.
    """

    tcn: Tcn
    booking_ori: Ori
    sender: str
    recipient: str
    transfer: str
    event_time: dt.datetime
    allowed: bool
    reasons: tuple[str, ...]
    rule_ids: tuple[str, ...]
    policy_hash: str
    record_digests: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_event(
            self.tcn, self.booking_ori, self.sender, self.recipient, self.transfer,
            self.event_time, self.allowed, self.reasons, self.rule_ids, self.policy_hash,
            self.record_digests,
        )  # fmt: skip

    @property
    def utc_time(self) -> dt.datetime:
        return self.event_time.astimezone(dt.UTC)

    @property
    def epoch_us(self) -> int:
        """The event time as whole microseconds since 1970-01-01 UTC (how the store sorts it)."""
        return epoch_us(self.event_time)

    def to_json_object(self) -> dict[str, Any]:
        """The event as the JSON object its canonical bytes encode."""
        return {
            "allowed": self.allowed,
            "booking_ori": self.booking_ori.value,
            "policy_hash": self.policy_hash,
            "reasons": list(self.reasons),
            "records": list(self.record_digests),
            "recipient": self.recipient,
            "rule_ids": list(self.rule_ids),
            "sender": self.sender,
            "tcn": self.tcn.value,
            "time": self.utc_time.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z",
            "transfer": self.transfer,
            "v": FORMAT_VERSION,
        }

    def canonical_bytes(self) -> bytes:
        """The bytes the ledger stores and hashes (see the module docstring): the same as
        ``canonical_json(self.to_json_object())``, put together from each value's JSON form
        (a compact sorted object is its members' forms joined in key order), with the forms
        of the values the gate repeats (parties, reasons, rule ids, policy) remembered. A
        TCN (letters, digits, ``-_.``) and a digest (``sha256:`` and hex), as checked, need
        no escaping: their JSON form is the text in quotes."""
        return canonical_entry(
            self.tcn.value, self.booking_ori.value, self.sender, self.recipient,
            self.transfer, self.event_time, self.allowed, self.reasons, self.rule_ids,
            self.policy_hash, self.record_digests,
        )  # fmt: skip

    @classmethod
    def from_json_object(cls, obj: Any) -> DisclosureEvent:
        if not isinstance(obj, dict):
            raise EventError(f"a disclosure event is a JSON object, got {type(obj).__name__}")
        keys = set(obj)
        if keys != _FIELDS:
            missing, extra = sorted(_FIELDS - keys), sorted(keys - _FIELDS)
            raise EventError(f"event fields: missing {missing}, unexpected {extra}")
        if obj["v"] != FORMAT_VERSION or isinstance(obj["v"], bool):
            raise EventError(f"event format version {obj['v']!r} is not {FORMAT_VERSION}")
        for name in ("reasons", "records", "rule_ids"):
            if not isinstance(obj[name], list):
                raise EventError(f"event field {name!r} must be a list")
        for name in ("booking_ori", "tcn", "time"):
            if not isinstance(obj[name], str):
                raise EventError(f"event field {name!r} must be a string")
        try:
            if not _TIME.fullmatch(obj["time"]):
                raise ValueError(f"time {obj['time']!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
            at = dt.datetime.fromisoformat(obj["time"][:-1]).replace(tzinfo=dt.UTC)
            tcn, ori = Tcn(obj["tcn"]), Ori(obj["booking_ori"])
        except ValueError as e:
            raise EventError(f"event field: {e}") from None
        return cls(
            tcn=tcn,
            booking_ori=ori,
            sender=obj["sender"],
            recipient=obj["recipient"],
            transfer=obj["transfer"],
            event_time=at,
            allowed=obj["allowed"],
            reasons=tuple(obj["reasons"]),
            rule_ids=tuple(obj["rule_ids"]),
            policy_hash=obj["policy_hash"],
            record_digests=tuple(obj["records"]),
        )

    @classmethod
    def from_canonical(cls, data: bytes) -> DisclosureEvent:
        """Decode canonical bytes; bytes that are not exactly canonical are refused."""
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise EventError(f"entry is not UTF-8 JSON: {e}") from None
        event = cls.from_json_object(obj)
        if event.canonical_bytes() != data:
            raise EventError("entry is valid JSON but not in canonical form")
        return event


def check_event(
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
    record_digests: tuple[str, ...],
) -> None:
    """What :class:`DisclosureEvent` checks of its values (:class:`EventError`), for an
    entry encoded without the object (``scomm.ledger.entries``)."""
    if not isinstance(tcn, Tcn):
        raise EventError(f"tcn must be a Tcn, got {type(tcn).__name__}")
    if not isinstance(booking_ori, Ori):
        raise EventError(f"booking_ori must be an Ori, got {type(booking_ori).__name__}")
    names = (sender, recipient, transfer)
    try:
        known = names in _CHECKED_NAMES
    except TypeError:  # an unhashable value: not a string, named below
        known = False
    if not known:
        _check_names(sender, recipient, transfer)
        if len(_CHECKED_NAMES) >= _CHECKED_KEPT:
            _CHECKED_NAMES.clear()
        _CHECKED_NAMES.add(names)
    if not isinstance(event_time, dt.datetime) or event_time.utcoffset() is None:
        raise EventError(f"event_time {event_time!r} must be a timezone-aware datetime")
    if not isinstance(allowed, bool):
        raise EventError(f"allowed must be True or False, got {allowed!r}")
    _check_texts("reasons", reasons)
    _check_texts("rule_ids", rule_ids)
    if not isinstance(policy_hash, str) or not _POLICY_HASH.fullmatch(policy_hash):
        raise EventError(f"policy_hash {policy_hash!r} must be 1-128 characters of hex or base64")
    if not isinstance(record_digests, tuple):
        raise EventError("record_digests must be a tuple of 'sha256:<hex>' strings")
    for i, d in enumerate(record_digests):
        if not isinstance(d, str) or not _DIGEST.fullmatch(d):
            raise EventError(
                f"record_digests[{i}] {d!r} must be 'sha256:' followed by 64 lower-case"
                " hex digits (a digest, never the record itself)"
            )


def _check_names(sender: str, recipient: str, transfer: str) -> None:
    for what, value in (("sender", sender), ("recipient", recipient)):
        if not isinstance(value, str) or not _PARTY.fullmatch(value):
            raise EventError(
                f"{what} {value!r} must be an ORI or agency code: 1-64 letters, digits,"
                " '.', '_', ':', '/' or '-'"
            )
    if not isinstance(transfer, str) or not _TRANSFER.fullmatch(transfer):
        raise EventError(
            f"transfer {transfer!r} must be a kind such as CAR or IAQ: 1-32 letters,"
            " digits, '.', '_' or '-'"
        )


def canonical_entry(
    tcn: str,
    booking_ori: str,
    sender: str,
    recipient: str,
    transfer: str,
    event_time: dt.datetime,
    allowed: bool,
    reasons: tuple[str, ...],
    rule_ids: tuple[str, ...],
    policy_hash: str,
    record_digests: tuple[str, ...],
) -> bytes:
    """The canonical bytes of an event of these (checked) values: see the module docstring
    and :meth:`DisclosureEvent.canonical_bytes`."""
    return (
        f'{{"allowed":{"true" if allowed else "false"},'
        f'"booking_ori":{_json_text(booking_ori)},'
        f'"policy_hash":{_json_text(policy_hash)},'
        f'"reasons":{_json_list(reasons)},'
        f'"recipient":{_json_text(recipient)},'
        f'"records":{_digest_list(record_digests)},'
        f'"rule_ids":{_json_list(rule_ids)},'
        f'"sender":{_json_text(sender)},'
        f'"tcn":"{tcn}",'
        f'"time":"{canonical_time(event_time)}",'
        f'"transfer":{_json_text(transfer)},'
        f'"v":{FORMAT_VERSION}}}'
    ).encode()


def canonical_time(at: dt.datetime) -> str:
    """An aware time's canonical form: UTC, six fractional digits, ``Z``."""
    if at.tzinfo is dt.UTC:
        return _utc_form(at)
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@lru_cache(maxsize=4096)
def _utc_form(at: dt.datetime) -> str:
    """:func:`canonical_time` of a UTC time, remembered: a booking's hand-overs share a few
    times. (Only UTC ones: equal keys there are equal instants, where two times of one zone
    that differ only in ``fold`` compare equal.)"""
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


@lru_cache(maxsize=4096)
def _json_text(value: str) -> str:
    return _CANONICAL.encode(value)


@lru_cache(maxsize=4096)
def _json_list(values: tuple[str, ...]) -> str:
    return _CANONICAL.encode(list(values))


def _digest_list(digests: tuple[str, ...]) -> str:
    """The JSON list of checked digests (nothing in them needs escaping)."""
    return '["' + '","'.join(digests) + '"]' if digests else "[]"


def record_digest(data: bytes) -> str:
    """How an event names a record that moved: ``sha256:`` and the hex digest of its bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 for values made of strings, booleans, small integers, lists and objects with
    ASCII keys: Python's sorted, compact, non-ASCII-preserving dump is exactly that form."""
    return _CANONICAL.encode(obj).encode()


def epoch_us(at: dt.datetime | dt.date) -> int:
    """Microseconds since 1970-01-01 UTC of an aware datetime, or of a date's UTC midnight."""
    if not isinstance(at, dt.datetime):
        at = dt.datetime(at.year, at.month, at.day, tzinfo=dt.UTC)
    elif at.utcoffset() is None:
        raise EventError(f"time {at.isoformat()} must be timezone-aware (or a date)")
    return (at - _EPOCH) // _MICROSECOND
