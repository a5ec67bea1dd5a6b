"""Plain value types shared by every part of scomm. Imports nothing else of scomm."""

from scomm.domain.booking import Booking, Charge, Person, age_on
from scomm.domain.codes import INDEX_FINGERS, TEN_FINGERS, FingerPosition, Race, Sex
from scomm.domain.level import Conviction, CriminalLevel, classify_level
from scomm.domain.offense import NcicOffense, Severity, offense_table
from scomm.domain.ori import Ori, county_number_from_fips, sheriff_ori
from scomm.domain.states import STATES, State, state_by_fips, state_by_ncic, state_by_postal
from scomm.domain.tcn import Tcn

__all__ = [
    "INDEX_FINGERS",
    "STATES",
    "TEN_FINGERS",
    "Booking",
    "Charge",
    "Conviction",
    "CriminalLevel",
    "FingerPosition",
    "NcicOffense",
    "Ori",
    "Person",
    "Race",
    "Severity",
    "Sex",
    "State",
    "Tcn",
    "age_on",
    "classify_level",
    "county_number_from_fips",
    "offense_table",
    "sheriff_ori",
    "state_by_fips",
    "state_by_ncic",
    "state_by_postal",
]
