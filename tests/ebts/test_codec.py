"""Building and changing transactions: LEN, IDC and CNT stay right without anyone's help."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.ebts import BinaryRecord, EbtsError, Field, TaggedRecord, Transaction, parse

FS, GS, RS, US = "\x1c", "\x1d", "\x1e", "\x1f"


def small_transaction() -> Transaction:
    type2 = TaggedRecord.new(2, {18: "DOE,JOHN", 47: [("20100101", "5404 DUI")]}, idc=0)
    image = BinaryRecord.image(
        4, idc=1, impression=1, positions=(2,), isr=0, width=2, height=2, compression=0,
        data=b"\x00\x10\x20\x30",
    )  # fmt: skip
    return Transaction.create(
        {2: "0400", 4: "CAR", 8: "CA0190000", 9: "CA0190000-1"}, [type2, image]
    )


def test_encoding_follows_the_standard_layout() -> None:
    data = small_transaction().to_bytes()
    type1, rest = data.split(FS.encode(), 1)
    fields = type1.decode().split(GS)
    assert fields[0] == f"1.001:{len(type1) + 1}"
    assert fields[1:3] == ["1.002:0400", f"1.003:1{US}2{RS}2{US}00{RS}4{US}01"]
    type2, image = rest.split(FS.encode(), 1)
    assert (
        type2.decode()
        == f"2.001:{len(type2) + 1}{GS}2.002:00{GS}2.018:DOE,JOHN{GS}2.047:20100101{US}5404 DUI"
    )
    assert image[:4] == (22).to_bytes(4, "big") and image[4] == 1 and image[6] == 2
    assert len(image) == 22


def test_changing_a_field_recomputes_len() -> None:
    tx = small_transaction()
    longer = tx.replace_record(1, tx.tagged(2).with_value(18, "DOE-SMITH,JOHNATHAN"))  # type: ignore[union-attr]
    again = parse(longer.to_bytes())
    assert again.tagged(2).text(18) == "DOE-SMITH,JOHNATHAN"  # type: ignore[union-attr]
    assert len(longer.to_bytes()) == len(tx.to_bytes()) + len("-SMITH") + len("ATHAN")


def test_adding_and_removing_records_rewrites_cnt() -> None:
    tx = small_transaction()
    second = BinaryRecord.image(
        4, idc=tx.next_idc(), impression=1, positions=(7,), isr=0, width=1, height=1,
        compression=0, data=b"\x80",
    )  # fmt: skip
    assert tx.with_record(second).header.subfields(3)[0] == ("1", "3")  # before encoding too
    grown = parse(tx.with_record(second).to_bytes())
    assert [(r.type, r.idc) for r in grown.records[1:]] == [(2, 0), (4, 1), (4, 2)]
    assert grown.header.subfields(3)[0] == ("1", "3")
    shrunk = parse(grown.without_record(2).to_bytes())
    assert [(r.type, r.idc) for r in shrunk.records[1:]] == [(2, 0), (4, 2)]


def test_len_crossing_a_power_of_ten() -> None:
    for size in range(80, 110):
        record = TaggedRecord.new(2, {18: "X" * size}, idc=0)
        data = Transaction.create({4: "CAR"}, [record]).to_bytes()
        assert parse(data).to_bytes() == data


def test_fields_refuse_separators_and_misplaced_binary() -> None:
    with pytest.raises(EbtsError, match="separator"):
        Field.of(2, 18, "DOE" + GS + "JOHN")
    with pytest.raises(EbtsError, match=r"x\.999"):
        Field.of(2, 18, b"\x00")
    with pytest.raises(EbtsError, match="Type-2"):
        TaggedRecord.new(2, {}, idc=0).with_field(Field.of(1, 5, "20100101"))
    with pytest.raises(EbtsError, match="Type-1"):
        Transaction((TaggedRecord.new(2, {}, idc=0),))
    with pytest.raises(EbtsError, match="does not fit"):
        BinaryRecord.image(
            4, idc=1, impression=1, positions=(1,), isr=0, width=70000, height=1,
            compression=1, data=b"",
        )  # fmt: skip


_text = st.text(
    alphabet=st.characters(blacklist_characters=FS + GS + RS + US, blacklist_categories=("Cs",)),
    max_size=20,
)
_subfields = st.lists(st.lists(_text, min_size=1, max_size=3), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.integers(3, 998), _subfields, max_size=8),
    st.binary(max_size=64),
    st.lists(st.binary(max_size=40), max_size=3),
)
def test_any_content_round_trips(
    text_fields: dict[int, list[list[str]]], image: bytes, raw_records: list[bytes]
) -> None:
    records: list[TaggedRecord | BinaryRecord] = [TaggedRecord.new(2, text_fields, idc=0)]
    records.append(TaggedRecord.new(14, {13: "01", 999: image}, idc=1))
    records.extend(BinaryRecord(7, (idc,), raw) for idc, raw in enumerate(raw_records, start=2))
    tx = Transaction.create({2: "0500", 4: "CAR"}, records)
    data = tx.to_bytes()
    again = parse(data)
    assert again.to_bytes() == data
    type2 = again.tagged(2)
    assert type2 is not None
    for number, subfields in text_fields.items():
        assert type2.subfields(number) == tuple(tuple(items) for items in subfields)
    assert again.tagged(14).data == image  # type: ignore[union-attr]
    assert [r.data for r in again.of_type(7)] == raw_records  # type: ignore[union-attr]


def test_appended_tagged_record_gets_the_next_idc() -> None:
    tx = small_transaction().with_record(TaggedRecord.new(10, {3: "FACE", 999: b"\xff\xd8"}))
    assert [(r.type, r.idc) for r in parse(tx.to_bytes()).records[1:]] == [(2, 0), (4, 1), (10, 2)]


def test_zero_padded_len_is_kept_when_still_right() -> None:
    data = Transaction.create({2: "0400", 4: "CAR"}).to_bytes()
    head, rest = data.split(b"\x1d", 1)
    padded = b"1.001:0" + str(len(data) + 1).encode() + b"\x1d" + rest
    assert head == b"1.001:" + str(len(data)).encode()
    assert parse(padded).to_bytes() == padded
