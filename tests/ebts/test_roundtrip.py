"""Every file of the NBIS test set reads and writes back byte for byte; its images decode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scomm.ebts import EbtsError, image_infos, parse

AN2K_FILES = [
    "face_jpb_DOM_GMT_DCS.an2",
    "sign_raw.an2",
    "sign_vec.an2",
    "type_3_wvu.an2",
    "type_6_wvu.an2",
    *(f"valid1.{n}.an2" for n in (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 14, 15)),
]


def test_the_list_covers_every_traditional_file(shared_data: Path) -> None:
    on_disk = {p.name for p in (shared_data / "an2k").glob("*.an2")}
    assert on_disk == set(AN2K_FILES)


@pytest.mark.parametrize("name", AN2K_FILES)
def test_byte_identical_round_trip(shared_data: Path, name: str) -> None:
    data = (shared_data / "an2k" / name).read_bytes()
    tx = parse(data)
    assert tx.to_bytes() == data


def test_contents_as_documented(shared_data: Path) -> None:
    tx = parse((shared_data / "an2k" / "valid1.11.an2").read_bytes())
    assert tx.tot == "CAR"
    assert [r.type for r in tx.records] == [1, 2, 4, 10, 13, 14, 15, 16, 17, 99]
    type2 = tx.tagged(2)
    assert type2 is not None and type2.text(18) == "smith,tom"
    old = parse((shared_data / "an2k" / "valid1.13.an2").read_bytes())
    assert old.version == "0200" and old.header.get(2).tag == "1.02"  # type: ignore[union-attr]


def test_type4_wsq_decodes_to_numpy(shared_data: Path) -> None:
    tx = parse((shared_data / "an2k" / "valid1.14.an2").read_bytes())
    (info,) = [i for i in image_infos(tx) if i.record_type == 4]
    pixels = info.pixels()
    assert pixels.dtype == np.uint8 and pixels.shape == (1133, 784)
    assert (info.width, info.height, info.ppi, info.compression) == (784, 1133, 500.0, "WSQ")
    assert 20 < float(pixels.mean()) < 250 and pixels.std() > 10  # a real print, not a blank


def test_type14_wsq_and_jpeg_decode(shared_data: Path) -> None:
    tx = parse((shared_data / "an2k" / "valid1.11.an2").read_bytes())
    by_type = {i.record_type: i for i in image_infos(tx)}
    slap = by_type[14].pixels()
    assert slap.shape == (976, 1600) and slap.std() > 10
    jpeg = parse((shared_data / "an2k" / "valid1.7.an2").read_bytes())
    (info,) = image_infos(jpeg)
    assert info.compression == "JPEGB" and info.pixels().shape == (336, 388)


def test_legacy_type3_and_type6_read(shared_data: Path) -> None:
    gray = parse((shared_data / "an2k" / "type_3_wvu.an2").read_bytes())
    infos = image_infos(gray)
    assert len(infos) == 14 and infos[0].pixels().shape == (375, 400)
    binary = parse((shared_data / "an2k" / "type_6_wvu.an2").read_bytes())
    first = image_infos(binary)[0]
    pixels = first.pixels()
    assert pixels.shape == (750, 800) and set(np.unique(pixels)) <= {0, 255}


def test_vector_signature_is_a_clear_error(shared_data: Path) -> None:
    tx = parse((shared_data / "an2k" / "sign_vec.an2").read_bytes())
    (info,) = image_infos(tx)
    with pytest.raises(EbtsError, match="VECTOR"):
        info.pixels()
