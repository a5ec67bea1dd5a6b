"""The LESC's status determination after an IDENT match, with its errors.

The LESC reads DHS records, which lag reality: a naturalized citizen's file may still show the
green card, and a native-born citizen can be matched to someone else's record. The rates of
those errors are scenario parameters (``citizen_flagged_probability``); the data it is checked
against are the detainers lifted because the person was a US citizen
(``detainers_by_lift_reason_and_year.csv``, ``detainers_americans_by_year.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scomm.sim.scenario import IceParams, ImmigrationStatus


class LescStatus(StrEnum):
    """What the Immigration Alien Response says about the person's status."""

    US_CITIZEN = "us_citizen"
    PERMANENT_RESIDENT = "permanent_resident"
    NONIMMIGRANT = "nonimmigrant"
    UNLAWFULLY_PRESENT = "unlawfully_present"
    PREVIOUSLY_REMOVED = "previously_removed"
    UNDETERMINED = "undetermined"

    @property
    def lawful(self) -> bool:
        """Lawfully present: removable only for a deportable conviction."""
        return self in (LescStatus.PERMANENT_RESIDENT, LescStatus.NONIMMIGRANT)


_TRUE_STATUS = {
    ImmigrationStatus.CITIZEN: LescStatus.US_CITIZEN,
    ImmigrationStatus.NATURALIZED: LescStatus.US_CITIZEN,
    ImmigrationStatus.PERMANENT_RESIDENT: LescStatus.PERMANENT_RESIDENT,
    ImmigrationStatus.VISA_HOLDER: LescStatus.NONIMMIGRANT,
    ImmigrationStatus.OVERSTAY: LescStatus.UNLAWFULLY_PRESENT,
    ImmigrationStatus.ENTERED_WITHOUT_INSPECTION: LescStatus.UNLAWFULLY_PRESENT,
    ImmigrationStatus.PREVIOUSLY_REMOVED: LescStatus.PREVIOUSLY_REMOVED,
}

# The record a citizen is wrongly flagged with: the naturalized keep their old green card file;
# a native-born citizen is matched to a record of an unlawfully present person.
_WRONG_STATUS = {
    ImmigrationStatus.CITIZEN: LescStatus.UNLAWFULLY_PRESENT,
    ImmigrationStatus.NATURALIZED: LescStatus.PERMANENT_RESIDENT,
}


@dataclass(frozen=True, slots=True)
class LescDetermination:
    """The LESC's answer. ``erroneous`` is ground truth: the answer is wrong about a citizen."""

    status: LescStatus
    erroneous: bool
    reason: str

    @property
    def citizen_flagged(self) -> bool:
        return self.erroneous and self.status is not LescStatus.US_CITIZEN


def lesc_determination(
    true_status: ImmigrationStatus,
    params: IceParams,
    u_error: float,
    u_undetermined: float,
) -> LescDetermination:
    """Determine status from the true one; ``u_*`` are uniform draws in [0, 1)."""
    if u_undetermined < params.undetermined_probability.value:
        return LescDetermination(
            LescStatus.UNDETERMINED, False, "records insufficient to determine status"
        )
    wrong = _WRONG_STATUS.get(true_status)
    if wrong is not None:
        flagged = params.citizen_flagged_probability.value[true_status.value]
        if u_error < flagged:
            return LescDetermination(
                wrong, True, f"citizen flagged: DHS record shows {wrong.value} (outdated or wrong)"
            )
    status = _TRUE_STATUS[true_status]
    return LescDetermination(status, False, f"DHS records show {status.value}")
