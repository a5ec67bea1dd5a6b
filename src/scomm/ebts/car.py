"""CAR: the Criminal Tenprint Submission (Answer Required) that carries a booking to the FBI.

Type-1 envelope, Type-2 with the arrestee's descriptors and arrest charges, one Type-4 record
(500 ppi) or Type-14 record (any other resolution) per finger, WSQ compressed. Arrest charges
travel in 2.047 ASL as ``DOO`` (date of offense) and ``AOL`` (arrest offense literal); scomm
writes each AOL as ``"<NCIC code> <literal>"`` so that the offense code survives the trip.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypedDict, Unpack

import numpy as np

from scomm.domain import Booking, Charge, FingerPosition, NcicOffense, Ori, Tcn
from scomm.ebts.codec import read_text_records
from scomm.ebts.dates import read_day
from scomm.ebts.envelope import (
    FBI_CJIS_ORI,
    FINGERPRINT_RESOLUTION,
    EncodedImages,
    EncodedRecord,
    Envelope,
    Subject,
    format_date,
    text_message,
    text_transaction,
    type2_of,
)
from scomm.ebts.errors import EbtsError
from scomm.ebts.images import (
    GCA_CODES,
    ImageInfo,
    PixelArray,
    binary_compression,
    encode_wsq,
    image_info,
    native_ppi,
    wsq_dimensions,
)
from scomm.ebts.records import BinaryRecord, Record, TaggedRecord
from scomm.ebts.transaction import Transaction

CAR_TOTS = ("CAR", "CNA")
LIVESCAN_ROLLED, LIVESCAN_PLAIN = 1, 0
_AOL = re.compile(r"(\d{4})(?: (.*))?", re.S)
_AOL_MAX = 300
CONVICTED = "CONVICTED"
"""2.051 CSL's CPL (court provision literal) of a conviction scomm reports."""
UNKNOWN_HEIGHT, UNKNOWN_WEIGHT, UNKNOWN_COLOR = "000", "000", "XXX"

FingerImage = PixelArray | bytes


@dataclass(frozen=True, slots=True)
class CourtDisposition:
    """A conviction for a booking's charge, as the court reports it in 2.051 CSL: CDD the
    disposition date, COL ``"<NCIC code> <literal>"`` (as 2.047's AOL), CPL ``CONVICTED``."""

    convicted_on: dt.date
    offense: NcicOffense

    def court_segment(self) -> tuple[str, str, str]:
        col = f"{self.offense.code} {self.offense.description}"[:_AOL_MAX]
        return (format_date(self.convicted_on), col, CONVICTED)

    @classmethod
    def read(cls, record: TaggedRecord) -> CourtDisposition | None:
        """The first conviction in a Type-2's 2.051 CSL (None: none scomm can read; court
        segments of outside files without an NCIC code or ``CONVICTED`` are left alone)."""
        for items in record.subfields(51):
            if len(items) < 3 or items[2] != CONVICTED:
                continue
            match = _AOL.fullmatch(items[1])
            try:
                offense = NcicOffense.lookup(match.group(1)) if match else None
            except ValueError:
                offense = None
            if offense is None:
                continue
            try:
                day = read_day(items[0])
            except ValueError:
                raise EbtsError(
                    f"CDD {items[0]!r} is not a date CCYYMMDD", record=2, field="2.051"
                ) from None
            return cls(day, offense)
        return None


@dataclass(frozen=True, slots=True)
class CarFacts:
    """What a CAR says about the booking (scomm's person key never travels)."""

    envelope: Envelope
    subject: Subject
    booking_ori: str  # 2.073 CRI, the agency that booked
    arrested_on: dt.date
    charges: tuple[Charge, ...]
    unparsed_charges: tuple[str, ...] = ()  # AOLs without an NCIC code (outside files)
    disposition: CourtDisposition | None = None
    """The conviction in 2.051 CSL: set on a CAR re-submitted with the court's disposition."""

    @property
    def tcn(self) -> str:
        return self.envelope.tcn

    @property
    def booked_at(self) -> dt.datetime:
        return self.envelope.sent_at

    def booking(self, person_id: str) -> Booking:
        """The booking again, keyed to ``person_id`` (which the CAR does not carry)."""
        try:
            return Booking(
                tcn=Tcn(self.envelope.tcn),
                ori=Ori(self.booking_ori),
                person=self.subject.person(person_id),
                booked_at=self.booked_at,
                charges=self.charges,
            )
        except ValueError as exc:
            raise EbtsError(f"CAR does not describe a valid booking: {exc}") from None


