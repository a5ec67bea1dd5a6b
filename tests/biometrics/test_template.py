from __future__ import annotations

import contextlib
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.biometrics import (
    IsoFormatError,
    Minutia,
    MinutiaType,
    Template,
    TemplateError,
    from_iso19794_2,
    to_iso19794_2,
)
from scomm.biometrics.mcc import Cylinders, MccParams, cell_mask, known_from_cells
from scomm.biometrics.template import MINUTIA_ROW

WIDTH, HEIGHT = 640, 480

minutia = st.builds(
    Minutia,
    x=st.floats(0, WIDTH - 1),
    y=st.floats(0, HEIGHT - 1),
    theta=st.floats(0, 2 * math.pi, exclude_max=True),
    kind=st.sampled_from(list(MinutiaType)),
    reliability=st.floats(0, 1),
)
minutiae_lists = st.lists(minutia, max_size=60)


def _angle_gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs((a - b + math.pi) % (2 * math.pi) - math.pi)


@settings(max_examples=40, deadline=None)
@given(minutiae_lists, st.integers(0, 100))
def test_own_format_round_trip_within_its_precision(ms: list[Minutia], quality: int) -> None:
    t = Template.create(ms, WIDTH, HEIGHT, 500, quality)
    back = Template.from_bytes(t.to_bytes())
    assert (back.width, back.height, back.ppi, back.quality) == (WIDTH, HEIGHT, 500, quality)
    assert np.abs(back.x - t.x).max(initial=0) <= 1 / 16 + 1e-9
    assert np.abs(back.y - t.y).max(initial=0) <= 1 / 16 + 1e-9
    assert _angle_gap(back.theta, t.theta).max(initial=0) <= math.pi / 65536 + 1e-9
    assert np.array_equal(back.kind, t.kind)
    assert np.abs(back.reliability - t.reliability).max(initial=0) <= 1 / 510 + 1e-9
    # The stored cylinders come back bit for bit (no rebuild needed).
    assert np.array_equal(back.cylinders.bits, t.cylinders.bits)
    assert np.array_equal(back.cylinders.usable, t.cylinders.usable)


@settings(max_examples=40, deadline=None)
@given(minutiae_lists, st.integers(0, 100), st.integers(0, 10))
def test_iso_round_trip_within_its_precision(ms: list[Minutia], quality: int, finger: int) -> None:
    t = Template.create(ms, WIDTH, HEIGHT, 500, quality)
    record = to_iso19794_2(t, finger_position=finger)
    assert record[:8] == b"FMR\x00 20\x00"
    assert int.from_bytes(record[8:12], "big") == len(record) == 24 + 4 + 6 * len(ms) + 2
    assert record[24] == finger
    back = from_iso19794_2(record)
    assert (back.width, back.height, back.ppi, back.quality) == (WIDTH, HEIGHT, 500, quality)
    assert np.abs(back.x - np.minimum(np.round(t.x), WIDTH - 1)).max(initial=0) == 0
    assert np.abs(back.y - t.y).max(initial=0) <= 0.5 + 1e-9
    assert _angle_gap(back.theta, t.theta).max(initial=0) <= math.pi / 256 + 1e-9
    assert np.array_equal(back.kind, t.kind)
    assert np.abs(back.reliability - t.reliability).max(initial=0) <= 0.01 + 1e-9


def test_iso_angle_is_counter_clockwise() -> None:
    # theta points down the image (+y); ISO measures counter-clockwise: 270 degrees = 192 units.
    t = Template.create([Minutia(10, 10, math.pi / 2, MinutiaType.ENDING, 1.0)], 64, 64)
    assert to_iso19794_2(t)[24 + 4 + 4] == 192


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_iso_parser_never_crashes_on_junk(data: bytes) -> None:
    with contextlib.suppress(IsoFormatError):
        from_iso19794_2(data)


@settings(max_examples=200, deadline=None)
@given(minutiae_lists.filter(bool), st.data())
def test_iso_parser_reports_corruption_of_a_valid_record(
    ms: list[Minutia], data: st.DataObject
) -> None:
    record = bytearray(to_iso19794_2(Template.create(ms, WIDTH, HEIGHT)))
    position = data.draw(st.integers(0, len(record) - 1))
    record[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(record)))
    with contextlib.suppress(IsoFormatError):
        from_iso19794_2(bytes(record[:cut]))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_own_parser_never_crashes_on_junk(data: bytes) -> None:
    with pytest.raises(TemplateError):
        Template.from_bytes(b"SCFT\x01" + data)


