"""The images a transaction carries: their size and resolution, and their pixels as numpy.

WSQ goes through the ``wsq`` package's codec, JPEG/JPEG 2000/PNG through Pillow, raw
grayscale is reshaped directly. Decoding is on demand (``ImageInfo.pixels``): a pipeline that
only routes transactions never pays for it.
"""

from __future__ import annotations

import atexit
import importlib
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from scomm.ebts.errors import EbtsError
from scomm.ebts.records import BinaryRecord, Record, TaggedRecord
from scomm.ebts.transaction import Transaction
from scomm.ebts.wsq_worker import IsolatedDecoder

PixelArray = npt.NDArray[np.uint8]

MM_PER_INCH = 25.4
MINIMUM_PPI = 500.0  # 19.69 pixels/mm: ISR 0 of Type-4/6
LOW_RESOLUTION_PPI = 250.0  # 9.84 pixels/mm: ISR 0 of Type-3/5

# Binary records' GCA codes (ANSI/NIST-ITL Table 15 of 1-2011) and tagged records' CGA names.
GCA_NAMES = {0: "NONE", 1: "WSQ", 2: "JPEGB", 3: "JPEGL", 4: "JP2", 5: "JP2L", 6: "PNG"}
GCA_CODES = {name: code for code, name in GCA_NAMES.items()}
_CGA_ALIASES = {"WSQ20": "WSQ"}
IMAGE_RECORD_TYPES = frozenset({3, 4, 5, 6, 8, 10, 13, 14, 15, 16, 17})

_wsq_codec: Any = None


def _wsq() -> Any:
    """The ``wsq`` package's C codec (importing ``wsq`` also registers its Pillow plugin)."""
    global _wsq_codec
    if _wsq_codec is None:
        importlib.import_module("wsq")
        _wsq_codec = importlib.import_module("_wsq")
    return _wsq_codec


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """One image record: where it is, what it shows, and its encoded data."""

    record: int  # 1-based position in the transaction
    record_type: int
    idc: int
    positions: tuple[int, ...]  # FGP / PLP / iris eye / pose; empty when not given
    width: int
    height: int
    ppi: float | None
    compression: str
    bits_per_pixel: int
    data: bytes

    def pixels(self, *, isolated: bool = True) -> PixelArray:
        """Decoded pixels: (height, width) grayscale or (height, width, 3) colour, uint8.

        ``isolated=False`` runs the WSQ decoder in this process (trusted data only)."""
        return decode_pixels(self, isolated=isolated)

    def describe(self) -> str:
        ppi = f"{self.ppi:.0f} ppi" if self.ppi else "ppi unknown"
        return f"{self.width} x {self.height} x {ppi}, {self.compression}"


def image_infos(tx: Transaction) -> list[ImageInfo]:
    """Every image record of the transaction, in file order."""
    native = native_ppi(tx)
    out = []
    for index, record in enumerate(tx.records[1:], start=2):
        if record.type in IMAGE_RECORD_TYPES:
            info = image_info(record, index, native)
            if info is not None:
                out.append(info)
    return out


def native_ppi(tx: Transaction) -> float | None:
    """The native scanning resolution of 1.011 NSR in ppi (None: not a number)."""
    try:
        return float(tx.header.text(11)) * MM_PER_INCH
    except ValueError:
        return None


def binary_compression(record: BinaryRecord) -> str:
    """How a binary image record's data is compressed (``ImageInfo.compression``), read from
    its header alone."""
    if record.type == 8:
        srt = record.value("SRT")
        return {0: "NONE", 1: "FAX", 2: "VECTOR"}.get(srt, f"SRT {srt}")
    if record.type in (5, 6):
        return {0: "NONE", 1: "G4FAX"}.get(record.value("GCA"), "UNKNOWN")
    gca = record.value("GCA")
    return GCA_NAMES.get(gca) or f"GCA {gca}"  # names are never empty


