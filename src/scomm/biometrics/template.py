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

from scomm.biometrics.compiled import compiled
from scomm.biometrics.mcc import MCC_VERSION, Cylinders, MccParams, build_cylinders

FORMAT_MAGIC = b"SCFT"
FORMAT_VERSION = 1
_HEADER = struct.Struct("<4sBBHHHBHI")  # magic, version, mcc version, w, h, ppi, quality, n, words
MINUTIA_ROW = np.dtype(
    [("x", "<u2"), ("y", "<u2"), ("theta", "<u2"), ("kind", "u1"), ("reliability", "u1")]
)
"""A stored minutia: x*8, y*8, theta*65536/2pi, kind, reliability*255."""
POSITION_SCALE = 8
ANGLE_UNITS = 65536
ANGLE_STEP = 2 * math.pi / ANGLE_UNITS


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
        for i, m in enumerate(minutiae):
            if not (0 <= m.x < width and 0 <= m.y < height):
                raise TemplateError(f"minutia {i} at ({m.x}, {m.y}) outside {width}x{height}")
        return Template.from_arrays(
            np.array([m.x for m in minutiae], dtype=np.float64),
            np.array([m.y for m in minutiae], dtype=np.float64),
            np.array([m.theta for m in minutiae], dtype=np.float64),
            np.array([int(m.kind) for m in minutiae], dtype=np.uint8),
            np.array([m.reliability for m in minutiae], dtype=np.float64),
            width,
            height,
            ppi,
            quality,
            cylinders,
        )

    @staticmethod
    def from_arrays(
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        theta: npt.ArrayLike,
        kind: npt.ArrayLike,
        reliability: npt.ArrayLike,
        width: int,
        height: int,
        ppi: int = 500,
        quality: int = 0,
        cylinders: Cylinders | None = None,
    ) -> Template:
        """A template from minutia arrays. Positions and directions are rounded to the stored
        resolution (1/8 px, 2*pi/65536 rad), so cylinders rebuilt from storage are the ones
        built here."""
        if not (0 < width < 65536 and 0 < height < 65536):
            raise TemplateError(f"image size {width}x{height} out of range 1..65535")
        if not 0 <= quality <= 100:
            raise TemplateError(f"quality {quality} out of range 0..100")
        xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        outside = (xs < 0) | (xs >= width) | (ys < 0) | (ys >= height)
        if outside.any():
            i = int(np.flatnonzero(outside)[0])
            raise TemplateError(f"minutia {i} at ({xs[i]}, {ys[i]}) outside {width}x{height}")
        kinds = np.asarray(kind, dtype=np.int64)
        if kinds.size and (kinds.min() < 0 or kinds.max() > 2):
            raise TemplateError(f"minutia types must be 0..2, got {sorted(set(kinds.tolist()))}")
        q = _quantise(
            xs, ys, np.asarray(theta, dtype=np.float64), np.asarray(reliability, dtype=np.float64)
        )
        return Template._make(width, height, ppi, quality, *q, kinds.astype(np.uint8), cylinders)

    @staticmethod
    def of_quantised(
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        theta: npt.NDArray[np.float64],
        kind: npt.NDArray[np.uint8],
        reliability: npt.NDArray[np.float64],
        width: int,
        height: int,
        ppi: int = 500,
        quality: int = 0,
    ) -> Template:
        """A template from minutiae already at the stored resolution, inside the image and of
        known types (what ``from_arrays`` makes of its input), without checking them again:
        for generators that produce them so (``synthetic.template_of_new_finger``)."""
        return Template._make(width, height, ppi, quality, x, y, theta, reliability, kind, None)

    @staticmethod
    def _make(
        width: int,
        height: int,
        ppi: int,
        quality: int,
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        theta: npt.NDArray[np.float64],
        rel: npt.NDArray[np.float64],
        kind: npt.NDArray[np.uint8],
        cylinders: Cylinders | None,
    ) -> Template:
        if cylinders is None:
            cylinders = build_cylinders(x, y, theta, width, height)
        for arr in (x, y, theta, kind, rel, cylinders.bits, cylinders.known, cylinders.usable):
            arr.flags.writeable = False
        return Template(width, height, ppi, quality, x, y, theta, kind, rel, cylinders)

    def __reduce__(self) -> tuple[object, ...]:
        """Unpickled (after a trip between processes) with read-only arrays, as made here: the
        compiled search code is specialised on whether its arrays are writable, so templates
        from a process pool would otherwise make each process compile it a second time."""
        q = (self.x, self.y, self.theta, self.reliability, self.kind, self.cylinders)
        return (Template._make, (self.width, self.height, self.ppi, self.quality, *q))

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
        out += self.packed_minutiae().tobytes()
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
        expected = _HEADER.size + n * MINUTIA_ROW.itemsize + usable_len + 2 * n * words * 8
        if len(body) != expected:
            raise TemplateError(f"template length {len(body)} != {expected} for {n} minutiae")
        rows = np.frombuffer(body, MINUTIA_ROW, n, _HEADER.size)
        bad = np.flatnonzero(rows["kind"] > 2)
        if bad.size:
            i = int(bad[0])
            off = _HEADER.size + i * MINUTIA_ROW.itemsize + 6
            raise TemplateError(f"offset {off}: minutia {i} has unknown type {rows['kind'][i]}")
        cylinders = None
        if mcc_version == MCC_VERSION and words == MccParams().words:
            off = _HEADER.size + n * MINUTIA_ROW.itemsize
            usable = np.unpackbits(np.frombuffer(body, np.uint8, usable_len, off))[:n].astype(bool)
            off += usable_len
            bits = np.frombuffer(body, "<u8", n * words, off).astype(np.uint64).reshape(n, words)
            off += n * words * 8
            known = np.frombuffer(body, "<u8", n * words, off).astype(np.uint64).reshape(n, words)
            cylinders = Cylinders(bits, known, usable)
        return Template.from_packed(rows, w, h, ppi, quality, cylinders)

    def packed_minutiae(self) -> npt.NDArray[np.void]:
        """The minutiae as stored: ``MINUTIA_ROW`` records (x*8, y*8, theta*65536/2pi, kind,
        reliability*255, each rounded half to even), packed in one compiled pass: every
        stored and enrolled template is packed, and the numpy form took ~15 small calls."""
        words = np.empty((len(self), 4), dtype="<u2")
        _pack_rows(self.x, self.y, self.theta, self.kind, self.reliability, words)
        return words.view(MINUTIA_ROW).reshape(len(self))

    @staticmethod
    def from_packed(
        rows: npt.NDArray[np.void],
        width: int,
        height: int,
        ppi: int,
        quality: int,
        cylinders: Cylinders | None = None,
    ) -> Template:
        """A template from stored ``MINUTIA_ROW`` records (no range checks: they were made from
        a checked template)."""
        x = rows["x"] / POSITION_SCALE
        y = rows["y"] / POSITION_SCALE
        theta = _angle(rows["theta"].astype(np.float64))
        rel = rows["reliability"] / 255.0
        kind = rows["kind"].astype(np.uint8)
        return Template._make(width, height, ppi, quality, x, y, theta, rel, kind, cylinders)


