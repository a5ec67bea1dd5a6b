"""The agencies as stages: each turns one incoming EBTS message into hand-overs and facts.

Every function here is pure: it reads the message (and the booking's record), searches or
judges through the services it was given, builds the answering EBTS bytes and says which
hand-overs it asks the gate for and which outcome columns change. It touches no database and
no queue; :mod:`scomm.agencies.runner` commits its result through the gate.

Event times: a message's time is its event's time, not the wall clock. The CAR is sent at the
booking; the FBI answers two minutes later, IDENT's match query leaves at three, the LESC's
response at twenty and the field office's detainer an hour after the booking (fixed, documented
delays: the real ones are minutes to hours and do not change any decision's date).

A conviction is its own event: the court's disposition reaches CJIS as the booking's CAR
re-submitted with 2.051 CSL (tot ``DISP`` on the work channel), at :func:`disposition_time`.
CJIS then asks the gate for ``prints_to_ident`` with the conviction known; IDENT, the LESC and
the field office carry the conviction on (2.051 CSL in the IAQ, IAR and detainer) and time
their messages from the disposition with the same delays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from scomm.agencies import routing
from scomm.agencies.decisions import DetainerRule, StatusCheck
from scomm.agencies.gate import Handover
from scomm.agencies.identification import IdentificationService, Probe
from scomm.agencies.messages import car_facts, car_images, conviction
from scomm.agencies.messages import parsed as parse  # each message read once per process
from scomm.domain import INDEX_FINGERS, FingerPosition, Tcn
from scomm.ebts import (
    CourtDisposition,
    Detainer,
    EbtsError,
    Envelope,
    ErrorResponse,
    ImageInfo,
    ImmigrationQuery,
    ImmigrationResponse,
    SearchResult,
    Transaction,
    encode_detainer,
    encode_errt,
    encode_iaq,
    encode_iar,
    encode_sre,
    read_header,
    read_iaq,
    read_iar,
    rejection_messages,
    validate,
)
from scomm.policy import Registry, Transfer

DISP = "DISP"
"""Work-channel and ledger name of a court disposition (a CAR re-submitted with 2.051 CSL)."""
DELAYS = {
    "CAR": dt.timedelta(0),
    "CNA": dt.timedelta(0),
    DISP: dt.timedelta(0),
    "SRE": dt.timedelta(minutes=2),
    "ERRT": dt.timedelta(minutes=2),
    "IAQ": dt.timedelta(minutes=3),
    "IAR": dt.timedelta(minutes=20),
    "DTNR": dt.timedelta(hours=1),
}
NOTIFICATION_FORMS = frozenset({"I-247N"})
DISPOSITION_HOUR = dt.time(12, tzinfo=dt.UTC)
_HANDLERS = {
    routing.LEA: "lea",
    routing.SIB: "sib",
    routing.CJIS: "cjis",
    routing.IDENT: "ident",
    routing.LESC: "lesc",
    routing.ERO: "ero",
    routing.LEA_INBOX: "lea_inbox",
}
"""Each stage's method of :class:`Agencies`."""
DISPOSITION_AFTER = dt.timedelta(hours=2)


def disposition_time(booked_at: dt.datetime, convicted_on: dt.date) -> dt.datetime:
    """When a conviction's disposition reaches CJIS: noon UTC of the conviction day (the same
    calendar day in every US time zone), and never before the booking's own messages are
    through (two hours after the booking: the detainer leaves after one)."""
    noon = dt.datetime.combine(convicted_on, DISPOSITION_HOUR)
    return max(noon, booked_at + DISPOSITION_AFTER)


@dataclass(frozen=True, slots=True)
class BookingRecord:
    """What the booking agency recorded at the booking (its row of ``booking_outcome``)."""

    tcn: str
    ori: str
    county_fips: str | None
    booked_at: dt.datetime
    arrest_offense: str
    juvenile: bool
    domestic_violence_victim: bool
    victim: bool = False
    witness: bool = False

    def at(self, tot: str, conviction: CourtDisposition | None = None) -> dt.datetime:
        """The event time of message ``tot`` of the arrest's flow or, given the conviction,
        of the disposition's flow."""
        if conviction is None:
            return self.booked_at + DELAYS[tot]
        return disposition_time(self.booked_at, conviction.convicted_on) + DELAYS[tot]


