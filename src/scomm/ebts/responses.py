"""The FBI's answers to a CAR: SRE (search results) and ERRT (the submission was rejected)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from scomm.ebts.car import CarFacts
from scomm.ebts.codec import read_header
from scomm.ebts.envelope import Envelope, text_message, text_transaction, type2_of
from scomm.ebts.errors import EbtsError
from scomm.ebts.transaction import Transaction
from scomm.ebts.validate import Violation

MSG_MAX_LENGTH = 300
MSG_MAX_COUNT = 11  # EBTS 9.1: 2.060 MSG occurs 1-11 times in an ERRT


@dataclass(frozen=True, slots=True)
class SearchResult:
    """SRE: identified (2.059 SRF ``I``) or not (``N``), with the FBI number when identified."""

    envelope: Envelope
    identified: bool
    name: str  # 2.018 NAM as submitted (or as on file when identified)
    controlling_agency: str  # 2.073 CRI
    fbi_number: str = ""

    @classmethod
    def answering(
        cls,
        car: CarFacts,
        *,
        tcn: str,
        ori: str,
        sent_at: dt.datetime,
        identified: bool,
        fbi_number: str = "",
    ) -> SearchResult:
        """The SRE for a CAR: back to its submitter, referring to its TCN."""
        envelope = Envelope(tcn, ori, car.envelope.ori, sent_at, car.tcn)
        return cls(envelope, identified, car.subject.nam, car.booking_ori, fbi_number)


def build_sre(result: SearchResult) -> Transaction:
    return text_transaction("SRE", result.envelope, _sre_values(result))


def encode_sre(result: SearchResult) -> bytes:
    """``build_sre(result).to_bytes()``, written straight from the values."""
    return text_message("SRE", result.envelope, _sre_values(result))


def _sre_values(result: SearchResult) -> dict[int, str | Sequence[Sequence[str]]]:
    if not result.envelope.tcr:
        raise EbtsError("an SRE must refer to the CAR it answers (TCR)", field="1.010")
    type2: dict[int, str | Sequence[Sequence[str]]] = {
        18: result.name,
        59: "I" if result.identified else "N",
        73: result.controlling_agency,
    }
    if result.identified and result.fbi_number:
        type2[14] = result.fbi_number
    return type2


def read_sre(tx: Transaction) -> SearchResult:
    record = type2_of(tx, "SRE")
    srf = record.text(59)
    if srf not in ("I", "N"):
        raise EbtsError(f"SRF {srf!r} must be I or N", record=2, field="2.059")
    return SearchResult(
        Envelope.read(tx), srf == "I", record.text(18), record.text(73), record.text(14)
    )


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """ERRT: the reasons a submission was rejected (2.060 MSG)."""

    envelope: Envelope
    messages: tuple[str, ...]
    controlling_agency: str = ""


def build_errt(response: ErrorResponse) -> Transaction:
    return text_transaction("ERRT", response.envelope, _errt_values(response))


def encode_errt(response: ErrorResponse) -> bytes:
    """``build_errt(response).to_bytes()``, written straight from the values."""
    return text_message("ERRT", response.envelope, _errt_values(response))


def _errt_values(response: ErrorResponse) -> dict[int, str | Sequence[Sequence[str]]]:
    if not response.messages:
        raise EbtsError("an ERRT needs at least one message", field="2.060")
    type2: dict[int, str | Sequence[Sequence[str]]] = {
        60: [(m,) for m in fit_messages(response.messages)]
    }
    if response.controlling_agency:
        type2[73] = response.controlling_agency
    return type2


def read_errt(tx: Transaction) -> ErrorResponse:
    record = type2_of(tx, "ERRT")
    field = record.get(60)
    messages = field.values if field is not None else ()
    return ErrorResponse(Envelope.read(tx), messages, record.text(73))


def fit_messages(messages: Sequence[str]) -> list[str]:
    """Messages as 2.060 allows them: printable ASCII, 300 characters, 11 at most (the last
    one then says how many more there were)."""
    cleaned = [_printable(m)[:MSG_MAX_LENGTH] or "error" for m in messages]
    if len(cleaned) > MSG_MAX_COUNT:
        extra = len(cleaned) - (MSG_MAX_COUNT - 1)
        cleaned = [*cleaned[: MSG_MAX_COUNT - 1], f"... and {extra} more problems"]
    return cleaned


def _printable(text: str) -> str:
    return "".join(c if " " <= c <= "~" else "?" for c in text).strip()


def rejection_messages(problems: Sequence[Violation] | EbtsError) -> list[str]:
    """ERRT messages for a set of violations or for a file that could not be read at all."""
    if isinstance(problems, EbtsError):
        return [f"unreadable transaction: {problems}"]
    return [v.describe() for v in problems]


def reject(
    request: Transaction,
    problems: Sequence[Violation] | EbtsError,
    *,
    tcn: str,
    ori: str,
    sent_at: dt.datetime,
) -> Transaction:
    """The ERRT answering ``request``: to its submitter, its TCN as TCR, the reasons as MSG."""
    type2 = request.tagged(2)
    cri = type2.text(73) if type2 is not None else ""
    envelope = Envelope(tcn, ori, request.ori, sent_at, request.tcn)
    return build_errt(ErrorResponse(envelope, tuple(rejection_messages(problems)), cri))


def reject_unreadable(
    data: bytes,
    error: EbtsError,
    *,
    tcn: str,
    ori: str,
    sent_at: dt.datetime,
    fallback_dai: str,
) -> Transaction:
    """The ERRT for bytes that did not parse: addressed from their Type-1 when it is readable,
    else to ``fallback_dai`` (the channel the bytes came from)."""
    try:
        header = read_header(data)
        dai, tcr = header.text(8) or fallback_dai, header.text(9)
    except EbtsError:
        dai, tcr = fallback_dai, ""
    envelope = Envelope(tcn, ori, dai, sent_at, tcr)
    return build_errt(ErrorResponse(envelope, tuple(rejection_messages(error))))
