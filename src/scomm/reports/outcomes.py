"""A run's booking outcomes as columns: what every table and plot of the report is cut from.

Loading once into numpy arrays keeps the report independent of the SQL dialect and fast
(hundreds of thousands of rows aggregate in well under a second).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, select

from scomm.store.outcome_tables import BookingOutcome, ReplayRun

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Strings = npt.NDArray[np.object_]
Days = npt.NDArray[np.datetime64]


class ReportError(ValueError):
    """The run asked for cannot be reported (unknown run, no bookings)."""


@dataclass(frozen=True, slots=True)
class RunInfo:
    run_id: str
    policy: str
    scenario: str
    seed: int
    mode: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    parameters: dict[str, Any]


_TEXT = (
    "tcn",
    "ori",
    "county_fips",
    "state",
    "arrest_offense",
    "race",
    "cjis_result",
    "lesc_status",
    "criminal_level",
    "level_at_removal",
    "detainer_form",
    "lift_reason",
    "field_office",
    "truth_status",
    "truth_group",
)
_FLAGS = (
    "juvenile",
    "domestic_violence_victim",
    "victim",
    "witness",
    "submitted",
    "ident_searched",
    "ident_match",
    "ident_result_to_lea",
    "iaq_sent",
    "iar_to_ero",
    "iar_to_lea",
    "detainer_issued",
    "detainer_to_lea",
    "booked_into_ice",
    "removed",
    "truth_pretext",
)


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Every booking of one run, one array per column (same order everywhere)."""

    run: RunInfo
    weight: Floats
    booked_on: Days
    removed_on: Days
    text: dict[str, Strings]
    flag: dict[str, Bools]

    def __len__(self) -> int:
        return int(self.weight.shape[0])

    @property
    def month(self) -> Strings:
        """``YYYY-MM`` of each booking."""
        return np.asarray(self.booked_on.astype("datetime64[M]").astype(str), dtype=object)

    @property
    def removal_level(self) -> Strings:
        """The criminal level ICE's statistics count a removal under: the level on the removal
        record where the field office wrote one, otherwise the LESC's level at determination."""
        lesc = self.text["criminal_level"]
        recorded = self.text.get("level_at_removal")
        if recorded is None:
            return lesc
        missing = np.fromiter((v is None for v in recorded), dtype=bool, count=len(recorded))
        return np.where(missing, lesc, recorded)

    @classmethod
    def load(cls, engine: Engine, run_id: str) -> Outcomes:
        with engine.connect() as conn:
            run = conn.execute(select(ReplayRun).where(ReplayRun.run_id == run_id)).first()
            if run is None:
                known = conn.execute(select(ReplayRun.run_id)).scalars().all()
                raise ReportError(
                    f"no run {run_id!r} in the store; runs: {', '.join(known) or 'none'}"
                )
            columns = [BookingOutcome.__table__.c[name] for name in (*_TEXT, *_FLAGS)]
            extra = [
                BookingOutcome.weight,
                BookingOutcome.booked_at,
                BookingOutcome.removed_on,
            ]
            rows = conn.execute(
                select(*columns, *extra)
                .where(BookingOutcome.run_id == run_id)
                .order_by(BookingOutcome.booked_at, BookingOutcome.tcn)
            ).all()
        info = RunInfo(
            run_id=run.run_id,
            policy=run.policy,
            scenario=run.scenario,
            seed=run.seed,
            mode=run.mode,
            started_at=run.started_at,
            finished_at=run.finished_at,
            parameters=json.loads(run.parameters or "{}"),
        )
        return cls.from_rows(info, rows)

    @classmethod
    def from_rows(cls, run: RunInfo, rows: Sequence[Any]) -> Outcomes:
        n_text, n_flag = len(_TEXT), len(_FLAGS)
        columns = list(zip(*rows, strict=True)) if rows else [()] * (n_text + n_flag + 3)
        text = {
            name: np.asarray(columns[i], dtype=object).reshape(-1) for i, name in enumerate(_TEXT)
        }
        flag = {
            name: np.asarray([bool(v) for v in columns[n_text + i]], dtype=bool)
            for i, name in enumerate(_FLAGS)
        }
        weight = np.asarray(columns[n_text + n_flag], dtype=np.float64).reshape(-1)
        booked = np.asarray(
            [_day(at) for at in columns[n_text + n_flag + 1]], dtype="datetime64[D]"
        ).reshape(-1)
        removed = np.asarray(
            [_day(d) if d is not None else "NaT" for d in columns[n_text + n_flag + 2]],
            dtype="datetime64[D]",
        ).reshape(-1)
        return cls(run, weight, booked, removed, text, flag)


def _day(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.date().isoformat()
    return value.isoformat()