def test_corrupted_template_is_rejected() -> None:
    t = Template.create([Minutia(100, 100, 1.0, MinutiaType.ENDING, 0.5)], WIDTH, HEIGHT)
    data = bytearray(t.to_bytes())
    data[20] ^= 0xFF
    with pytest.raises(TemplateError, match="checksum"):
        Template.from_bytes(bytes(data))
    with pytest.raises(TemplateError, match="too short"):
        Template.from_bytes(b"SC")
    with pytest.raises(TemplateError, match="magic"):
        Template.from_bytes(b"XXXX" + bytes(30))


def test_iso_errors_name_the_field() -> None:
    record = bytearray(to_iso19794_2(Template.create([], WIDTH, HEIGHT)))
    with pytest.raises(IsoFormatError, match="offset 8: record length"):
        from_iso19794_2(bytes(record) + b"\x00")
    record[4:8] = b"030\x00"
    with pytest.raises(IsoFormatError, match="offset 4: version"):
        from_iso19794_2(bytes(record))


def test_minutiae_outside_the_image_are_refused() -> None:
    with pytest.raises(TemplateError, match="outside"):
        Template.create([Minutia(700, 10, 0.0, MinutiaType.ENDING, 1.0)], WIDTH, HEIGHT)


@settings(max_examples=20, deadline=None)
@given(minutiae_lists)
def test_known_cells_stored_per_spatial_cell_come_back_exactly(ms: list[Minutia]) -> None:
    known = Template.create(ms, WIDTH, HEIGHT).cylinders.known
    assert np.array_equal(known_from_cells(cell_mask(known)), known)


@settings(max_examples=10, deadline=None)
@given(minutiae_lists)
def test_a_pickled_template_comes_back_equal_and_read_only(ms: list[Minutia]) -> None:
    # read-only as made: compiled code specialised on read-only arrays is then reused
    template = Template.create(ms, WIDTH, HEIGHT, quality=42)
    back = pickle.loads(pickle.dumps(template))
    assert back.to_bytes() == template.to_bytes()
    arrays = ("x", "y", "theta", "kind", "reliability")
    for name in arrays:
        assert np.array_equal(getattr(back, name), getattr(template, name))
    cylinders = (back.cylinders.bits, back.cylinders.known, back.cylinders.usable)
    for array in (*(getattr(back, name) for name in arrays), *cylinders):
        assert not array.flags.writeable


def _plain_packed(t: Template) -> np.ndarray:
    """``Template.packed_minutiae`` as numpy operations (its form before session 7)."""
    rows = np.zeros(len(t), dtype=MINUTIA_ROW)
    rows["x"] = np.minimum(np.round(t.x * 8), 65535)
    rows["y"] = np.minimum(np.round(t.y * 8), 65535)
    rows["theta"] = np.round(t.theta * 65536 / (2 * math.pi)).astype(np.int64) % 65536
    rows["kind"] = t.kind
    rows["reliability"] = np.round(t.reliability * 255)
    return rows


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 60), st.integers(0, 2**32 - 1))
def test_packed_minutiae_are_the_numpy_forms(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # half-way values (x*8 and reliability*255 at .5) test the rounding to even
    x = np.where(rng.random(n) < 0.3, (rng.integers(0, 3000, n) + 0.5) / 8, rng.uniform(0, 399, n))
    rel = np.where(rng.random(n) < 0.3, (rng.integers(0, 255, n) + 0.5) / 255, rng.random(n))
    t = Template(
        400, 400, 500, 60, x, rng.uniform(0, 399.99, n), rng.uniform(0, 2 * math.pi, n),
        rng.integers(0, 3, n).astype(np.uint8), rel, build_cylinders_for(n),
    )  # fmt: skip
    fast = t.packed_minutiae()
    assert fast.dtype == MINUTIA_ROW and fast.tobytes() == _plain_packed(t).tobytes()


def build_cylinders_for(n: int) -> Cylinders:
    words = MccParams().words
    return Cylinders(
        np.zeros((n, words), np.uint64), np.zeros((n, words), np.uint64), np.zeros(n, bool)
    )


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40), st.integers(0, 2**32 - 1))
def test_cell_mask_is_each_cells_first_bin_packed(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    known = rng.integers(0, 2**63, (n, MccParams().words), dtype=np.uint64)
    cells, nd = MccParams().spatial_cells ** 2, MccParams().direction_cells
    bits = np.unpackbits(
        known.view(np.uint8).reshape(n, 8 * known.shape[1]), axis=1, bitorder="little"
    )
    plain = np.packbits(bits[:, : cells * nd : nd], axis=1, bitorder="little")
    assert np.array_equal(cell_mask(known), plain)
