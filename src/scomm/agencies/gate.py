"""The disclosure gate: the one way a booking's data moves from one agency to another.

For every hand-over a stage asks for, the gate asks the policy for a decision as of the
hand-over's event time (:meth:`DisclosureGate.clear`, before any transaction: decisions depend
on rules, facts and time only), then appends the decision (allowed or refused) and the
transfer to the ledger, and only then enqueues the message for the receiving agency
(:meth:`DisclosureGate.pass_all`) — both inside the caller's transaction, which also acks the
stage's incoming message and records it as processed. So a disclosure is logged if and only if
it happens, and a crash anywhere leaves neither.

Stages never hold the work channel: they return :class:`Handover` requests and the runner passes
them here. ``tests/agencies/test_gate.py`` checks that no other code in ``scomm.agencies``
enqueues anything (the booking desk's intake, which puts a CAR in the agency's own outbox, is
the one exception: nothing leaves the agency there).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from scomm.domain import Ori, Tcn
from scomm.ledger import EncodedEvent, Ledger
from scomm.ledger.entries import encode_disclosure
from scomm.policy import BookingFacts, Decision, PolicySet, Transfer
from scomm.store import Message, WorkChannel


@dataclass(frozen=True, slots=True)
class Handover:
    """A stage's request to hand EBTS bytes to another agency."""

    transfer: Transfer
    sender: str
    recipient: str
    stage: str
    """The recipient's work queue."""
    tot: str
    payload: bytes
    event_time: dt.datetime
    conviction_known: bool = False
    """Asked on a court's disposition: the policy is told a conviction is known."""
    repeat_of: dt.datetime | None = None
    """The event time at which the booking's arrest already asked for this transfer: the gate
    refuses a repeat (see :meth:`DisclosureGate.decide`)."""


@dataclass(frozen=True, slots=True)
class Clearance:
    """Hand-overs decided, their ledger entries encoded, the allowed ones' messages made:
    what :meth:`DisclosureGate.pass_all` logs and sends."""

    handovers: list[Handover]
    decisions: list[Decision]
    entries: list[EncodedEvent]
    messages: list[Message | None]
    """Each hand-over's message, None where refused."""

    @staticmethod
    def join(pieces: Sequence[tuple[Clearance, int, int]]) -> Clearance:
        """The hand-overs of each ``(clearance, first, count)``, in order: the part of a
        batch's clearance still to be committed when some of the batch was not."""
        picked = [(c, i) for c, first, count in pieces for i in range(first, first + count)]
        return Clearance(
            [c.handovers[i] for c, i in picked],
            [c.decisions[i] for c, i in picked],
            [c.entries[i] for c, i in picked],
            [c.messages[i] for c, i in picked],
        )


@dataclass(frozen=True, slots=True)
class Passage:
    """What the gate did with one hand-over."""

    handover: Handover
    decision: Decision
    ledger_index: int

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


_KEPT = 8192
_NO_REASON = ("no reason given",)
"""Per-booking values a gate keeps (a booking's hand-overs follow each other closely)."""


@functools.lru_cache(maxsize=_KEPT)
def _checked_names(tcn: str, ori: str) -> tuple[Tcn, Ori]:
    """The checked TCN and ORI values (one booking's recur for each of its hand-overs)."""
    return Tcn(tcn), Ori(ori)


@functools.lru_cache(maxsize=_KEPT)
def digest(payload: bytes) -> str:
    """How a ledger entry names the bytes that moved. Remembered: a message that is only
    forwarded (a CAR from the LEA to the state bureau, to CJIS and on to IDENT; an SRE; an
    IAR to the field office and to the agency) is the same bytes at every hop."""
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def _repeat(basis: Decision, why: str) -> Decision:
    reason = (
        f"no {basis.transfer.value} on the disposition: {why}, so the conviction adds no "
        f"disclosure ({'; '.join(basis.reasons)})"
    )
    return Decision(basis.transfer, False, (reason,), basis.rule_ids, basis.policy_hash)