class CarOptions(TypedDict, total=False):
    """``build_car``'s keyword arguments that pass on to ``car_values`` (which holds their
    defaults), listed once for both."""

    destination: str | Ori
    tot: str
    submitter: str | Ori | None
    height: str
    weight: str
    eyes: str
    hair: str
    retain: bool
    disposition: CourtDisposition | None
    disposition_at: dt.datetime | None


def build_car(
    booking: Booking,
    images: Mapping[FingerPosition, FingerImage],
    *,
    ppi: int = 500,
    **options: Unpack[CarOptions],
) -> Transaction:
    """A CAR for ``booking`` with one image per finger position.

    ``images`` holds grayscale uint8 arrays (WSQ-encoded here, the costly part) or already
    encoded WSQ bytes. ``submitter`` is 1.008 ORI when a SIB forwards for the booking agency
    (default: the booking agency itself, which is also 2.073 CRI).

    With ``disposition`` it is the booking's CAR re-submitted with the court's conviction
    (2.051 CSL) at ``disposition_at`` (1.014 GMT): its own TCN (``<booking TCN>-C``) and the
    booking's TCN in 1.010 TCR; the arrest fields (2.045 DOA, 2.047 ASL) stay the booking's.
    The other keyword arguments and their defaults are ``car_values``'.
    """
    envelope, type2 = car_values(booking, **options)
    if not images:
        raise EbtsError("a CAR needs at least one fingerprint image")
    if ppi <= 0:
        raise EbtsError(f"ppi must be positive, got {ppi}")
    day = booking.booked_at.date()
    records: list[Record] = []
    for idc, (position, image) in enumerate(sorted(images.items()), start=1):
        records.append(_image_record(FingerPosition(position), image, idc, ppi, booking, day))
    tot = options.get("tot", "CAR")
    return text_transaction(tot, envelope, type2, images=records, resolution=FINGERPRINT_RESOLUTION)


def encode_car(
    booking: Booking,
    images: Sequence[EncodedRecord] | EncodedImages,
    *,
    disposition: CourtDisposition | None = None,
    disposition_at: dt.datetime | None = None,
) -> bytes:
    """``build_car(booking, ...).to_bytes()`` for 500 ppi image records already encoded
    (IDC 1, 2, ... in finger order), written straight from the values: the same bytes
    (``tests/ebts/test_car_property.py``). A replay's booking desk makes a CAR per booking
    this way, while the workers drain (about a quarter of the cost of building it)."""
    if not images:
        raise EbtsError("a CAR needs at least one fingerprint image")
    envelope, type2 = car_values(booking, disposition=disposition, disposition_at=disposition_at)
    return text_message("CAR", envelope, type2, images=images, resolution=FINGERPRINT_RESOLUTION)


def encode_cars(
    booking: Booking,
    images: Sequence[EncodedRecord] | EncodedImages,
    disposition: CourtDisposition | None = None,
    disposition_at: dt.datetime | None = None,
) -> tuple[bytes, bytes | None]:
    """``encode_car`` of the booking and, given the court's ``disposition``, of its
    re-submission (else None): the booking's values are made once for both."""
    if not images:
        raise EbtsError("a CAR needs at least one fingerprint image")
    at = None if disposition is None else _disposition_time(booking, disposition_at)
    envelope, type2 = car_values(booking)  # (a bad disposition time is refused first, as there)
    car = text_message("CAR", envelope, type2, images=images, resolution=FINGERPRINT_RESOLUTION)
    if disposition is None or at is None:
        return car, None
    envelope, type2 = _with_disposition(booking, envelope, type2, disposition, at)
    return car, text_message(
        "CAR", envelope, type2, images=images, resolution=FINGERPRINT_RESOLUTION
    )


