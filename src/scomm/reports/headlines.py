"""The questions the public asked, answered in a sentence each from a run's outcomes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scomm.domain import CriminalLevel
from scomm.reports.outcomes import Bools, Outcomes
from scomm.reports.tables import totals

CITIZEN_STATUSES = ("citizen", "naturalized")


@dataclass(frozen=True, slots=True)
class Headline:
    key: str
    value: float
    text: str


def _pct(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


def headlines(outcomes: Outcomes) -> list[Headline]:
    """Headline figures, each with the sentence a reader would quote."""
    w, flag, text = outcomes.weight, outcomes.flag, outcomes.text
    t = totals(outcomes)
    removed = flag["removed"]
    level = outcomes.removal_level
    n_removed = t["removals"]
    non_criminal = float(np.sum(w[removed & (level == CriminalLevel.NON_CRIMINAL.value)]))
    level_1 = float(np.sum(w[removed & (level == CriminalLevel.LEVEL_1.value)]))
    lines = [
        Headline(
            "submissions",
            t["submissions"],
            f"{t['submissions']:,.0f} fingerprint submissions; {t['ident_matches']:,.0f} IDENT "
            f"matches ({_pct(t['ident_matches'], t['submissions'])}); {t['detainers']:,.0f} "
            f"detainers; {t['book_ins']:,.0f} booked into ICE custody; {n_removed:,.0f} removed.",
        ),
        Headline(
            "removed_non_criminal_share",
            non_criminal / n_removed if n_removed else 0.0,
            f"Of the {n_removed:,.0f} people removed, {_pct(non_criminal, n_removed)} had no "
            f"criminal conviction; {_pct(level_1, n_removed)} were Level 1.",
        ),
        Headline(
            "removed_level_1_share",
            level_1 / n_removed if n_removed else 0.0,
            f"Level 1 (the 'dangerous criminals' the program was sold on): {level_1:,.0f} of "
            f"{n_removed:,.0f} removals ({_pct(level_1, n_removed)}).",
        ),
    ]
    status = text["truth_status"]
    if any(s is not None for s in status):
        citizen = np.isin(status.astype(str), CITIZEN_STATUSES)
        matched = float(np.sum(w[citizen & flag["ident_match"]]))
        detained = float(np.sum(w[citizen & flag["detainer_issued"]]))
        lines.append(
            Headline(
                "citizens_flagged",
                matched,
                f"US citizens matched in IDENT: {matched:,.0f}; of them {detained:,.0f} got an "
                "immigration detainer.",
            )
        )
    # Crime victims include domestic-violence victims (the booking agency flags both).
    victims = flag["victim"] | flag["domestic_violence_victim"]
    dv = flag["domestic_violence_victim"]
    referred = float(np.sum(w[victims & flag["iaq_sent"]]))
    lines.append(
        Headline(
            "victims_referred",
            referred,
            f"Crime victims booked: {float(np.sum(w[victims])):,.0f} (domestic violence: "
            f"{float(np.sum(w[dv])):,.0f}); referred to ICE (an IAQ sent): {referred:,.0f} "
            f"(domestic violence: {float(np.sum(w[dv & flag['iaq_sent']])):,.0f}); detainers: "
            f"{float(np.sum(w[victims & flag['detainer_issued']])):,.0f}; removed: "
            f"{float(np.sum(w[victims & flag['removed']])):,.0f}.",
        )
    )
    lines.append(_protected(outcomes, "witnesses_referred", "Witnesses", flag["witness"]))
    lines.append(_protected(outcomes, "juveniles_referred", "Juveniles", flag["juvenile"]))
    return lines


def _protected(outcomes: Outcomes, key: str, who: str, mask: Bools) -> Headline:
    """How many of a group a safeguard would protect were booked, referred and removed."""
    w, flag = outcomes.weight, outcomes.flag
    referred = float(np.sum(w[mask & flag["iaq_sent"]]))
    return Headline(
        key,
        referred,
        f"{who} booked: {float(np.sum(w[mask])):,.0f}; referred to ICE: {referred:,.0f}; "
        f"removed: {float(np.sum(w[mask & flag['removed']])):,.0f}.",
    )