class DisclosureGate:
    """Policy decision, ledger entry, then enqueue — in the caller's transaction."""

    def __init__(self, policy: PolicySet, ledger: Ledger, channel: WorkChannel) -> None:
        self.policy = policy
        self.ledger = ledger
        self.channel = channel
        self._variants: dict[int, tuple[BookingFacts, BookingFacts]] = {}

    def decide(self, handover: Handover, facts: BookingFacts) -> Decision:
        """The policy's decision as of the hand-over's event time.

        A hand-over asked on a disposition (``repeat_of`` set) exists for policies that share
        only once a conviction is known. It is refused when it would repeat what the arrest
        did or could do: when the transfer was allowed at the arrest (the prints already went;
        one IDENT search per booking), or when the policy allows or refuses it at this moment
        whatever the conviction (the conviction is not what allows it, so under ``historical``
        a disposition never starts a search the booking did not get). Both answers are
        functions of (rules, facts, time), so no stored state and no race decide them.
        """
        transfer, at = handover.transfer, handover.event_time
        plain = facts
        if handover.conviction_known:
            plain, facts = self._convicted(facts)
        decision = self.policy.decide(transfer, facts, at)
        if handover.repeat_of is None or not decision.allowed:
            return decision
        if plain.conviction_known:
            plain = replace(plain, conviction_known=False)
        earlier = self.policy.decide(transfer, plain, handover.repeat_of)
        if earlier.allowed:
            why = f"already allowed at the arrest ({handover.repeat_of:%Y-%m-%d %H:%M} UTC)"
            return _repeat(earlier, why)
        without = self.policy.decide(transfer, plain, at)
        if without.allowed:
            return _repeat(without, f"allowed on {at:%Y-%m-%d} whatever the conviction")
        return decision

    def _convicted(self, facts: BookingFacts) -> tuple[BookingFacts, BookingFacts]:
        """``facts`` and the same with a conviction known: made once per facts object (a
        booking's facts come back for each of its hand-overs; ``replace`` checks them again)."""
        kept = self._variants.get(id(facts))
        if kept is None or kept[0] is not facts:  # kept[0] holds the id: never reused
            if len(self._variants) >= _KEPT:
                self._variants.clear()
            kept = self._variants[id(facts)] = (facts, replace(facts, conviction_known=True))
        return kept

    def clear(
        self, run_id: str, requests: Sequence[tuple[BookingFacts, str, Handover]]
    ) -> Clearance:
        """Decide each ``(facts, tcn, handover)`` and encode its ledger entry and, where
        allowed, its message: all that needs no database, done before the transaction (so
        that worker processes do it in parallel even on SQLite, whose writes take turns)."""
        decisions = []
        entries = []
        messages: list[Message | None] = []
        for facts, tcn, handover in requests:
            decision = self.decide(handover, facts)
            allowed = decision.allowed
            checked_tcn, checked_ori = _checked_names(tcn, facts.ori)
            entries.append(
                encode_disclosure(
                    checked_tcn, checked_ori, handover.sender, handover.recipient, handover.tot,
                    handover.event_time, allowed, decision.reasons or _NO_REASON,
                    decision.rule_ids, decision.policy_hash,
                    (digest(handover.payload),) if allowed else (),
                )
            )  # fmt: skip
            decisions.append(decision)
            messages.append(
                Message(handover.stage, f"{run_id}|{tcn}|{handover.tot}", handover.payload)
                if allowed
                else None
            )
        handovers = [handover for _, _, handover in requests]
        return Clearance(handovers, decisions, entries, messages)

    def pass_all(
        self,
        session: Session | Connection,
        clearance: Clearance,
        delivered: Collection[int] = (),
    ) -> list[Passage]:
        """Log every decision of ``clearance`` (one ledger append) and enqueue the allowed
        messages (one statement), in the caller's transaction.

        ``delivered``: positions of allowed messages the caller has already handed to the
        receiving stage in its own process (:class:`scomm.agencies.runner.StageRunner`): that
        stage's work on them commits in this same transaction, so they are logged here like
        every other hand-over but not enqueued."""
        if not clearance.handovers:
            return []
        indices = self.ledger.append_encoded(clearance.entries, within=session)
        messages = clearance.messages
        if delivered:
            handed = set(delivered)
            if any(messages[i] is None for i in handed):
                raise ValueError("a refused hand-over cannot have been delivered")
            messages = [m for i, m in enumerate(messages) if i not in handed]
        self.channel.put_many([m for m in messages if m is not None], session)
        return [
            Passage(handover, decision, index)
            for handover, decision, index in zip(
                clearance.handovers, clearance.decisions, indices, strict=True
            )
        ]
