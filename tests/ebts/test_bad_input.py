"""Malformed files are EbtsErrors that say where the problem is, never crashes or huge reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from scomm.ebts import EbtsError, parse, validate


@pytest.fixture(scope="module")
def car(shared_data: Path) -> bytes:
    return (shared_data / "an2k" / "valid1.1.an2").read_bytes()


def error_of(data: bytes) -> EbtsError:
    with pytest.raises(EbtsError) as caught:
        parse(data)
    return caught.value


def test_empty_and_garbage() -> None:
    assert "empty" in str(error_of(b""))
    assert error_of(b"hello world").offset == 0
    assert "XML (NIEM) encoding" in str(error_of(b"<?xml version='1.0'?><itl/>"))


def test_truncated_everywhere(car: bytes) -> None:
    for cut in (5, 50, 129, 130, 200, 400, len(car) - 1):
        error = error_of(car[:cut])
        assert error.offset is not None or error.record is not None, cut


def test_len_that_lies(car: bytes) -> None:
    longer = car.replace(b"2.001:231", b"2.001:241", 1)
    error = error_of(longer)
    assert error.record == 2 and "FS" in error.reason
    shorter = car.replace(b"1.01:129", b"1.01:12", 1)
    assert error_of(shorter).record == 1


def test_claimed_two_gigabytes(car: bytes) -> None:
    tagged = car.replace(b"2.001:231", b"2.001:2147483648", 1)
    error = error_of(tagged)
    assert "2147483648" in error.reason and "remain" in error.reason
    start = car.index(b"\xff\xa0") - 18  # the Type-4 header
    binary = car[:start] + (2**31).to_bytes(4, "big") + car[start + 4 :]
    error = error_of(binary)
    assert error.record == 3 and error.offset == start and "2147483648" in error.reason


def test_missing_separators(car: bytes) -> None:
    no_fs = car.replace(b"\x1c", b"\x1d", 1)
    assert error_of(no_fs).record == 1
    no_gs = car.replace(b"\x1d2.005:", b"2.005:", 1)
    error = error_of(no_gs)
    assert error.record == 2


def test_cnt_that_disagrees(car: bytes) -> None:
    assert "lists" in error_of(car.replace(b"1.03:1\x1f2", b"1.03:1\x1f3", 1)).reason
    wrong_idc = car.replace(b"4\x1f01", b"4\x1f02", 1)
    error = error_of(wrong_idc)
    assert error.record == 3 and "IDC" in error.reason
    wrong_type = car.replace(b"2\x1f00", b"9\x1f00", 1)
    assert error_of(wrong_type).record == 2
    extra = car + b"1.001:5\x1c"
    assert "after the last record" in error_of(extra).reason


def edit_type1(car: bytes, old: bytes, new: bytes) -> bytes:
    """Replace text in the Type-1 record and fix its LEN, leaving the rest as it was."""
    end = car.index(b"\x1c") + 1
    body = car[:end].replace(old, new, 1)
    head, rest = body.split(b"\x1d", 1)
    tag = head.split(b":")[0]
    base = len(tag) + 2 + len(rest)
    length = base + len(str(base))
    while length != base + len(str(length)):
        length = base + len(str(length))
    return tag + b":" + str(length).encode() + b"\x1d" + rest + car[end:]


def test_unknown_record_type(car: bytes) -> None:
    error = error_of(edit_type1(car, b"4\x1f01", b"50\x1f01"))
    assert "unknown record type 50" in error.reason and error.record == 3


def test_bad_tags(car: bytes) -> None:
    error = error_of(car.replace(b"2.018:", b"2.0x8:", 1))
    assert error.record == 2 and "tag" in error.reason
    twice = car.replace(b"2.020:WV", b"2.018:WV", 1)
    assert "twice" in error_of(twice).reason


def test_wrong_character_set_is_a_violation(car: bytes) -> None:
    tx = parse(car.replace(b"2.024:M", b"2.024:7", 1))
    problems = [v for v in validate(tx) if v.field == "2.024"]
    assert problems and "not allowed in A field" in problems[0].reason


def test_the_xml_file_of_the_test_set_is_named_for_what_it_is(shared_data: Path) -> None:
    xml = (shared_data / "an2k" / "All-Supported-Records-test-comp.xml").read_bytes()
    assert "XML (NIEM) encoding" in error_of(xml).reason
