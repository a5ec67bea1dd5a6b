"""The compact form of templates inside a gallery, and comparison straight from it.

A stored template is its minutiae (``MINUTIA_ROW``), the usable flag of each cylinder, the
known cells of each cylinder as one bit per spatial cell (a cell is known in all direction
bins or none) and the set cells: about 230 bytes a minutia, half the ``Template.to_bytes``
form, which stores known cells per direction bin. Re-ranking reads a search's candidates from
the memory-mapped file and scores them in one compiled call, without building ``Template``
objects: the values decoded are exactly those ``Template.from_packed`` would hold.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from scomm.biometrics import matcher, popcount
from scomm.biometrics.compiled import compiled
from scomm.biometrics.matcher import Comparator, score_kernel
from scomm.biometrics.mcc import Cylinders, MccParams, cell_mask, known_from_cells
from scomm.biometrics.template import ANGLE_STEP, MINUTIA_ROW, POSITION_SCALE, Template

WORDS = MccParams().words
MASK_BYTES = (MccParams().spatial_cells ** 2 + 7) // 8
_DIRECTIONS = MccParams().direction_cells
if sys.byteorder != "little":  # pragma: no cover - read_stored copies little-endian words
    raise ImportError("stored templates are read as little-endian words")


def blob_length(count: int) -> int:
    """Bytes of a stored template of ``count`` minutiae."""
    return count * (MINUTIA_ROW.itemsize + MASK_BYTES + 8 * WORDS) + (count + 7) // 8


def encode(template: Template) -> bytes:
    cyl = template.cylinders
    return b"".join(
        (
            template.packed_minutiae().tobytes(),
            np.packbits(cyl.usable).tobytes(),
            cell_mask(cyl.known).tobytes(),
            cyl.bits.astype("<u8").tobytes(),
        )
    )


def decode(
    blob: bytes | npt.NDArray[np.uint8], count: int, width: int, height: int, ppi: int, quality: int
) -> Template:
    n = count
    rows = np.frombuffer(blob, MINUTIA_ROW, n, 0)
    off = n * MINUTIA_ROW.itemsize
    usable = np.unpackbits(np.frombuffer(blob, np.uint8, (n + 7) // 8, off), count=n).astype(bool)
    off += (n + 7) // 8
    mask = np.frombuffer(blob, np.uint8, n * MASK_BYTES, off).reshape(n, MASK_BYTES)
    off += n * MASK_BYTES
    bits = np.frombuffer(blob, "<u8", n * WORDS, off).astype(np.uint64).reshape(n, WORDS)
    cylinders = Cylinders(bits, known_from_cells(mask), usable)
    return Template.from_packed(rows, width, height, ppi, quality, cylinders)


@compiled(nogil=True)
def read_stored(
    blob: npt.NDArray[np.uint8],
    start: int,
    n: int,
    words: int,
    mask_bytes: int,
    angle_step: float,
    position_scale: float,
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.bool_],
    npt.NDArray[np.uint64],
]:
    """x, y, direction, usable flags and set cells of the stored template of ``n`` minutiae
    at ``start`` of ``blob``: exactly the values ``Template.from_packed`` holds."""
    x = np.empty(n, dtype=np.float64)
    y = np.empty(n, dtype=np.float64)
    t = np.empty(n, dtype=np.float64)
    usable = np.empty(n, dtype=np.bool_)
    bits = np.zeros((n, words), dtype=np.uint64)
    for m in range(n):
        r = start + 8 * m
        x[m] = (np.int64(blob[r]) | (np.int64(blob[r + 1]) << 8)) / position_scale
        y[m] = (np.int64(blob[r + 2]) | (np.int64(blob[r + 3]) << 8)) / position_scale
        t[m] = (np.int64(blob[r + 4]) | (np.int64(blob[r + 5]) << 8)) * angle_step
    off = start + 8 * n
    for m in range(n):  # np.packbits order: the first flag is the high bit
        usable[m] = (blob[off + (m >> 3)] >> (7 - (m & 7))) & 1
    off += (n + 7) // 8 + n * mask_bytes
    # little-endian words, copied bytewise into the (aligned) array: what assembling each
    # word from its eight bytes gives, on a little-endian machine (checked at import)
    bits.view(np.uint8).ravel()[:] = blob[off : off + n * words * 8]
    return x, y, t, usable, bits


@compiled(nogil=True)
def stored_known(
    blob: npt.NDArray[np.uint8],
    off: int,
    n: int,
    words: int,
    mask_bytes: int,
    directions: int,
    spread: npt.NDArray[np.uint64],
) -> npt.NDArray[np.uint64]:
    """The known cells of ``n`` stored cylinders (their cell masks at ``off``), expanded to
    every direction bin: byte by byte with ``spread`` (``byte_spread``), where expanding cell
    by cell cost a third of a comparison read from the gallery. The same bits."""
    known = np.zeros((n, words), dtype=np.uint64)
    span = 8 * directions
    for m in range(n):
        for byte in range(mask_bytes):
            value = blob[off + m * mask_bytes + byte]
            if value == 0:
                continue
            pattern = spread[value]
            first = byte * span
            word, shift = first >> 6, first & 63
            known[m, word] |= pattern << np.uint64(shift)
            if shift + span > 64 and word + 1 < words:
                known[m, word + 1] |= pattern >> np.uint64(64 - shift)
    return known


def byte_spread(directions: int) -> npt.NDArray[np.uint64]:
    """Per mask byte: its eight cells (low bit first) with each cell's ``directions`` bins."""
    if not 0 < directions <= 8:
        raise ValueError(
            f"a mask byte's cells fit a word for 1..8 direction bins, not {directions}"
        )
    run = (1 << directions) - 1
    table = [
        sum(run << (directions * cell) for cell in range(8) if value >> cell & 1)
        for value in range(256)
    ]
    return np.array(table, dtype=np.uint64)


