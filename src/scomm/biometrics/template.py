"""Fingerprint templates: a print's minutiae, its size and quality, and its MCC cylinders.

Angles follow image coordinates: x to the right, y down, ``theta`` in radians [0, 2*pi)
measured from +x towards +y. The cylinders are built once, when the template is made, so that
comparison never pays for them.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from scomm.biometrics.mcc import MCC_VERSION, Cylinders, MccParams, build_cylinders

FORMAT_MAGIC = b"SCFT"
FORMAT_VERSION = 1
_HEADER = struct.Struct("<4sBBHHHBHI")  # magic, version, mcc version, w, h, ppi, quality, n, words
_MINUTIA = struct.Struct("<HHHBB")  # x*8, y*8, theta*65536/2pi, kind, reliability*255
POSITION_SCALE = 8
ANGLE_UNITS = 65536


class TemplateError(ValueError):
    """A template could not be decoded; the message names the offset and the field."""


class MinutiaType(IntEnum):
    OTHER = 0
    ENDING = 1
    BIFURCATION = 2


@dataclass(frozen=True)
class Minutia:
    x: float
    y: float
    theta: float
    kind: MinutiaType
    reliability: float


@dataclass(frozen=True, eq=False)
class Template:
    """Features of one impression. Build with ``Template.create``; arrays are read-only."""

    width: int
    height: int
    ppi: int
    quality: int
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    theta: npt.NDArray[np.float64]
    kind: npt.NDArray[np.uint8]
    reliability: npt.NDArray[np.float64]
    cylinders: Cylinders = field(repr=False)

    @staticmethod
    def create(
        minutiae: list[Minutia] | tuple[Minutia, ...],
        width: int,
        height: int,
        ppi: int = 500,
        quality: int = 0,
        cylinders: Cylinders | None = None,
    ) -> Template:
        if not (0 < width < 65536 and 0 < height < 65536):
            raise TemplateError(f"image size {width}x{height} out of range 1..65535")
        if not 0 <= quality <= 100:
            raise TemplateError(f"quality {quality} out of range 0..100")
        for i, m in enumerate(minutiae):
            if not (0 <= m.x < width and 0 <= m.y < height):
                raise TemplateError(f"minutia {i} at ({m.x}, {m.y}) outside {width}x{height}")
        x = np.array([m.x for m in minutiae], dtype=np.float64)
        y = np.array([m.y for m in minutiae], dtype=np.float64)
        theta = np.array([m.theta for m in minutiae], dtype=np.float64) % (2 * math.pi)
        kind = np.array([int(m.kind) for m in minutiae], dtype=np.uint8)
        rel = np.clip(np.array([m.reliability for m in minutiae], dtype=np.float64), 0.0, 1.0)
        if cylinders is None:
            cylinders = build_cylinders(x, y, theta, width, height)
        for arr in (x, y, theta, kind, rel, cylinders.bits, cylinders.known, cylinders.usable):
            arr.flags.writeable = False
        return Template(width, height, ppi, quality, x, y, theta, kind, rel, cylinders)

    def __len__(self) -> int:
        return int(self.x.size)

    @property
    def minutiae(self) -> tuple[Minutia, ...]:
        return tuple(
            Minutia(float(a), float(b), float(t), MinutiaType(int(k)), float(r))
            for a, b, t, k, r in zip(
                self.x, self.y, self.theta, self.kind, self.reliability, strict=True
            )
        )

    def to_bytes(self) -> bytes:
        """Versioned binary form: header, minutiae (1/8 px, 2*pi/65536 rad), cylinders, CRC32."""
        words = int(self.cylinders.bits.shape[1]) if len(self) else MccParams().words
        out = bytearray(
            _HEADER.pack(
                FORMAT_MAGIC,
                FORMAT_VERSION,
                MCC_VERSION,
                self.width,
                self.height,
                self.ppi,
                self.quality,
                len(self),
                words,
            )
        )
        for m in self.minutiae:
            out += _MINUTIA.pack(
                min(round(m.x * POSITION_SCALE), 65535),
                min(round(m.y * POSITION_SCALE), 65535),
                round(m.theta * ANGLE_UNITS / (2 * math.pi)) % ANGLE_UNITS,
                int(m.kind),
                round(m.reliability * 255),
            )
        out += np.packbits(self.cylinders.usable).tobytes()
        out += self.cylinders.bits.astype("<u8").tobytes()
        out += self.cylinders.known.astype("<u8").tobytes()
        out += struct.pack("<I", zlib.crc32(out))
        return bytes(out)

    @staticmethod
    def from_bytes(data: bytes) -> Template:
        if len(data) < _HEADER.size + 4:
            raise TemplateError(f"template too short: {len(data)} bytes")
        magic, version, mcc_version, w, h, ppi, quality, n, words = _HEADER.unpack_from(data)
        if magic != FORMAT_MAGIC:
            raise TemplateError(f"offset 0: not a scomm template (magic {magic!r})")
        if version != FORMAT_VERSION:
            raise TemplateError(f"offset 4: unsupported template version {version}")
        body, crc = data[:-4], struct.unpack("<I", data[-4:])[0]
        if zlib.crc32(body) != crc:
            raise TemplateError("template checksum mismatch (corrupted or truncated)")
        usable_len = (n + 7) // 8
        expected = _HEADER.size + n * _MINUTIA.size + usable_len + 2 * n * words * 8
        if len(body) != expected:
            raise TemplateError(f"template length {len(body)} != {expected} for {n} minutiae")
        minutiae = []
        for i in range(n):
            off = _HEADER.size + i * _MINUTIA.size
            mx, my, mt, kind, rel = _MINUTIA.unpack_from(body, off)
            if kind > 2:
                raise TemplateError(f"offset {off + 6}: minutia {i} has unknown type {kind}")
            minutiae.append(
                Minutia(
                    mx / POSITION_SCALE,
                    my / POSITION_SCALE,
                    mt * 2 * math.pi / ANGLE_UNITS,
                    MinutiaType(kind),
                    rel / 255,
                )
            )
        cylinders = None
        if mcc_version == MCC_VERSION and words == MccParams().words:
            off = _HEADER.size + n * _MINUTIA.size
            usable = np.unpackbits(np.frombuffer(body, np.uint8, usable_len, off))[:n].astype(bool)
            off += usable_len
            bits = np.frombuffer(body, "<u8", n * words, off).astype(np.uint64).reshape(n, words)
            off += n * words * 8
            known = np.frombuffer(body, "<u8", n * words, off).astype(np.uint64).reshape(n, words)
            cylinders = Cylinders(bits, known, usable)
        return Template.create(minutiae, w, h, ppi, quality, cylinders)
