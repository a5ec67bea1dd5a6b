"""NCIC Uniform Offense Codes and the severity class scomm gives each of them.

NCIC codes say what an offense is, not how it is punished; ICE's criminal levels need the
latter. scomm therefore attaches to every code one of three severity classes, by category with
per-code exceptions. This is a documented model (``docs/domain.md``), not law: a conviction can
override it when the real sentence exposure is known.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources


class Severity(StrEnum):
    """How serious an offense is, for ICE's level rule."""

    AGGRAVATED = "aggravated"  # listed in ICE's Level-1 wording (aggravated-felony class)
    FELONY = "felony"  # punishable by more than one year
    MISDEMEANOR = "misdemeanor"  # punishable by less than one year

    @property
    def over_one_year(self) -> bool:
        return self is not Severity.MISDEMEANOR


_A, _F, _M = Severity.AGGRAVATED, Severity.FELONY, Severity.MISDEMEANOR

# Category defaults. Level-1 categories follow ICE's early wording: national security,
# homicide, kidnapping, sexual assault, robbery (aggravated assault, child abuse, weapons and
# drug trafficking are handled code by code below).
_CATEGORY_SEVERITY: dict[str, Severity] = {
    "01": _A, "02": _F, "03": _F, "09": _A, "10": _A, "11": _A, "12": _A, "13": _M,
    "14": _F, "16": _F, "17": _M, "20": _F, "21": _F, "22": _F, "23": _M, "24": _F,
    "25": _F, "26": _F, "27": _F, "28": _F, "29": _M, "35": _F, "36": _F, "37": _M,
    "38": _M, "39": _M, "40": _M, "41": _M, "48": _M, "49": _F, "50": _M, "51": _F,
    "52": _M, "53": _M, "54": _M, "55": _M, "56": _F, "57": _M, "58": _F, "59": _M,
    "60": _F, "61": _F, "62": _M, "63": _F, "64": _A, "70": _M, "71": _M, "72": _M,
    "73": _M, "80": _M, "81": _M,
}  # fmt: skip

_AGGRAVATED_ASSAULT = {f"13{n:02d}" for n in (*range(1, 13), 14, 15)}
_CODE_SEVERITY: dict[str, Severity] = {
    **dict.fromkeys(_AGGRAVATED_ASSAULT, _A),
    "1316": _F,  # intimidation, stalking
    "0301": _M,  # illegal entry (8 USC 1325, first offense)
    "0303": _A,  # alien smuggling
    # child abuse and sexual offenses against minors
    **dict.fromkeys(("3601", "3602", "3603", "3604", "3616", "3618", "3802"), _A),
    **dict.fromkeys(("3809", "3810", "3806"), _F),
    **dict.fromkeys(("3605", "3611", "3613", "3614", "3615", "3619", "3612"), _M),
    # weapons: explosives, incendiaries, trafficking
    **dict.fromkeys(("5204", "5205", "5206", "5207", "5208", "5209", "5211", "5214", "5217"), _A),
    **dict.fromkeys(("5201", "5203", "5213", "5215", "5216"), _F),
    "5401": _F,  # hit and run
    "5402": _F,  # transporting dangerous material
    "3562": _M,  # marijuana possession
    "3564": _M,
    "3550": _M,  # narcotic equipment
    "8001": _F,
    "8003": _A,  # deported criminal / aggravated felon
}

# Drug manufacture, sale, distribution, smuggling and production are trafficking: Level 1.
_TRAFFICKING_WORDS = ("SELL", "SMUGGL", "MFR", "DISTRIB", "PRODUCING")


@dataclass(frozen=True, slots=True)
class NcicOffense:
    """One NCIC Uniform Offense Code with its description, category and severity class."""

    code: str
    description: str
    category: str
    category_name: str
    severity: Severity

    @property
    def is_felony_class(self) -> bool:
        """True when scomm treats the offense as punishable by more than one year."""
        return self.severity.over_one_year

    @classmethod
    def lookup(cls, code: str | int) -> NcicOffense:
        """The offense for a 4-digit code (``"5404"`` or ``5404``); ``ValueError`` if unknown."""
        key = f"{code:04d}" if isinstance(code, int) else str(code).strip()
        if len(key) != 4 or not key.isdigit():
            raise ValueError(f"NCIC offense code must be 4 digits, got {code!r}")
        try:
            return offense_table()[key]
        except KeyError:
            raise ValueError(f"unknown NCIC offense code {key!r}") from None

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


def _severity_of(code: str, category: str, description: str) -> Severity:
    if code in _CODE_SEVERITY:
        return _CODE_SEVERITY[code]
    if category == "35" and any(w in description for w in _TRAFFICKING_WORDS):
        return Severity.AGGRAVATED
    return _CATEGORY_SEVERITY.get(category, Severity.MISDEMEANOR)


@cache
def offense_table() -> dict[str, NcicOffense]:
    """All 464 NCIC offense codes shipped with the package, by code."""
    text = resources.files("scomm.domain").joinpath("data/ncic_off_codes.csv").read_text()
    table: dict[str, NcicOffense] = {}
    for row in csv.DictReader(text.splitlines()):
        code, category = row["code"], row["category_2digit"]
        table[code] = NcicOffense(
            code=code,
            description=row["description"],
            category=category,
            category_name=row["category_name_from_xx99"],
            severity=_severity_of(code, category, row["description"]),
        )
    return table