def image_info(record: Record, index: int, native: float | None) -> ImageInfo | None:
    """The image record at ``index`` (1-based) described; None for one without an image."""
    if isinstance(record, BinaryRecord):
        if record.type == 7:
            return None
        described = _binary_description(record.type, record.header, native)
        return ImageInfo(index, record.type, record.idc, *described, record.data)
    return _tagged_info(record, index)


@lru_cache(maxsize=1024)
def _binary_description(
    kind: int, header: tuple[int, ...], native: float | None
) -> tuple[tuple[int, ...], int, int, float | None, str, int]:
    """(positions, width, height, ppi, compression, bits) of a binary image record's header:
    remembered, as the headers of a kind of message repeat (a tenprint's ten)."""
    record = BinaryRecord(kind, header, b"")
    isr = record.value("ISR")
    low = record.type in (3, 5)
    ppi = native if isr == 1 else (LOW_RESOLUTION_PPI if low else MINIMUM_PPI)
    return (
        record.finger_positions,
        record.value("HLL"),
        record.value("VLL"),
        ppi,
        binary_compression(record),
        1 if record.type in (5, 6) else 8,
    )


def _tagged_info(record: TaggedRecord, index: int) -> ImageInfo | None:
    data = record.data
    if data is None:
        return None
    hll, vll = record.text(6), record.text(7)
    width = int(hll) if hll.isascii() and hll.isdigit() else 0
    height = int(vll) if vll.isascii() and vll.isdigit() else 0
    cga = record.text(11).upper()
    bpx = record.text(12)
    position_field = 13 if record.type in (13, 14, 15) else 3
    positions = tuple(int(v) for v in _first_items(record, position_field) if v.isdigit())
    return ImageInfo(
        index,
        record.type,
        record.idc if record.idc is not None else -1,
        positions,
        width,
        height,
        _tagged_ppi(record),
        _CGA_ALIASES.get(cga, cga),
        int(bpx) if bpx.isascii() and bpx.isdigit() else 8,
        data,
    )


def _first_items(record: TaggedRecord, number: int) -> tuple[str, ...]:
    return tuple(sub[0] for sub in record.subfields(number) if sub)


def _tagged_ppi(record: TaggedRecord) -> float | None:
    """SLC 1: pixels per inch, 2: per centimetre, 0: no scale (aspect ratio only)."""
    try:
        slc, hps = int(record.text(8)), float(record.text(9))
    except ValueError:
        return None
    if slc == 1 and hps > 0:
        return hps
    if slc == 2 and hps > 0:
        return hps * 2.54
    return None


_STRAY_999 = re.compile(rb"[ -~]{0,32}\x1d\d{1,3}\.999:")


def image_payload(info: ImageInfo) -> bytes:
    """The encoded image, past the stray ``x.999`` text fields some writers put before it."""
    data = info.data
    if info.record_type in (3, 4, 5, 6, 8):
        return data
    while (match := _STRAY_999.match(data)) is not None:
        data = data[match.end() :]
    return data


def decode_pixels(info: ImageInfo, *, isolated: bool = True) -> PixelArray:
    where = f"Type-{info.record_type} image"
    data = image_payload(info)
    kind = info.compression
    try:
        if kind == "NONE":
            return _raw(info, data)
        if kind == "WSQ":
            return decode_wsq(data, isolated=isolated)
        if kind in ("JPEGB", "JPEGL", "JP2", "JP2L", "PNG", "G4FAX"):
            with Image.open(io.BytesIO(data)) as opened:
                image: Image.Image = opened
                image.load()
                if image.mode not in ("L", "RGB"):
                    image = image.convert("RGB" if "A" in image.mode or image.mode == "P" else "L")
                return np.asarray(image, dtype=np.uint8)
    except EbtsError:
        raise
    except Exception as exc:  # a corrupt image must not crash the caller
        raise EbtsError(f"cannot decode {kind} data: {exc}", record=info.record) from None
    raise EbtsError(f"{where}: decoding {kind} is not supported", record=info.record)


