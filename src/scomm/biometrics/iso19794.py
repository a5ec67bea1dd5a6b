"""ISO/IEC 19794-2:2005 finger minutiae records ("FMR\\0", version " 20\\0"), to interoperate.

Layout (big-endian): a 24-byte record header (format id, version, 4-byte total length,
certification flag and capture device id, image size, resolution in pixels per centimetre,
number of finger views, reserved), then per view a 4-byte header (finger position, view number
and impression type, quality, minutiae count), 6 bytes per minutia (2-bit type and 14-bit x,
2 reserved bits and 14-bit y, angle in 1.40625-degree units counter-clockwise, quality) and an
extended-data length. Positions are whole pixels, so a round trip is exact to 0.5 px and
0.7 degrees; cylinders are rebuilt on import.
"""

from __future__ import annotations

import math
import struct

from scomm.biometrics.template import Minutia, MinutiaType, Template

FORMAT_ID = b"FMR\x00"
VERSION = b" 20\x00"
_RECORD = struct.Struct(">4s4sIHHHHHBB")
_VIEW = struct.Struct(">BBBB")
_MINUTIA = struct.Struct(">HHBB")
_ISO_TYPE = {MinutiaType.OTHER: 0, MinutiaType.ENDING: 1, MinutiaType.BIFURCATION: 2}
_FROM_ISO = {v: k for k, v in _ISO_TYPE.items()}
CM_PER_INCH = 2.54


class IsoFormatError(ValueError):
    """A malformed ISO/IEC 19794-2 record; the message gives the byte offset and the field."""


def to_iso19794_2(template: Template, finger_position: int = 0, impression_type: int = 0) -> bytes:
    """One-view record of a template.

    ``finger_position``: 0..10 (0 unknown), the codes of ``scomm.domain.FingerPosition``;
    ``impression_type``: 0 live-scan plain, 1 live-scan rolled, 2 and 3 non-live-scan.
    """
    if not 0 <= finger_position <= 10:
        raise IsoFormatError(f"finger position {finger_position} outside 0..10")
    if len(template) > 255:
        raise IsoFormatError(f"{len(template)} minutiae exceed the record's limit of 255")
    resolution = round(template.ppi / CM_PER_INCH)
    body = bytearray(
        _VIEW.pack(finger_position, impression_type & 0x0F, template.quality, len(template))
    )
    for m in template.minutiae:
        x, y = min(round(m.x), 0x3FFF), min(round(m.y), 0x3FFF)
        angle = round((2 * math.pi - m.theta) * 256 / (2 * math.pi)) % 256
        quality = max(1, min(100, round(m.reliability * 100)))
        body += _MINUTIA.pack((_ISO_TYPE[m.kind] << 14) | x, y, angle, quality)
    body += struct.pack(">H", 0)
    total = _RECORD.size + len(body)
    header = _RECORD.pack(
        FORMAT_ID, VERSION, total, 0, template.width, template.height, resolution, resolution, 1, 0
    )
    return header + bytes(body)


def from_iso19794_2(data: bytes, view: int = 0) -> Template:
    """The template of one finger view of a record (the first by default)."""
    if len(data) < _RECORD.size:
        raise IsoFormatError(f"record of {len(data)} bytes is shorter than the 24-byte header")
    fmt, version, total, _, width, height, res_x, _, views, _ = _RECORD.unpack_from(data)
    if fmt != FORMAT_ID:
        raise IsoFormatError(f"offset 0: format identifier {fmt!r} is not 'FMR\\0'")
    if version != VERSION:
        raise IsoFormatError(f"offset 4: version {version!r} is not ' 20\\0' (19794-2:2005)")
    if total != len(data):
        raise IsoFormatError(f"offset 8: record length {total} but {len(data)} bytes given")
    if width == 0 or height == 0:
        raise IsoFormatError(f"offset 14: image size {width}x{height} has a zero side")
    if res_x == 0:
        raise IsoFormatError("offset 18: resolution is zero")
    if not 0 <= view < views:
        raise IsoFormatError(f"view {view} requested but the record holds {views}")
    offset = _RECORD.size
    for index in range(views):
        if offset + _VIEW.size > len(data):
            raise IsoFormatError(f"offset {offset}: view {index} header truncated")
        _, _, quality, count = _VIEW.unpack_from(data, offset)
        if quality > 100:
            raise IsoFormatError(f"offset {offset + 2}: view {index} quality {quality} > 100")
        start = offset + _VIEW.size
        end = start + count * _MINUTIA.size
        if end + 2 > len(data):
            raise IsoFormatError(f"offset {start}: view {index} minutiae truncated")
        (extended,) = struct.unpack_from(">H", data, end)
        next_offset = end + 2 + extended
        if next_offset > len(data):
            raise IsoFormatError(f"offset {end}: extended data of {extended} bytes truncated")
        if index == view:
            minutiae = [
                _read_minutia(data, start + i * _MINUTIA.size, i, width, height)
                for i in range(count)
            ]
            ppi = round(res_x * CM_PER_INCH)
            return Template.create(minutiae, width, height, ppi, quality)
        offset = next_offset
    raise IsoFormatError(f"view {view} not found")  # pragma: no cover (views checked above)


def _read_minutia(data: bytes, offset: int, index: int, width: int, height: int) -> Minutia:
    tx, ry, angle, quality = _MINUTIA.unpack_from(data, offset)
    kind_code, x, y = tx >> 14, tx & 0x3FFF, ry & 0x3FFF
    if kind_code not in _FROM_ISO:
        raise IsoFormatError(f"offset {offset}: minutia {index} has reserved type {kind_code}")
    if x >= width or y >= height:
        raise IsoFormatError(f"offset {offset}: minutia {index} at ({x}, {y}) outside the image")
    if quality > 100:
        raise IsoFormatError(f"offset {offset + 5}: minutia {index} quality {quality} > 100")
    theta = (2 * math.pi - angle * 2 * math.pi / 256) % (2 * math.pi)
    return Minutia(float(x), float(y), theta, _FROM_ISO[kind_code], quality / 100)
