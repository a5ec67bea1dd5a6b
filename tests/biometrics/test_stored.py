"""Reading stored templates straight from the gallery's bytes gives what decoding them gives:
the word copy and the byte-wise expansion of known cells against the plain formulas."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.biometrics import stored
from scomm.biometrics.mcc import MccParams, known_from_cells
from scomm.biometrics.template import ANGLE_STEP, MINUTIA_ROW, POSITION_SCALE


def _plain_words(data: bytes, n: int, words: int) -> np.ndarray:
    """Each word assembled from its eight bytes, low byte first."""
    out = np.zeros((n, words), dtype=np.uint64)
    for m in range(n):
        for w in range(words):
            chunk = data[(m * words + w) * 8 : (m * words + w + 1) * 8]
            out[m, w] = np.uint64(int.from_bytes(chunk, "little"))
    return out


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(0, 7),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 0.05, 0.5, 1.0]),
)
def test_stored_cylinders_read_back_as_the_plain_formulas_say(
    n: int, lead: int, seed: int, density: float
) -> None:
    rng = np.random.default_rng(seed)
    words, mask_bytes = stored.WORDS, stored.MASK_BYTES
    size = stored.blob_length(n)
    blob = rng.integers(0, 256, lead + size + 5, dtype=np.uint8)  # unaligned start
    off = lead + n * MINUTIA_ROW.itemsize + (n + 7) // 8
    masks = (rng.random((n, mask_bytes * 8)) < density).astype(np.uint8)
    packed = np.packbits(masks, axis=1, bitorder="little")
    blob[off : off + n * mask_bytes] = packed.reshape(-1)
    _, _, _, _, bits = stored.read_stored(
        blob, lead, n, words, mask_bytes, ANGLE_STEP, float(POSITION_SCALE)
    )
    start = off + n * mask_bytes
    assert np.array_equal(
        bits, _plain_words(blob[start : start + n * words * 8].tobytes(), n, words)
    )
    known = stored.stored_known(
        blob, off, n, words, mask_bytes, MccParams().direction_cells, stored.byte_spread(6)
    )
    plain = known_from_cells(np.ascontiguousarray(blob[off : off + n * mask_bytes].reshape(n, -1)))
    assert known.dtype == np.uint64 and np.array_equal(known, plain)


def test_byte_spread_gives_each_cell_its_direction_bins() -> None:
    table = stored.byte_spread(6)
    assert int(table[0]) == 0 and int(table[1]) == 0b111111
    assert int(table[0b10000001]) == 0b111111 | (0b111111 << 42)
    assert int(table[255]) == (1 << 48) - 1
