"""The ``oracle`` biometric fidelity: prints that name their finger, searched with the engine's
error rates instead of pixels.

An oracle CAR is a real EBTS CAR whose ten Type-4 records each carry a tiny uncompressed image
(GCA 0, one pixel high) whose pixels spell ``SCOMM-ORACLE <token> <finger>``.
The token stands for the ridge pattern: a one-way digest of the person's key, so the person's
key never travels, and two bookings of one person carry the same token as two real tenprints
would carry the same ridges. A gallery enrols tokens with the day each was enrolled.

A search is the ground truth (is the token enrolled before the event?) with the engine's error
rates applied: a mated search misses with probability FNIR, a non-mated search returns a false
candidate with probability FPIR. Each draw is a hash of (seed, TCN, gallery), so a redelivered
message gets the same answer. Agencies only see the :class:`IdentificationService` interface.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from scomm.agencies.identification import Candidate, Probe, SearchOutcome
from scomm.domain import INDEX_FINGERS, Booking, FingerPosition
from scomm.ebts import (
    CourtDisposition,
    EbtsError,
    EncodedImages,
    EncodedRecord,
    FingerImages,
    ImageInfo,
    encode_car,
    encode_cars,
)
from scomm.ebts.images import GCA_CODES
from scomm.ebts.records import BINARY_LEN_SIZE, header_struct

MARKER = b"SCOMM-ORACLE "
TOKEN_LENGTH = 20
_NONE = GCA_CODES["NONE"]
_LIVESCAN_PLAIN, _LIVESCAN_ROLLED = 0, 1


def finger_token(person_key: str) -> str:
    """The token standing for a person's ridges (hex, one-way from scomm's person key)."""
    return hashlib.sha256(b"scomm-oracle-ridges:" + person_key.encode()).hexdigest()[:TOKEN_LENGTH]


def oracle_print(token: str, position: FingerPosition) -> bytes:
    """The pixels of an oracle print of ``position`` for ``token``: one row of text bytes."""
    return MARKER + f"{token} {int(position)}".encode()


def oracle_car(
    booking: Booking,
    token: str,
    disposition: CourtDisposition | None = None,
    disposition_at: dt.datetime | None = None,
) -> bytes:
    """The CAR of ``booking`` whose ten Type-4 records are oracle prints for ``token``.

    Each record is an uncompressed (GCA 0) image one pixel high whose pixels spell
    ``SCOMM-ORACLE <token> <finger>``: a valid Type-4 record of a few dozen bytes, so an oracle
    CAR is about 1 KB where a real one is about 300 KB. With ``disposition``: the CAR
    re-submitted with the court's conviction at ``disposition_at``. Written straight to bytes
    (``encode_car``), the prints' records made once per token: a replay's booking desk makes
    one or two of these per booking while the workers drain.
    """
    return encode_car(
        booking, _oracle_images(token), disposition=disposition, disposition_at=disposition_at
    )


def oracle_cars(
    booking: Booking,
    token: str,
    disposition: CourtDisposition | None = None,
    disposition_at: dt.datetime | None = None,
) -> tuple[bytes, bytes | None]:
    """``oracle_car`` of the booking and, given the court's ``disposition``, of its
    re-submission at ``disposition_at`` (else None): what the booking desk enters for one
    booking, the values and the prints' records made once for both."""
    return encode_cars(booking, _oracle_images(token), disposition, disposition_at)


_TYPE4_HEADER = header_struct(4)
_FINGERS = tuple(
    (idc, _LIVESCAN_ROLLED if FingerPosition(idc).is_single_finger else _LIVESCAN_PLAIN)
    for idc in range(1, 11)
)
"""(IDC = finger position, impression) of an oracle CAR's ten Type-4 records."""


@lru_cache(maxsize=1024)
def _oracle_images(token: str) -> EncodedImages:
    """The ten Type-4 records of ``token``'s prints, IDC 1-10 in finger order, joined (a
    convicted booking's disposition, or the person's next booking, carries the same ones)."""
    text = token.encode()
    return EncodedImages.of(
        [
            EncodedRecord(4, finger, head + text + tail)
            for finger, (head, tail) in enumerate(_record_frames(len(text)), start=1)
        ]
    )


@lru_cache(maxsize=8)
def _record_frames(token_bytes: int) -> tuple[tuple[bytes, bytes], ...]:
    """What surrounds a token of ``token_bytes`` bytes in each of the ten records, encoded as
    ``BinaryRecord.image(4, ...)`` would be (tested against it): LEN, IDC, IMP, FGP (the
    finger, five unused), ISR 0, width, height 1, GCA none, then the pixels ``oracle_print``
    spells: the marker, the token, a space and the finger."""
    frames = []
    for finger, impression in _FINGERS:
        tail = f" {finger}".encode()
        width = len(MARKER) + token_bytes + len(tail)
        head = _TYPE4_HEADER.pack(finger, impression, finger, *(255,) * 5, 0, width, 1, _NONE)
        size = BINARY_LEN_SIZE + len(head) + width
        frames.append((size.to_bytes(BINARY_LEN_SIZE, "big") + head + MARKER, tail))
    return tuple(frames)