def _raw(info: ImageInfo, data: bytes) -> PixelArray:
    if info.bits_per_pixel == 1:
        row = (info.width + 7) // 8
        if len(data) < row * info.height:
            raise EbtsError("raw binary image shorter than HLL x VLL", record=info.record)
        packed = np.frombuffer(data, np.uint8, row * info.height).reshape(info.height, row)
        bits = np.unpackbits(packed, axis=1)[:, : info.width]
        return np.where(bits == 1, 0, 255).astype(np.uint8)
    channels = max(1, info.bits_per_pixel // 8)
    size = info.width * info.height * channels
    if len(data) < size:
        raise EbtsError(
            f"raw image has {len(data)} bytes, HLL x VLL needs {size}", record=info.record
        )
    shape = (info.height, info.width, channels) if channels > 1 else (info.height, info.width)
    return np.frombuffer(data, np.uint8, size).reshape(shape).copy()


_WSQ_BITRATE = 0.75  # bits per pixel, the FBI's usual ~15:1 setting
_WSQ_SOI, _WSQ_SOF = b"\xff\xa0", b"\xff\xa2"
_WSQ_TABLES = frozenset(b"\xa3\xa4\xa5\xa6\xa7\xa8")


def wsq_dimensions(data: bytes) -> tuple[int, int]:
    """(width, height) from a WSQ file's frame header, walking its marker segments."""
    if data[:2] != _WSQ_SOI:
        raise EbtsError("WSQ data does not start with the SOI marker FFA0")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if data[pos : pos + 2] == _WSQ_SOF:
            if pos + 10 > len(data):
                break
            height = int.from_bytes(data[pos + 6 : pos + 8], "big")
            width = int.from_bytes(data[pos + 8 : pos + 10], "big")
            if width == 0 or height == 0:
                raise EbtsError("WSQ frame header gives a zero size")
            return width, height
        if marker not in _WSQ_TABLES:
            break
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    raise EbtsError("WSQ data has no readable frame header (FFA2)")


MAX_WSQ_SIDE = 16_384  # a 2000 ppi full palm is ~11,000 pixels; the NBIS decoder crashes far above


def decode_wsq(data: bytes, *, isolated: bool = True) -> PixelArray:
    """Decode WSQ to a (height, width) uint8 array.

    The NBIS decoder is C and can crash the whole process on corrupt data, so by default it
    runs in a helper process: a corrupt image is then an ``EbtsError``, never a dead worker.
    ``isolated=False`` decodes in this process (for data scomm encoded itself).
    """
    width, height = wsq_dimensions(data)
    if width > MAX_WSQ_SIDE or height > MAX_WSQ_SIDE:
        raise EbtsError(f"WSQ frame of {width}x{height} pixels is implausibly large")
    if isolated:
        buf, w, h = _isolated_decode(bytes(data))
    else:
        buf, w, h = _decode_here(bytes(data))
    if (w, h) != (width, height) or len(buf) < w * h:
        raise EbtsError(f"WSQ decoder returned {w}x{h}, the header says {width}x{height}")
    return np.frombuffer(buf, np.uint8, w * h).reshape(h, w).copy()


def _decode_here(data: bytes) -> tuple[bytes, int, int]:
    buf, width, height, _ppi = _wsq().decompress(data)
    return bytes(buf), int(width), int(height)


_decoder = IsolatedDecoder()
atexit.register(_decoder.close)


def _isolated_decode(data: bytes) -> tuple[bytes, int, int]:
    return _decoder.decode(data)


def encode_wsq(pixels: PixelArray) -> bytes:
    """Compress a grayscale uint8 image with WSQ (the FBI's fingerprint codec)."""
    array = np.ascontiguousarray(pixels)
    if array.dtype != np.uint8 or array.ndim != 2:
        raise EbtsError(f"WSQ needs a 2-D uint8 image, got {array.dtype} {array.shape}")
    height, width = array.shape
    if height < 16 or width < 16:
        raise EbtsError(f"image {width}x{height} is too small for WSQ")
    data: bytes = _wsq().compress(array.tobytes(), height, width, _WSQ_BITRATE)
    return data


def to_png(pixels: PixelArray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()
