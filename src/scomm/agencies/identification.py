"""Identification services: what CJIS and IDENT search with.

A stage holds an :class:`IdentificationService` and never knows which fidelity it is: ``full``
(templates extracted from the images, 1:N search) or ``oracle`` (:mod:`scomm.agencies.oracle`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from scomm.domain import FingerPosition
from scomm.ebts import ImageInfo


@dataclass(frozen=True, slots=True)
class Probe:
    """The prints of one transaction, still encoded, and when they were taken."""

    tcn: str
    event_time: dt.datetime
    images: Mapping[FingerPosition, ImageInfo]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A gallery record the search returned: its id (FBI number, IDENT FIN) and score."""

    record_id: str
    score: float


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    candidate: Candidate | None
    mated: bool | None = None
    """Ground truth where the service knows it (oracle); never sent to another agency."""

    @property
    def hit(self) -> bool:
        return self.candidate is not None


class IdentificationService(Protocol):
    """A 1:N search of one gallery."""

    @property
    def name(self) -> str: ...

    def search(self, probe: Probe) -> SearchOutcome: ...
