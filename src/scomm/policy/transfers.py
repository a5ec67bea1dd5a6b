"""The kinds of transfer between agencies that a sharing policy rules on.

Each transfer, except the first, only makes sense when an earlier one happened: an IAQ needs the
IDENT search, a detainer needs the field office to know. ``PREREQUISITE`` records that chain so
that a decision never allows a step whose input was refused.
"""

from __future__ import annotations

from enum import StrEnum


class Transfer(StrEnum):
    """One movement of a booking's data from one actor to another (DESIGN.md §1)."""

    PRINTS_TO_CJIS = "prints_to_cjis"  # LEA -> SIB -> FBI CJIS: the criminal-history check
    CRIMINAL_RESULT_TO_LEA = "criminal_result_to_lea"  # CJIS SRE -> LEA
    PRINTS_TO_IDENT = "prints_to_ident"  # CJIS -> DHS IDENT: the immigration search
    IDENT_RESULT_TO_LEA = "ident_result_to_lea"  # the immigration result (IAR copy) -> LEA
    IAQ_TO_LESC = "iaq_to_lesc"  # IDENT match -> ICE LESC: Immigration Alien Query
    IAR_TO_ERO = "iar_to_ero"  # LESC -> ICE field office: Immigration Alien Response
    DETAINER_TO_LEA = "detainer_to_lea"  # ERO -> LEA: I-247 detainer
    NOTIFICATION_REQUEST_TO_LEA = "notification_request_to_lea"  # ERO -> LEA: PEP's I-247N
    CUSTODY_TO_ERO = "custody_to_ero"  # LEA honours the detainer: holds and hands over

    @property
    def label(self) -> str:
        return _LABELS[self]


PREREQUISITE: dict[Transfer, Transfer | None] = {
    Transfer.PRINTS_TO_CJIS: None,
    Transfer.CRIMINAL_RESULT_TO_LEA: Transfer.PRINTS_TO_CJIS,
    Transfer.PRINTS_TO_IDENT: Transfer.PRINTS_TO_CJIS,
    Transfer.IDENT_RESULT_TO_LEA: Transfer.PRINTS_TO_IDENT,
    Transfer.IAQ_TO_LESC: Transfer.PRINTS_TO_IDENT,
    Transfer.IAR_TO_ERO: Transfer.IAQ_TO_LESC,
    Transfer.DETAINER_TO_LEA: Transfer.IAR_TO_ERO,
    Transfer.NOTIFICATION_REQUEST_TO_LEA: Transfer.IAR_TO_ERO,
    Transfer.CUSTODY_TO_ERO: Transfer.DETAINER_TO_LEA,
}

_LABELS: dict[Transfer, str] = {
    Transfer.PRINTS_TO_CJIS: "booking prints to the FBI (CJIS)",
    Transfer.CRIMINAL_RESULT_TO_LEA: "criminal-history result to the local agency",
    Transfer.PRINTS_TO_IDENT: "prints searched in DHS IDENT",
    Transfer.IDENT_RESULT_TO_LEA: "immigration result to the local agency",
    Transfer.IAQ_TO_LESC: "Immigration Alien Query to the ICE LESC",
    Transfer.IAR_TO_ERO: "Immigration Alien Response to the ICE field office",
    Transfer.DETAINER_TO_LEA: "detainer (I-247) to the local agency",
    Transfer.NOTIFICATION_REQUEST_TO_LEA: "request for notification (I-247N) to the local agency",
    Transfer.CUSTODY_TO_ERO: "person held for and handed to ICE",
}


def chain(transfer: Transfer) -> tuple[Transfer, ...]:
    """The transfers that must all be allowed for ``transfer`` to happen, first step first."""
    steps: list[Transfer] = []
    step: Transfer | None = transfer
    while step is not None:
        steps.append(step)
        step = PREREQUISITE[step]
    return tuple(reversed(steps))
