"""A booking's policy facts, made from the booking agency's record: what the gate decides
every hand-over of the booking on."""

from __future__ import annotations

from typing import Any

from scomm.agencies.actors import BookingRecord
from scomm.policy import BookingFacts, Registry


class FactsMaker:
    """Policy facts of a booking from its record (activation dates cached per ORI)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._activation: dict[str, Any] = {}
        self._made: dict[int, tuple[BookingRecord, BookingFacts]] = {}

    def __call__(self, record: BookingRecord) -> BookingFacts:
        """The facts of ``record`` (a booking's messages follow each other closely, so the
        last few thousand are kept, by the record object: the runner keeps one per booking)."""
        kept = self._made.get(id(record))
        if kept is None or kept[0] is not record:  # kept[0] holds the id: never reused
            if len(self._made) >= 8192:
                self._made.clear()
            kept = self._made[id(record)] = (record, self._make(record))
        return kept[1]

    def _make(self, record: BookingRecord) -> BookingFacts:
        if record.ori not in self._activation:
            county = self.registry.county_for_ori(record.ori)
            self._activation[record.ori] = county.activation if county else None
        return BookingFacts(
            ori=record.ori,
            state=record.ori[:2],
            county_fips=record.county_fips,
            event_time=record.booked_at,
            activation_date=self._activation[record.ori],
            juvenile=record.juvenile,
            domestic_violence_victim=record.domestic_violence_victim,
            victim=record.victim,
            witness=record.witness,
            offenses=frozenset((record.arrest_offense,)),
        )