def token_of(images: Mapping[FingerPosition, ImageInfo]) -> str | None:
    """The oracle token the prints carry (None: not oracle prints). Prints of two people in one
    CAR are refused, as a real search would fail to make sense of them."""
    found: set[str] = set()
    if isinstance(images, FingerImages):
        items = images.encoded_items()
    else:
        items = ((p, info.compression, info.data) for p, info in images.items())
    for position, compression, text in items:
        if compression != "NONE" or not text.startswith(MARKER):
            return None
        token, _, finger = text[len(MARKER) :].decode("ascii", "replace").partition(" ")
        if finger != str(int(position)):
            raise EbtsError(f"oracle print of finger {finger} filed as {position.name}")
        found.add(token)
    if len(found) > 1:
        raise EbtsError("the CAR's prints belong to more than one person")
    return found.pop() if found else None


def _uniform(seed: int, *parts: str) -> float:
    text = "|".join((str(seed), *parts)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") / 2.0**64


@dataclass(frozen=True)
class ErrorRates:
    """A search's error rates at the operating threshold."""

    fnir: float
    """False-negative identification rate: a mated search returns no candidate."""
    fpir: float
    """False-positive identification rate: a non-mated search returns a candidate."""
    source: str = ""

    def __post_init__(self) -> None:
        if not (0.0 <= self.fnir < 1.0 and 0.0 <= self.fpir < 1.0):
            raise ValueError(f"error rates must be in [0, 1): {self}")


class OracleGallery:
    """Enrolled tokens with their enrolment day and the record id a hit reports."""

    def __init__(self, name: str, tokens: Iterable[str], days: Iterable[int], ids: Iterable[str]):
        self.name = name
        self.tokens = list(tokens)
        self.days = list(days)
        self.ids = list(ids)
        if not len(self.tokens) == len(self.days) == len(self.ids):
            raise ValueError("gallery columns differ in length")
        self._index = {token: i for i, token in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def enrolled(self, token: str, before: dt.date) -> int | None:
        """The entry of ``token`` if it was enrolled before ``before``."""
        i = self._index.get(token)
        if i is None or self.days[i] >= before.toordinal():
            return None
        return i

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp,
            name=np.array(self.name),
            tokens=np.array(self.tokens, dtype=f"S{TOKEN_LENGTH}"),
            days=np.array(self.days, dtype=np.int32),
            ids=np.array(self.ids, dtype="S32"),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> OracleGallery:
        with np.load(path) as data:
            return cls(
                str(data["name"]),
                (t.decode() for t in data["tokens"]),
                (int(d) for d in data["days"]),
                (i.decode() for i in data["ids"]),
            )


class OracleSearch:
    """1:N search of an :class:`OracleGallery` with deterministic errors.

    ``rates`` are those of the gallery's usual probe; a probe of more fingers than the two
    index fingers (IDENT's tenprint searches, from ``ident_tenprint_from``) errs at
    ``tenprint_rates`` when given: the full engine's ten-finger search is far more accurate
    than its two-finger one, and the oracle must not make it look otherwise."""

    def __init__(
        self, gallery: OracleGallery, rates: ErrorRates, seed: int,
        tenprint_rates: ErrorRates | None = None,
    ) -> None:  # fmt: skip
        self.gallery = gallery
        self.rates = rates
        self.tenprint_rates = tenprint_rates
        self.seed = seed

    def rates_for(self, fingers: int) -> ErrorRates:
        """The error rates of a probe of ``fingers`` prints."""
        if self.tenprint_rates is not None and fingers > len(INDEX_FINGERS):
            return self.tenprint_rates
        return self.rates

    @property
    def name(self) -> str:
        return self.gallery.name

    def search(self, probe: Probe) -> SearchOutcome:
        token = token_of(probe.images)
        if token is None:
            raise EbtsError("the prints are not oracle prints: this run searches in oracle mode")
        entry = self.gallery.enrolled(token, probe.event_time.date())
        rates = self.rates_for(len(probe.images))
        u = _uniform(self.seed, probe.tcn, self.gallery.name)
        if entry is not None:
            if u < rates.fnir:
                return SearchOutcome(None, mated=True)
            return SearchOutcome(Candidate(self.gallery.ids[entry], 1.0), mated=True)
        if u < rates.fpir and len(self.gallery):
            pick = int(
                _uniform(self.seed, probe.tcn, self.gallery.name, "pick") * len(self.gallery)
            )
            return SearchOutcome(Candidate(self.gallery.ids[pick], 0.0), mated=False)
        return SearchOutcome(None, mated=False)
