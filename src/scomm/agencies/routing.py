"""Where messages go: the stages (one work queue each), message keys and the agencies' codes.

A message key is ``RUN|TCN|TOT``: the run it belongs to, the booking's TCN and the transaction
type. The work channel records (stage, key) as processed, so each booking is handled once per
stage and per message type (the SIB sees a booking's CAR and, later, its SRE) — redelivery
after a crash finds the record and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from scomm.domain import Ori

LEA = "lea"
"""The booking agency's outbox: CARs it has taken and will submit."""
SIB = "sib"
"""The State Identification Bureau: forwards CARs to the FBI and answers back to the agency."""
CJIS = "cjis"
IDENT = "ident"
LESC = "lesc"
ERO = "ero"
LEA_INBOX = "lea-inbox"
"""What comes back to the booking agency: SRE/ERRT, the IAR copy, detainers."""
STAGES = (LEA, SIB, CJIS, IDENT, LESC, ERO, LEA_INBOX)

CJIS_PARTY = "WVIAFIS0Z"  # the FBI's IAFIS/NGI, destination of every CAR (1.007 DAI)
IDENT_PARTY = "DHS-IDENT"
LESC_PARTY = "VTICE0900"  # ICE Law Enforcement Support Center, Williston VT

_RUN = re.compile(r"[A-Za-z0-9._\-]{1,64}")
_PARTY_DROP = re.compile(r"[^A-Za-z0-9._\-]+")


@dataclass(frozen=True, slots=True)
class MessageKey:
    """The key of a message on the work channel."""

    run_id: str
    tcn: str
    tot: str

    def __str__(self) -> str:
        return f"{self.run_id}|{self.tcn}|{self.tot}"

    @classmethod
    def parse(cls, key: str) -> MessageKey:
        parts = key.split("|")
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"message key {key!r} is not RUN|TCN|TOT")
        return cls(*parts)


def check_run_id(run_id: str) -> str:
    if not _RUN.fullmatch(run_id):
        raise ValueError(f"run id {run_id!r} must be 1-64 letters, digits, '.', '_' or '-'")
    return run_id


@lru_cache(maxsize=4096)
def sib_party(booking_ori: str) -> str:
    """The state bureau of the booking agency's state (``SIB-CA``)."""
    return f"SIB-{Ori(booking_ori).value[:2]}"


def ero_party(field_office: str) -> str:
    """The ERO field office as a ledger party (``ERO-Los_Angeles``)."""
    name = _PARTY_DROP.sub("_", field_office.strip()).strip("_") or "unknown"
    return f"ERO-{name}"[:64]
