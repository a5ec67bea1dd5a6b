"""CAR: a booking and its prints go out as EBTS and come back as the same booking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scomm.domain import TEN_FINGERS, Booking, Charge, FingerPosition, Ori, Person, Race, Sex, Tcn
from scomm.ebts import (
    BinaryRecord,
    EbtsError,
    build_car,
    encode_wsq,
    finger_images,
    image_infos,
    parse,
    read_car,
    read_car_facts,
    read_errt,
    reject,
    validate,
)

PACIFIC = dt.timezone(dt.timedelta(hours=-8))
AT = dt.datetime(2010, 3, 5, 7, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def prints(shared_data: Path) -> dict[FingerPosition, np.ndarray]:
    files = sorted((shared_data / "fingerprints" / "fvc2004_db1_b").glob("*_1.tif"))
    return {
        position: np.asarray(Image.open(path).convert("L"))
        for position, path in zip(TEN_FINGERS, files, strict=True)
    }


def booking() -> Booking:
    ori = Ori("CA0190000")
    person = Person(
        "p-1", "O'Brien", "Mary Ann", dt.date(1980, 5, 17), Sex.FEMALE, Race.WHITE, "MX"
    )
    return Booking(
        Tcn.for_booking(ori, dt.date(2010, 3, 4), 17),
        ori,
        person,
        dt.datetime(2010, 3, 4, 22, 30, tzinfo=PACIFIC),
        (Charge.of("5404"), Charge.of("1399", "ASSAULT ON OFFICER")),
    )


def test_car_from_a_booking_validates_clean(prints: dict[FingerPosition, np.ndarray]) -> None:
    tx = build_car(booking(), prints)
    assert validate(tx) == []
    assert [r.type for r in tx.records] == [1, 2] + [4] * 10
    again = parse(tx.to_bytes())
    assert validate(again) == []


def test_booking_facts_survive_the_trip(prints: dict[FingerPosition, np.ndarray]) -> None:
    original = booking()
    facts, images = read_car(parse(build_car(original, prints).to_bytes()))
    back = facts.booking("p-1")
    assert back.tcn == original.tcn and back.ori == original.ori
    assert back.booked_at == original.booked_at  # the event time, through 1.014 GMT
    assert back.charges == original.charges
    assert (back.person.last_name, back.person.first_name) == ("OBRIEN", "MARY ANN")
    assert back.person.date_of_birth == original.person.date_of_birth
    assert (back.person.sex, back.person.race, back.person.place_of_birth) == (
        Sex.FEMALE,
        Race.WHITE,
        "MX",
    )
    assert facts.arrested_on == dt.date(2010, 3, 4)  # the local booking date
    assert set(images) == set(TEN_FINGERS)
    for position, pixels in images.items():
        source = prints[position].astype(float)
        assert pixels.shape == source.shape
        assert np.abs(pixels - source).mean() < 4  # WSQ is lossy, not that lossy


def test_pre_encoded_wsq_is_used_as_is(prints: dict[FingerPosition, np.ndarray]) -> None:
    index = prints[FingerPosition.RIGHT_INDEX]
    encoded = encode_wsq(index)
    two = {FingerPosition.RIGHT_INDEX: encoded, FingerPosition.LEFT_INDEX: encoded}
    tx = build_car(booking(), two)
    infos = finger_images(tx)
    assert infos[FingerPosition.LEFT_INDEX].data == encoded
    assert (infos[FingerPosition.LEFT_INDEX].width, infos[FingerPosition.LEFT_INDEX].height) == (
        index.shape[1],
        index.shape[0],
    )
    assert validate(tx) == []


def test_other_resolutions_go_as_type14(prints: dict[FingerPosition, np.ndarray]) -> None:
    tx = build_car(
        booking(), {FingerPosition.RIGHT_THUMB: prints[FingerPosition.RIGHT_THUMB]}, ppi=1000
    )
    assert [r.type for r in tx.records] == [1, 2, 14]
    assert validate(tx) == []
    info = finger_images(parse(tx.to_bytes()))[FingerPosition.RIGHT_THUMB]
    assert info.ppi == 1000 and info.compression == "WSQ" and info.pixels().shape == (480, 640)


def test_bad_ori_and_missing_name_are_rejected_with_reasons(
    prints: dict[FingerPosition, np.ndarray],
) -> None:
    tx = build_car(booking(), {FingerPosition.RIGHT_INDEX: prints[FingerPosition.RIGHT_INDEX]})
    type2 = tx.tagged(2)
    assert type2 is not None
    bad = tx.with_header_value(8, "ZZ1234567").replace_record(1, type2.without(18))
    violations = validate(parse(bad.to_bytes()))
    reasons = [v.describe() for v in violations]
    errt = reject(bad, violations, tcn="WVIAFIS0Z-0000000001", ori="WVIAFIS0Z", sent_at=AT)
    answer = read_errt(parse(errt.to_bytes()))
    assert list(answer.messages) == reasons and answer.envelope.tcr == bad.tcn
    assert answer.envelope.dai == "ZZ1234567"  # back to whoever sent it
    assert reasons == [
        "record 1 (Type-1) 1.008 ORI: ORI 'ZZ1234567' must start with an NCIC state code"
        " (AL..WY, DC, PR, GM, VI, ...), not 'ZZ'",
        "record 2 (Type-2) 2.018 NAM: mandatory for CAR but missing",
    ]


def test_builder_refuses_what_it_cannot_send(prints: dict[FingerPosition, np.ndarray]) -> None:
    with pytest.raises(EbtsError, match="at least one"):
        build_car(booking(), {})
    with pytest.raises(EbtsError, match=r"RIGHT_INDEX.*SOI"):
        build_car(booking(), {FingerPosition.RIGHT_INDEX: b"not wsq"})
    with pytest.raises(EbtsError, match="CAR or CNA"):
        build_car(booking(), prints, tot="SRE")
    with pytest.raises(EbtsError, match="2-D uint8"):
        build_car(booking(), {FingerPosition.RIGHT_INDEX: np.zeros((10, 10, 3), np.uint8)})


def test_outside_car_reads_without_codes(shared_data: Path) -> None:
    tx = parse((shared_data / "an2k" / "valid1.1.an2").read_bytes())
    facts = read_car_facts(tx)
    assert facts.subject.last_name == "JOHN" and facts.charges == ()
    assert facts.unparsed_charges == ("4727442",)
    with pytest.raises(EbtsError):
        facts.booking("x")  # no arrest charge scomm understands


def test_a_finger_sent_twice_is_a_violation(prints: dict[FingerPosition, np.ndarray]) -> None:
    tx = build_car(booking(), {FingerPosition.RIGHT_INDEX: prints[FingerPosition.RIGHT_INDEX]})
    image = tx.records[2]
    assert isinstance(image, BinaryRecord)
    twice = tx.with_record(image.with_idc(2))
    reasons = [v.describe() for v in validate(twice)]
    assert reasons == ["record 4 (Type-4) 4.004 FGP: finger position 2 already sent in record 3"]


def test_finger_images_describe_on_demand_what_image_infos_describe(
    prints: dict[FingerPosition, np.ndarray],
) -> None:
    """Positions from the headers, an image described when asked for or its bytes alone
    (``encoded_items``, what an oracle search reads): the same as ``image_infos``, in file order,
    Type-4 and Type-14 alike; a finger sent twice is refused."""
    fingers = (FingerPosition.RIGHT_THUMB, FingerPosition.LEFT_INDEX)
    four = build_car(booking(), {p: prints[p] for p in fingers})
    right_index = {FingerPosition.RIGHT_INDEX: prints[FingerPosition.RIGHT_INDEX]}
    fourteen = build_car(booking(), right_index, ppi=1000).records[2]
    tx = parse(four.with_record(fourteen).to_bytes())
    assert [r.type for r in tx.records] == [1, 2, 4, 4, 14]
    eager = {FingerPosition(info.positions[0]): info for info in image_infos(tx)}
    assert list(eager) == [*fingers, FingerPosition.RIGHT_INDEX]
    lazy = finger_images(tx)
    encoded = [(p, i.compression, i.data) for p, i in eager.items()]
    assert list(lazy.encoded_items()) == encoded
    assert list(lazy) == list(eager) and len(lazy) == 3
    assert dict(lazy.items()) == eager and lazy == eager
    assert FingerPosition.LEFT_THUMB not in lazy
    with pytest.raises(EbtsError, match="two images for RIGHT_INDEX"):
        finger_images(tx.with_record(fourteen))