def car_values(
    booking: Booking,
    *,
    destination: str | Ori = FBI_CJIS_ORI,
    tot: str = "CAR",
    submitter: str | Ori | None = None,
    height: str = UNKNOWN_HEIGHT,
    weight: str = UNKNOWN_WEIGHT,
    eyes: str = UNKNOWN_COLOR,
    hair: str = UNKNOWN_COLOR,
    retain: bool = True,
    disposition: CourtDisposition | None = None,
    disposition_at: dt.datetime | None = None,
) -> tuple[Envelope, dict[int, str | Sequence[Sequence[str]]]]:
    """A CAR's envelope and Type-2 values (``build_car`` says what each argument means)."""
    _check_tot(tot)
    when = booking.booked_at
    envelope = Envelope(
        tcn=str(booking.tcn),
        ori=str(submitter if submitter is not None else booking.ori),
        dai=str(destination),
        sent_at=when,
    )
    at = None if disposition is None else _disposition_time(booking, disposition_at)
    doo = format_date(when.date())
    type2: dict[int, str | Sequence[Sequence[str]]] = {
        **Subject.of(booking.person).type2_values(),
        5: "Y" if retain else "N",
        27: height,
        29: weight,
        31: eyes,
        32: hair,
        45: doo,
        47: [(doo, _aol(charge)) for charge in booking.charges[:40]],
        73: str(booking.ori),
    }
    if disposition is not None and at is not None:
        return _with_disposition(booking, envelope, type2, disposition, at)
    return envelope, type2


def _with_disposition(
    booking: Booking,
    envelope: Envelope,
    type2: dict[int, str | Sequence[Sequence[str]]],
    disposition: CourtDisposition,
    disposition_at: dt.datetime,
) -> tuple[Envelope, dict[int, str | Sequence[Sequence[str]]]]:
    """The booking's CAR values re-submitted with the court's disposition: its own TCN
    (``-C``), sent at ``disposition_at`` (checked by :func:`_disposition_time`), the booking's
    TCN as 1.010 TCR, and 2.051 CSL."""
    tcn = Tcn(f"{booking.tcn.value[:38]}-C").value
    resent = Envelope(tcn, envelope.ori, envelope.dai, disposition_at, booking.tcn.value)
    return resent, {**type2, 51: [disposition.court_segment()]}


def _disposition_time(booking: Booking, disposition_at: dt.datetime | None) -> dt.datetime:
    """``disposition_at``, refused when missing or before the booking."""
    if disposition_at is None or disposition_at < booking.booked_at:
        raise EbtsError("a disposition needs its event time, not before the booking")
    return disposition_at


def _check_tot(tot: str) -> None:
    if tot not in CAR_TOTS:
        raise EbtsError(f"a criminal tenprint submission is CAR or CNA, not {tot!r}")


def _aol(charge: Charge) -> str:
    text = charge.literal or charge.offense.description
    return f"{charge.offense.code} {text}"[:_AOL_MAX]


def _wsq(image: FingerImage, position: FingerPosition) -> tuple[bytes, int, int]:
    if isinstance(image, bytes | bytearray):
        data = bytes(image)
        try:
            width, height = wsq_dimensions(data)
        except EbtsError as exc:
            raise EbtsError(f"image for {position.name}: {exc.reason}") from None
        return data, width, height
    if not isinstance(image, np.ndarray):
        raise EbtsError(f"image for {position.name} must be a uint8 array or WSQ bytes")
    data = encode_wsq(image)
    return data, image.shape[1], image.shape[0]


def _image_record(
    position: FingerPosition,
    image: FingerImage,
    idc: int,
    ppi: int,
    booking: Booking,
    day: dt.date,
) -> Record:
    data, width, height = _wsq(image, position)
    impression = LIVESCAN_ROLLED if position.is_single_finger else LIVESCAN_PLAIN
    if ppi == 500:
        return BinaryRecord.image(
            4,
            idc=idc,
            impression=impression,
            positions=(int(position),),
            isr=0,
            width=width,
            height=height,
            compression=GCA_CODES["WSQ"],
            data=data,
        )
    return TaggedRecord.new(
        14,
        {
            3: str(impression),
            4: str(booking.ori),
            5: format_date(day),
            6: str(width),
            7: str(height),
            8: "1",
            9: str(ppi),
            10: str(ppi),
            11: "WSQ20",
            12: "8",
            13: str(int(position)),
            999: data,
        },
        idc=idc,
    )


def read_car_facts(tx: Transaction) -> CarFacts:
    """The booking facts of a CAR/CNA, without touching its images."""
    record = type2_of(tx, CAR_TOTS)
    envelope = Envelope.read(tx)
    doa = record.text(45)
    try:
        arrested_on = read_day(doa)
    except ValueError:
        raise EbtsError(f"DOA {doa!r} is not a date CCYYMMDD", record=2, field="2.045") from None
    charges, unparsed = [], []
    for items in record.subfields(47):
        aol = items[1] if len(items) > 1 else items[0]
        match = _AOL.fullmatch(aol)
        try:
            offense = NcicOffense.lookup(match.group(1)) if match else None
        except ValueError:
            offense = None
        if offense is None or match is None:
            unparsed.append(aol)
            continue
        literal = match.group(2) or ""
        charges.append(Charge(offense, "" if literal == offense.description else literal))
    cri = record.subfields(73)
    return CarFacts(
        envelope=envelope,
        subject=Subject.read(record),
        booking_ori=cri[0][0] if cri and cri[0] else tx.ori,
        arrested_on=arrested_on,
        charges=tuple(charges),
        unparsed_charges=tuple(unparsed),
        disposition=CourtDisposition.read(record),
    )