@compiled()
def _pack_rows(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    theta: npt.NDArray[np.float64],
    kind: npt.NDArray[np.uint8],
    reliability: npt.NDArray[np.float64],
    words: npt.NDArray[np.uint16],
) -> None:  # pragma: no cover - compiled
    """``MINUTIA_ROW`` records as four little-endian 16-bit words each (kind and reliability
    share the last, kind in its low byte); values as the numpy form casts them."""
    for i in range(x.size):
        words[i, 0] = np.uint16(min(np.rint(x[i] * POSITION_SCALE), 65535.0))
        words[i, 1] = np.uint16(min(np.rint(y[i] * POSITION_SCALE), 65535.0))
        units = np.int64(np.rint(theta[i] * ANGLE_UNITS / (2 * math.pi))) % ANGLE_UNITS
        words[i, 2] = np.uint16(units)
        rel = np.uint16(np.uint8(np.rint(reliability[i] * 255)))
        words[i, 3] = np.uint16(kind[i]) | (rel << np.uint16(8))


def _angle(units: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return units * ANGLE_STEP


def _quantise(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    theta: npt.NDArray[np.float64],
    reliability: npt.NDArray[np.float64],
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """Positions and directions as ``from_packed`` reads them back (what cylinders see)."""
    units = np.round(theta * ANGLE_UNITS / (2 * math.pi)) % ANGLE_UNITS
    return (
        np.minimum(np.round(x * POSITION_SCALE), 65535) / POSITION_SCALE,
        np.minimum(np.round(y * POSITION_SCALE), 65535) / POSITION_SCALE,
        _angle(units),
        np.clip(reliability, 0.0, 1.0),
    )
