"""ANSI/NIST-ITL traditional encoding and the EBTS transactions scomm's agencies exchange.

Reading and writing: ``parse(bytes) -> Transaction``, ``Transaction.to_bytes()`` (LEN and CNT
are kept consistent automatically). Messages: ``build_car``/``read_car`` (a booking and its
ten prints; ``encode_car`` writes its bytes from image records already encoded),
``build_sre``/``read_sre``, ``build_errt``/``read_errt``, and scomm's own
``build_iaq``/``build_iar``/``build_detainer`` with their readers. Checking: ``validate(tx)``
against the EBTS 9.1 rule table. Every problem is an ``EbtsError`` naming where it is.
"""

from scomm.ebts.car import (
    CarFacts,
    CourtDisposition,
    FingerImages,
    build_car,
    encode_car,
    encode_cars,
    finger_images,
    read_car,
    read_car_facts,
    read_conviction,
)
from scomm.ebts.codec import parse, read_header, read_text_records
from scomm.ebts.envelope import (
    FBI_CJIS_ORI,
    LESC_ORI,
    EncodedImages,
    EncodedRecord,
    Envelope,
    Subject,
)
from scomm.ebts.errors import EbtsError
from scomm.ebts.fields import Field
from scomm.ebts.images import ImageInfo, decode_wsq, encode_wsq, image_infos
from scomm.ebts.immigration import (
    Detainer,
    DetainerAction,
    ImmigrationQuery,
    ImmigrationResponse,
    ImmigrationStatus,
    QueryPurpose,
    build_detainer,
    build_iaq,
    build_iar,
    encode_detainer,
    encode_iaq,
    encode_iar,
    read_detainer,
    read_iaq,
    read_iar,
)
from scomm.ebts.records import BinaryRecord, TaggedRecord
from scomm.ebts.responses import (
    ErrorResponse,
    SearchResult,
    build_errt,
    build_sre,
    encode_errt,
    encode_sre,
    read_errt,
    read_sre,
    reject,
    reject_unreadable,
    rejection_messages,
)
from scomm.ebts.transaction import Transaction
from scomm.ebts.validate import Violation, validate

__all__ = [
    "FBI_CJIS_ORI",
    "LESC_ORI",
    "BinaryRecord",
    "CarFacts",
    "CourtDisposition",
    "Detainer",
    "DetainerAction",
    "EbtsError",
    "EncodedImages",
    "EncodedRecord",
    "Envelope",
    "ErrorResponse",
    "Field",
    "FingerImages",
    "ImageInfo",
    "ImmigrationQuery",
    "ImmigrationResponse",
    "ImmigrationStatus",
    "QueryPurpose",
    "SearchResult",
    "Subject",
    "TaggedRecord",
    "Transaction",
    "Violation",
    "build_car",
    "build_detainer",
    "build_errt",
    "build_iaq",
    "build_iar",
    "build_sre",
    "decode_wsq",
    "encode_car",
    "encode_cars",
    "encode_detainer",
    "encode_errt",
    "encode_iaq",
    "encode_iar",
    "encode_sre",
    "encode_wsq",
    "finger_images",
    "image_infos",
    "parse",
    "read_car",
    "read_car_facts",
    "read_conviction",
    "read_detainer",
    "read_errt",
    "read_header",
    "read_iaq",
    "read_iar",
    "read_sre",
    "read_text_records",
    "reject",
    "reject_unreadable",
    "rejection_messages",
    "validate",
]