@dataclass
class Step:
    """What a stage did with one message."""

    handovers: list[tuple[Handover, dict[str, Any]]] = field(default_factory=list)
    """Each hand-over, with the outcome columns to set if the gate lets it through."""
    updates: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Agencies:
    """The services the agencies act with; the same in a replay and in a live service."""

    registry: Registry
    criminal_search: IdentificationService
    immigration_search: IdentificationService
    status_check: StatusCheck
    detainer_rule: DetainerRule
    ident_tenprint_from: dt.date | None = None
    """From this day IDENT is searched with all ten fingers; before it (and when None) with the
    two index fingers, as the historical IDENT was."""

    def handler(self, stage: str) -> Callable[[str, bytes, BookingRecord], Step]:
        method: Callable[[str, bytes, BookingRecord], Step] = getattr(self, _HANDLERS[stage])
        return method

    # -- the booking agency and its state bureau ---------------------------------------------

    def lea(self, tot: str, payload: bytes, booking: BookingRecord) -> Step:
        """Submit the booking's CAR (or the court's disposition) through the state bureau."""
        sib = routing.sib_party(booking.ori)
        return Step(
            [(_handover(Transfer.PRINTS_TO_CJIS, booking.ori, sib, routing.SIB, tot, payload,
                        booking, _conviction_of(tot, payload)), {})]
        )  # fmt: skip

    def sib(self, tot: str, payload: bytes, booking: BookingRecord) -> Step:
        """Forward CARs to the FBI and the FBI's answers to the agency, unchanged."""
        sib = routing.sib_party(booking.ori)
        if tot in ("CAR", "CNA", DISP):
            handover = _handover(
                Transfer.PRINTS_TO_CJIS, sib, routing.CJIS_PARTY, routing.CJIS, tot, payload,
                booking, _conviction_of(tot, payload),
            )  # fmt: skip
            return Step([(handover, {})])
        handover = _handover(
            Transfer.CRIMINAL_RESULT_TO_LEA, sib, booking.ori, routing.LEA_INBOX, tot, payload,
            booking,
        )  # fmt: skip
        return Step([(handover, {})])

    def lea_inbox(self, tot: str, payload: bytes, booking: BookingRecord) -> Step:
        """Take delivery of an answer: the outcome records what reached the agency."""
        # Only an IAR is read whole; of the others the Type-1 says what they are.
        tx = parse(payload) if tot == "IAR" else None
        kind = tx.tot if tx is not None else read_header(payload).text(4)
        if kind != tot:
            raise EbtsError(f"message filed as {tot} is a {kind}", field="1.004")
        updates: dict[str, Any] = {}
        if tx is not None:
            read_iar(tx)
            updates = {"iar_to_lea": True, "ident_result_to_lea": True}
        elif tot == "DTNR":
            updates = {"detainer_to_lea": True}
        return Step(updates=updates)

    # -- the FBI ------------------------------------------------------------------------------

    def cjis(self, tot: str, payload: bytes, booking: BookingRecord) -> Step:
        """Check the CAR, search the criminal master file, answer SRE (or ERRT) and, where the
        policy allows, send the prints on to IDENT."""
        if tot == DISP:
            return self._disposition(payload, booking)
        sib = routing.sib_party(booking.ori)
        at = booking.at("SRE")
        reply_tcn = _reply_tcn(booking.tcn, "F")
        try:
            tx = parse(payload)
            problems = validate(tx)
            facts = car_facts(payload) if not problems else None
            if facts is not None and facts.tcn != booking.tcn:
                raise EbtsError(f"CAR TCN {facts.tcn} does not match the booking {booking.tcn}")
            images = car_images(payload) if facts is not None else {}
            if facts is not None and not images:
                raise EbtsError("the CAR carries no fingerprint images", record=4)
        except EbtsError as error:
            return self._errt(booking, sib, reply_tcn, at, rejection_messages(error))
        if facts is None:
            return self._errt(booking, sib, reply_tcn, at, rejection_messages(problems), tx)
        try:
            found = self.criminal_search.search(Probe(booking.tcn, booking.booked_at, images))
        except EbtsError as error:
            return self._errt(booking, sib, reply_tcn, at, rejection_messages(error), tx)
        result = SearchResult.answering(
            facts,
            tcn=reply_tcn,
            ori=routing.CJIS_PARTY,
            sent_at=at,
            identified=found.hit,
            fbi_number=found.candidate.record_id if found.candidate else "",
        )
        sre = encode_sre(result)
        step = Step(updates={"submitted": True, "cjis_result": "I" if found.hit else "N"})
        step.handovers.append(
            (_handover(Transfer.CRIMINAL_RESULT_TO_LEA, routing.CJIS_PARTY, sib, routing.SIB,
                       "SRE", sre, booking), {})
        )  # fmt: skip
        step.handovers.append(
            (_handover(Transfer.PRINTS_TO_IDENT, routing.CJIS_PARTY, routing.IDENT_PARTY,
                       routing.IDENT, "CAR", payload, booking), {"ident_searched": True})
        )  # fmt: skip
        return step

    def _disposition(self, payload: bytes, booking: BookingRecord) -> Step:
        """File a conviction against the booking and ask the gate to send the prints to IDENT
        as of the conviction, with the conviction known. The gate refuses a repeat: prints
        that went to IDENT at the arrest, or a policy for which the conviction changes nothing
        (:meth:`scomm.agencies.gate.DisclosureGate.decide`). A bad disposition is an error of
        its message (retried, then dead-lettered), never an answer to the agency: EBTS answers
        the arrest's CAR only."""
        tx = parse(payload)
        problems = validate(tx)
        if problems:
            raise EbtsError(f"disposition for {booking.tcn}: {problems[0].describe()}")
        facts = car_facts(payload)
        if facts.envelope.tcr != booking.tcn:
            raise EbtsError(
                f"disposition refers to {facts.envelope.tcr!r}, not the booking {booking.tcn}",
                field="1.010",
            )
        if facts.disposition is None:
            raise EbtsError("disposition carries no conviction", record=2, field="2.051")
        if not car_images(payload):
            raise EbtsError("the disposition carries no fingerprint images", record=4)
        handover = _handover(
            Transfer.PRINTS_TO_IDENT, routing.CJIS_PARTY, routing.IDENT_PARTY, routing.IDENT,
            DISP, payload, booking, facts.disposition,
        )  # fmt: skip
        handover = replace(handover, repeat_of=booking.at("CAR"))
        return Step([(handover, {"ident_searched": True})])

    def _errt(
        self,
        booking: BookingRecord,
        sib: str,
        reply_tcn: str,
        at: dt.datetime,
        messages: list[str],
        request: Transaction | None = None,
    ) -> Step:
        submitter = request.ori if request is not None else sib
        envelope = Envelope(reply_tcn, routing.CJIS_PARTY, submitter, at, booking.tcn)
        errt = encode_errt(ErrorResponse(envelope, tuple(messages), booking.ori))
        step = Step(
            updates={"submitted": True, "cjis_result": "ERRT", "errt_reason": "; ".join(messages)}
        )
        step.handovers.append(
            (_handover(Transfer.CRIMINAL_RESULT_TO_LEA, routing.CJIS_PARTY, sib, routing.SIB,
                       "ERRT", errt, booking), {})
        )  # fmt: skip
        return step

    # -- DHS and ICE --------------------------------------------------------------------------

    def ident(self, tot: str, payload: bytes, booking: BookingRecord) -> Step:
        """Search the immigration gallery (two index fingers, or ten from
        ``ident_tenprint_from``); on a match, query the LESC (IAQ)."""
        facts = car_facts(payload)
        conviction = facts.disposition
        images: Mapping[FingerPosition, ImageInfo] = car_images(payload)
        searched_at = booking.at("CAR", conviction)
        switch = self.ident_tenprint_from
        if switch is None or searched_at.date() < switch:
            images = {p: images[p] for p in images if p in INDEX_FINGERS}
        found = self.immigration_search.search(Probe(booking.tcn, searched_at, images))
        step = Step(updates={"ident_searched": True, "ident_match": found.hit})
        if found.candidate is None:
            return step
        query = ImmigrationQuery.for_car(
            facts,
            tcn=_reply_tcn(booking.tcn, "Q"),
            ori=routing.IDENT_PARTY,
            dai=routing.LESC_PARTY,
            sent_at=booking.at("IAQ", conviction),
            ident_fin=found.candidate.record_id,
        )
        if conviction is not None:
            query = replace(query, envelope=replace(query.envelope, tcr=booking.tcn))
        iaq = encode_iaq(query)
        step.handovers.append(
            (_handover(Transfer.IAQ_TO_LESC, routing.IDENT_PARTY, routing.LESC_PARTY,
                       routing.LESC, "IAQ", iaq, booking, conviction), {"iaq_sent": True})
        )  # fmt: skip
        return step

    def field_office(self, booking: BookingRecord) -> str:
        county = self.registry.county_for_ori(booking.ori)
        return county.field_office if county is not None else "unknown"

    def lesc(self, tot: str, payload: bytes, booking: BookingRecord) -> Step:
        """Determine status; send the IAR to the field office and a copy to the agency."""
        query = read_iaq(parse(payload))
        conviction = query.conviction
        at = booking.at("IAR", conviction)
        finding = self.status_check.determine(query, booking.tcn, at)
        office = self.field_office(booking)
        ero = routing.ero_party(office)
        response = ImmigrationResponse(
            Envelope(_reply_tcn(booking.tcn, "R"), routing.LESC_PARTY, ero, at, booking.tcn),
            query.subject,
            query.booking_ori,
            finding.status,
            finding.removable,
            finding.level,
            office[:50],
            finding.note[:100],
            query.ident_fin,
            query.fbi_number,
            query.offenses,
            conviction,
        )
        iar = encode_iar(response)
        step = Step(updates={"lesc_status": finding.label, "field_office": office[:64]})
        if finding.level is not None:
            step.updates["criminal_level"] = finding.level.value
        step.handovers.append(
            (_handover(Transfer.IAR_TO_ERO, routing.LESC_PARTY, ero, routing.ERO, "IAR", iar,
                       booking, conviction), {"iar_to_ero": True})
        )  # fmt: skip
        step.handovers.append(
            (_handover(Transfer.IDENT_RESULT_TO_LEA, routing.LESC_PARTY, booking.ori,
                       routing.LEA_INBOX, "IAR", iar, booking, conviction), {})
        )  # fmt: skip
        return step

    def ero(self, tot: str, payload: bytes, booking: BookingRecord) -> Step:
        """Decide on a detainer and, if one is issued, lodge it with the booking agency. What
        followed (custody, removal and the level on ICE's removal record) is written with the
        decision, in the same transaction."""
        response = read_iar(parse(payload))
        conviction = response.conviction
        at = booking.at("DTNR", conviction)
        choice = self.detainer_rule.decide(response, booking.tcn, at)
        updates: dict[str, Any] = {
            "detainer_issued": choice.form is not None,
            "detainer_form": choice.form,
            "lift_reason": choice.lift_reason,
            "booked_into_ice": choice.booked_into_ice,
            "removed": choice.removed_on is not None,
            "removed_on": choice.removed_on,
            "level_at_removal": (
                choice.level_at_removal.value if choice.level_at_removal is not None else None
            ),
        }
        step = Step(updates=updates)
        if choice.form is None:
            return step
        ero = routing.ero_party(self.field_office(booking))
        detainer = Detainer(
            Envelope(_reply_tcn(booking.tcn, "D"), ero, booking.ori, at, booking.tcn),
            response.subject,
            response.booking_ori,
            response.field_office or self.field_office(booking)[:50],
            at.date(),
            form=choice.form,
            action=choice.action,
            basis=choice.basis[:100],
            level=response.level,
            ident_fin=response.ident_fin,
            fbi_number=response.fbi_number,
            conviction=conviction,
        )
        transfer = (
            Transfer.NOTIFICATION_REQUEST_TO_LEA
            if choice.form in NOTIFICATION_FORMS
            else Transfer.DETAINER_TO_LEA
        )
        dtnr = encode_detainer(detainer)
        step.handovers.append(
            (_handover(transfer, ero, booking.ori, routing.LEA_INBOX, "DTNR", dtnr, booking,
                       conviction), {})
        )  # fmt: skip
        return step


def _reply_tcn(tcn: str, suffix: str) -> str:
    """The TCN of a message answering booking ``tcn`` (still a valid TCN)."""
    return Tcn(f"{tcn[:38]}-{suffix}").value


def _handover(
    transfer: Transfer,
    sender: str,
    recipient: str,
    stage: str,
    tot: str,
    payload: bytes,
    booking: BookingRecord,
    conviction: CourtDisposition | None = None,
) -> Handover:
    return Handover(
        transfer, sender, recipient, stage, tot, payload, booking.at(tot, conviction),
        conviction_known=conviction is not None,
    )  # fmt: skip


def _conviction_of(tot: str, payload: bytes) -> CourtDisposition | None:
    """The conviction a disposition carries (only ``DISP`` messages are read for it)."""
    if tot != DISP:
        return None
    disposition = conviction(payload)  # the images are CJIS's to refuse
    if disposition is None:
        raise EbtsError("disposition carries no conviction", record=2, field="2.051")
    return disposition
