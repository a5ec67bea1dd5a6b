"""Fingerprint images in and out: 8-bit grayscale pixels with the scan resolution carried along.

The resolution matters because every distance in extraction and matching is calibrated at
500 ppi; a print read without a trustworthy resolution tag is assumed to be 500 ppi.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import wsq  # noqa: F401  (registers the WSQ codec with Pillow)
from PIL import Image, UnidentifiedImageError
from PIL.Image import DecompressionBombError

DEFAULT_PPI = 500
MAX_SIDE = 8192
"""Larger images are refused: no fingerprint scanner produces them, decompression bombs do."""


class ImageError(ValueError):
    """An image could not be read or written; the message names the file and the reason."""


@dataclass(frozen=True, eq=False)
class FingerprintImage:
    """A grayscale fingerprint: 2-D uint8 ``pixels`` (dark ridges) and their ``ppi``."""

    pixels: npt.NDArray[np.uint8]
    ppi: int = DEFAULT_PPI

    def __post_init__(self) -> None:
        if self.pixels.ndim != 2 or self.pixels.dtype != np.uint8:
            raise ImageError(
                f"pixels must be a 2-D uint8 array, got {self.pixels.ndim}-D {self.pixels.dtype}"
            )
        if self.ppi <= 0:
            raise ImageError(f"ppi must be positive, got {self.ppi}")

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])


def _resolution_from(img: Image.Image) -> int:
    """The ppi stated by the file when it is plausible for a fingerprint scanner, else 500."""
    dpi = img.info.get("dpi")
    if isinstance(dpi, tuple) and dpi:
        try:
            value = round(float(dpi[0]))
        except (TypeError, ValueError):
            return DEFAULT_PPI
        # Office software writes 72/96 dpi tags on re-save; scanners are 250..2000 ppi.
        if 250 <= value <= 2000:
            return value
    return DEFAULT_PPI


def decode_image(data: bytes, name: str = "<bytes>", ppi: int | None = None) -> FingerprintImage:
    """Decode TIFF, PNG, JPEG or WSQ bytes into a grayscale fingerprint image."""
    if not data:
        raise ImageError(f"{name}: empty file")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width > MAX_SIDE or img.height > MAX_SIDE:
                raise ImageError(
                    f"{name}: {img.width}x{img.height} exceeds {MAX_SIDE} pixels a side"
                )
            resolution = ppi if ppi is not None else _resolution_from(img)
            gray = img.convert("L")
            pixels = np.asarray(gray, dtype=np.uint8).copy()
    except ImageError:
        raise
    except UnidentifiedImageError as exc:
        raise ImageError(f"{name}: not a TIFF, PNG, JPEG or WSQ image") from exc
    except DecompressionBombError as exc:
        raise ImageError(f"{name}: declared image size is implausibly large ({exc})") from exc
    except Exception as exc:
        # Decoder plugins (the WSQ one especially) fail on junk with arbitrary exception types
        # (seen: UnboundLocalError); whatever they raise, the caller gets one clear error.
        raise ImageError(f"{name}: cannot decode image ({type(exc).__name__}: {exc})") from exc
    if pixels.size == 0:
        raise ImageError(f"{name}: image has no pixels")
    return FingerprintImage(pixels, resolution)


def read_image(path: str | Path, ppi: int | None = None) -> FingerprintImage:
    """Read a fingerprint image file; ``ppi`` overrides the resolution the file states."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ImageError(f"{p}: cannot read ({exc.strerror or exc})") from exc
    return decode_image(data, str(p), ppi)


def encode_image(image: FingerprintImage, fmt: str) -> bytes:
    """Encode as ``"png"`` or ``"wsq"`` (WSQ at the FBI's usual 0.75 bit rate)."""
    fmt = fmt.lower()
    img = Image.fromarray(image.pixels, mode="L")
    buf = io.BytesIO()
    if fmt == "png":
        img.save(buf, format="PNG", dpi=(image.ppi, image.ppi))
    elif fmt == "wsq":
        if image.width < 8 or image.height < 8:
            raise ImageError(f"WSQ needs at least 8x8 pixels, got {image.width}x{image.height}")
        img.save(buf, format="WSQ", ppi=image.ppi)
    else:
        raise ImageError(f"unsupported output format {fmt!r} (png or wsq)")
    return buf.getvalue()


def write_image(image: FingerprintImage, path: str | Path) -> None:
    """Write PNG or WSQ, chosen by the file suffix."""
    p = Path(path)
    suffix = p.suffix.lower().lstrip(".")
    if suffix not in ("png", "wsq"):
        raise ImageError(f"{p}: write supports .png and .wsq, not {p.suffix!r}")
    p.write_bytes(encode_image(image, suffix))