_SPREAD = byte_spread(_DIRECTIONS)


def _compile_score_stored(kernel_digest: str) -> Callable[..., Any]:
    def _score_stored(
        xa: npt.NDArray[np.float64],
        ya: npt.NDArray[np.float64],
        ta: npt.NDArray[np.float64],
        bits_a: npt.NDArray[np.uint64],
        known_a: npt.NDArray[np.uint64],
        usable_a: npt.NDArray[np.bool_],
        blob: npt.NDArray[np.uint8],
        starts: npt.NDArray[np.int64],
        counts: npt.NDArray[np.int64],
        cfg: npt.NDArray[np.float64],
        words: int,
        mask_bytes: int,
        directions: int,
        angle_step: float,
        position_scale: float,
        spread: npt.NDArray[np.uint64],
    ) -> npt.NDArray[np.float64]:
        # kernel_digest only keys numba's cache (below); this keeps it in the closure
        scores = np.zeros(starts.size + 0 * len(kernel_digest), dtype=np.float64)
        for i in range(starts.size):
            n, s = counts[i], starts[i]
            if n == 0 or xa.size == 0:
                continue
            x, y, t, usable, bits = read_stored(
                blob, s, n, words, mask_bytes, angle_step, position_scale
            )
            off = s + 8 * n + (n + 7) // 8
            known = stored_known(blob, off, n, words, mask_bytes, directions, spread)
            score = score_kernel(
                xa, ya, ta, bits_a, known_a, usable_a, x, y, t, bits, known, usable, cfg
            )
            scores[i] = min(max(score, 0.0), 1.0)
        return scores

    return compiled(nogil=True)(_score_stored)


def _kernel_digest() -> str:
    """A digest of the sources of the comparison that ``_score_stored`` compiles into itself.
    Numba's cache notices a change to a cached function's own code and closure, not to the
    compiled functions it calls: without this, a changed matcher would keep scoring gallery
    templates with the old one's cached machine code."""
    digest = hashlib.sha256()
    for source in (matcher.__file__, popcount.__file__, __file__):  # read_stored: this one
        digest.update(Path(str(source)).read_bytes())
    return digest.hexdigest()


_score_stored = _compile_score_stored(_kernel_digest())


def score_stored(
    comparator: Comparator,
    probe: Template,
    blob: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """``comparator.compare(probe, t)`` for each stored template ``t`` (at ``starts`` in
    ``blob``, of ``counts`` minutiae), in one compiled call."""
    cyl = probe.cylinders
    scores: npt.NDArray[np.float64] = _score_stored(
        probe.x,
        probe.y,
        probe.theta,
        cyl.bits,
        cyl.known,
        cyl.usable,
        blob,
        np.ascontiguousarray(starts, dtype=np.int64),
        np.ascontiguousarray(counts, dtype=np.int64),
        comparator.config,
        WORDS,
        MASK_BYTES,
        _DIRECTIONS,
        ANGLE_STEP,
        float(POSITION_SCALE),
        _SPREAD,
    )
    return scores
