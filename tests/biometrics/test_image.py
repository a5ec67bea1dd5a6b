from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.biometrics import (
    FingerprintImage,
    ImageError,
    decode_image,
    encode_image,
    extract,
    read_image,
    write_image,
)


def test_reads_fvc_tiff_at_500_ppi_despite_its_tag(fvc_dir: Path) -> None:
    image = read_image(fvc_dir / "104_3.tif")  # re-saved with a 96 dpi tag
    assert (image.height, image.width) == (480, 640)
    assert image.ppi == 500
    assert image.pixels.dtype == np.uint8


def test_png_round_trip_is_exact_and_keeps_ppi(fvc_image: FingerprintImage, tmp_path: Path) -> None:
    path = tmp_path / "print.png"
    write_image(FingerprintImage(fvc_image.pixels, 1000), path)
    back = read_image(path)
    assert np.array_equal(back.pixels, fvc_image.pixels)
    assert back.ppi == 1000


def test_wsq_round_trip_is_close(fvc_image: FingerprintImage, tmp_path: Path) -> None:
    path = tmp_path / "print.wsq"
    write_image(fvc_image, path)
    back = read_image(path)
    assert back.pixels.shape == fvc_image.pixels.shape
    error = np.abs(back.pixels.astype(int) - fvc_image.pixels.astype(int)).mean()
    assert error < 3.0


def test_jpeg_is_read(fvc_image: FingerprintImage, tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "print.jpg"
    Image.fromarray(fvc_image.pixels).save(path, quality=95)
    assert read_image(path).pixels.shape == (480, 640)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"this is not an image at all", "not a TIFF, PNG, JPEG or WSQ"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "cannot decode"),
    ],
)
def test_bad_files_raise_a_clear_error(data: bytes, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.png"
    path.write_bytes(data)
    with pytest.raises(ImageError, match=reason) as info:
        read_image(path)
    assert "bad.png" in str(info.value)


def test_truncated_tiff_raises_image_error(fvc_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.tif"
    path.write_bytes((fvc_dir / "101_1.tif").read_bytes()[:5000])
    with pytest.raises(ImageError, match=r"cut\.tif"):
        read_image(path)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match=r"nope\.png"):
        read_image(tmp_path / "nope.png")


def test_unsupported_output_format(fvc_image: FingerprintImage, tmp_path: Path) -> None:
    with pytest.raises(ImageError, match=r"png and \.wsq"):
        write_image(fvc_image, tmp_path / "x.bmp")
    with pytest.raises(ImageError, match="unsupported"):
        encode_image(fvc_image, "gif")


@pytest.mark.parametrize("shape", [(1, 1), (3, 500), (480, 640)])
def test_blank_and_tiny_images_have_quality_zero(shape: tuple[int, int]) -> None:
    template = extract(FingerprintImage(np.full(shape, 255, dtype=np.uint8)))
    assert template.quality == 0
    assert len(template) == 0


def test_noise_is_flagged_unusable() -> None:
    import cv2

    from scomm.biometrics import is_usable

    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (480, 640), dtype=np.uint8)
    blurred = np.asarray(cv2.GaussianBlur(noise, (0, 0), 3), dtype=np.uint8)
    for pixels in (noise, blurred):
        assert not is_usable(extract(FingerprintImage(pixels)).quality)


def test_fvc_prints_are_usable(fvc_dir: Path) -> None:
    from scomm.biometrics import is_usable

    for name in ("101_1", "104_3", "109_2"):
        assert is_usable(extract(read_image(fvc_dir / f"{name}.tif")).quality)


def test_one_pixel_png_decodes_and_extracts_to_nothing() -> None:
    data = encode_image(FingerprintImage(np.zeros((1, 1), dtype=np.uint8)), "png")
    assert extract(decode_image(data)).quality == 0


def test_rejects_wrong_pixel_arrays() -> None:
    with pytest.raises(ImageError, match="2-D uint8"):
        FingerprintImage(np.zeros((4, 4, 3), dtype=np.uint8))
    with pytest.raises(ImageError, match="ppi"):
        FingerprintImage(np.zeros((4, 4), dtype=np.uint8), 0)


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=400), st.sampled_from([b"", b"II*\x00", b"\x89PNG\r\n\x1a\n", b"\xff\xd8"])
)
def test_decoder_never_crashes_on_junk(data: bytes, magic: bytes) -> None:
    try:
        image = decode_image(magic + data)
    except ImageError:
        return
    assert image.pixels.ndim == 2


def test_absurd_declared_size_is_refused() -> None:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    with pytest.raises(ImageError, match=r"60000x60000|implausibly large"):
        decode_image(png)
