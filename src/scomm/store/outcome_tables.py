"""What happened to each booking: the facts the reports aggregate.

The pipeline's stages fill one ``booking_outcome`` row per (run, TCN) as the booking moves:
the booking agency writes the booking facts, CJIS the criminal-history answer, IDENT the
immigration search, the LESC its status determination, the ERO field office the detainer and
what followed. Ground-truth columns (``truth_*``) come from a simulation and stay NULL in a live
service; they are never sent between agencies, only kept so that the statistics can say what
the system got right and wrong. ``weight`` is how many real bookings a row stands for when a
run samples (1.0 otherwise).

``replay_run`` records each run: which policy preset, scenario, seed and biometric mode.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Double, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from scomm.store.database import Base


class ReplayRun(Base):
    """One replay of bookings through the pipeline under one policy."""

    __tablename__ = "replay_run"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    policy: Mapped[str] = mapped_column(String(64))
    """Preset name or policy file, and its hash, e.g. ``historical@3f2a...``."""
    scenario: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(16))
    """``full`` (images, templates, 1:N search) or ``oracle`` (ground truth with engine errors)."""
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    parameters: Mapped[str] = mapped_column(Text, default="{}")
    """JSON: sample rate, period, counties, anything needed to repeat the run."""


class BookingOutcome(Base):
    """One booking and everything the system did with it."""

    __tablename__ = "booking_outcome"
    __table_args__ = (
        Index("ix_booking_outcome_run_time", "run_id", "booked_at"),
        Index("ix_booking_outcome_run_county", "run_id", "county_fips"),
    )

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tcn: Mapped[str] = mapped_column(String(40), primary_key=True)
    weight: Mapped[float] = mapped_column(Double, default=1.0)

    # booking facts (the LEA)
    ori: Mapped[str] = mapped_column(String(9))
    county_fips: Mapped[str | None] = mapped_column(String(5))
    state: Mapped[str] = mapped_column(String(2))
    """NCIC state code of the booking agency."""
    booked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    arrest_offense: Mapped[str] = mapped_column(String(4))
    """NCIC code of the first (most serious) arrest charge."""
    race: Mapped[str] = mapped_column(String(1))
    sex: Mapped[str] = mapped_column(String(1))
    age: Mapped[int] = mapped_column(Integer)
    juvenile: Mapped[bool] = mapped_column(Boolean, default=False)
    domestic_violence_victim: Mapped[bool] = mapped_column(Boolean, default=False)
    victim: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The person was booked as (or also is) the victim of a crime: the policy may protect them."""
    witness: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # criminal-history check (SIB, CJIS)
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    """The CAR reached CJIS (false: the LEA or SIB did not submit, or policy stopped it)."""
    cjis_result: Mapped[str | None] = mapped_column(String(4))
    """``I`` identified, ``N`` not identified, ``ERRT`` rejected; NULL: no answer (yet)."""
    errt_reason: Mapped[str | None] = mapped_column(Text)

    # immigration check (IDENT, LESC)
    ident_searched: Mapped[bool] = mapped_column(Boolean, default=False)
    ident_match: Mapped[bool] = mapped_column(Boolean, default=False)
    ident_result_to_lea: Mapped[bool] = mapped_column(Boolean, default=False)
    iaq_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    lesc_status: Mapped[str | None] = mapped_column(String(32))
    """The LESC's determination (e.g. ``removable``, ``lawful``, ``citizen``, ``unknown``)."""
    iar_to_ero: Mapped[bool] = mapped_column(Boolean, default=False)
    iar_to_lea: Mapped[bool] = mapped_column(Boolean, default=False)

    # ICE enforcement (ERO field office)
    field_office: Mapped[str | None] = mapped_column(String(64))
    criminal_level: Mapped[str | None] = mapped_column(String(16))
    """``CriminalLevel`` value as known to ICE at the booking (convictions up to then)."""
    detainer_issued: Mapped[bool] = mapped_column(Boolean, default=False)
    detainer_form: Mapped[str | None] = mapped_column(String(8))
    detainer_to_lea: Mapped[bool] = mapped_column(Boolean, default=False)
    """The detainer was delivered (the policy may stop it, e.g. under the TRUST Act)."""
    lift_reason: Mapped[str | None] = mapped_column(String(64))
    booked_into_ice: Mapped[bool] = mapped_column(Boolean, default=False)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    removed_on: Mapped[dt.date | None] = mapped_column(Date)
    level_at_removal: Mapped[str | None] = mapped_column(String(16))
    """``CriminalLevel`` value on ICE's removal record (convictions up to the removal day); set
    by the field office with the removal. ICE's statistics count removals by it."""

    # simulation ground truth (NULL in a live service)
    truth_person_id: Mapped[str | None] = mapped_column(String(32))
    truth_status: Mapped[str | None] = mapped_column(String(32))
    """``scomm.sim.ImmigrationStatus`` value."""
    truth_pretext: Mapped[bool | None] = mapped_column(Boolean)
    """The arrest was a pretext arrest added by the profiling setting."""
    truth_group: Mapped[str | None] = mapped_column(String(32))
    """The population group used by the profiling monitor."""