def read_conviction(data: bytes) -> CourtDisposition | None:
    """The conviction (2.051 CSL) of a CAR/CNA file, read from its Type-1 and Type-2 records
    only: the hops that forward a court's disposition need its date, not its images."""
    records = read_text_records(data)
    return conviction_in(records[0], records[1] if len(records) > 1 else None)


def conviction_in(header: TaggedRecord, second: Record | None) -> CourtDisposition | None:
    """:func:`read_conviction` of a file's Type-1 record and the record after it, read whole
    (``parse``) or only its text records (``read_text_records``): the same answer, as the
    two read the Type-1 and a Type-2 right after it the same way."""
    tot = header.text(4)
    if tot not in CAR_TOTS:
        raise EbtsError(f"expected a CAR or CNA transaction, got {tot!r}", field="1.004")
    if not isinstance(second, TaggedRecord) or second.type != 2:
        raise EbtsError(f"{tot} transaction has no Type-2 record")
    return CourtDisposition.read(second)


@lru_cache(maxsize=64)
def _finger(value: int | str) -> FingerPosition:
    """``FingerPosition.parse``, remembered (a CAR names the same ten again and again)."""
    return FingerPosition.parse(value)


class FingerImages(Mapping[FingerPosition, ImageInfo]):
    """A transaction's fingerprint images by finger position (still encoded, in file order),
    each described when first asked for. Finding the positions, and refusing a bad or repeated
    one, reads only the records' headers; an oracle search reads only the bytes
    (:meth:`encoded_items`): a CAR's ten ``ImageInfo``s cost CJIS more than its oracle search, and
    only a full search (pixels) needs them. Read-only: what it builds is kept, never changed."""

    __slots__ = ("_built", "_native", "_where")

    def __init__(self, tx: Transaction) -> None:
        self._native = native_ppi(tx)
        self._where: dict[FingerPosition, tuple[int, Record]] = {}
        self._built: dict[FingerPosition, ImageInfo] = {}
        for index, record in enumerate(tx.records[1:], start=2):
            info = None
            if isinstance(record, BinaryRecord) and record.type == 4:
                positions = record.finger_positions
            elif isinstance(record, TaggedRecord) and record.type == 14:
                info = image_info(record, index, self._native)
                if info is None:
                    continue
                positions = info.positions
            else:
                continue
            if not positions:
                continue
            try:
                position = _finger(positions[0])
            except ValueError as exc:
                raise EbtsError(str(exc), record=index) from None
            if position in self._where:
                raise EbtsError(f"two images for {position.name}", record=index)
            self._where[position] = (index, record)
            if info is not None:
                self._built[position] = info

    def __getitem__(self, position: FingerPosition) -> ImageInfo:
        info = self._built.get(position)
        if info is None:
            index, record = self._where[position]
            info = image_info(record, index, self._native)
            assert info is not None  # a Type-4 record always describes an image
            self._built[position] = info
        return info

    def __iter__(self) -> Iterator[FingerPosition]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __repr__(self) -> str:
        return f"FingerImages({dict(self.items())!r})"

    def encoded_items(self) -> Iterator[tuple[FingerPosition, str, bytes]]:
        """(position, compression, data) of each image, without describing any whole."""
        for position, (_, record) in self._where.items():
            info = self._built.get(position)
            if info is not None:
                yield position, info.compression, info.data
            else:
                assert isinstance(record, BinaryRecord)  # tagged ones are described at once
                yield position, binary_compression(record), record.data


def finger_images(tx: Transaction) -> FingerImages:
    """The fingerprint images of a transaction by finger position (still encoded)."""
    return FingerImages(tx)


def read_car(tx: Transaction) -> tuple[CarFacts, dict[FingerPosition, PixelArray]]:
    """Booking facts and decoded finger images (decoding ten WSQ images costs ~0.1 s;
    use ``read_car_facts`` and ``finger_images`` to decode lazily)."""
    facts = read_car_facts(tx)
    return facts, {p: info.pixels() for p, info in finger_images(tx).items()}
