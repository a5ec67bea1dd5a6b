"""Corrupt WSQ never takes the caller down: the NBIS decoder runs in a helper process."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest

from scomm.ebts import EbtsError, decode_wsq, encode_wsq, image_infos, parse
from scomm.ebts.wsq_worker import IsolatedDecoder


@pytest.fixture(scope="module")
def wsq(shared_data: Path) -> bytes:
    tx = parse((shared_data / "an2k" / "valid1.1.an2").read_bytes())
    return image_infos(tx)[0].data


def test_isolated_and_in_process_decoding_agree(wsq: bytes) -> None:
    isolated = decode_wsq(wsq)
    assert isolated.shape == (512, 512)
    assert np.array_equal(isolated, decode_wsq(wsq, isolated=False))


def test_a_crashing_decoder_is_an_error_and_is_restarted(wsq: bytes) -> None:
    crashing = IsolatedDecoder([sys.executable, "-c", "import os; os.abort()"])
    with pytest.raises(EbtsError, match="crashed"):
        crashing.decode(wsq)
    with pytest.raises(EbtsError, match="crashed"):
        crashing.decode(wsq)  # a fresh worker each time, the caller still alive
    working = IsolatedDecoder()
    pixels, width, height = working.decode(wsq)
    assert (width, height, len(pixels)) == (512, 512, 512 * 512)
    working.close()


def test_absurd_frame_size_is_refused_before_decoding(wsq: bytes) -> None:
    broken = bytearray(wsq)
    broken[8] = 0xBA  # height 47,618: this used to segfault the NBIS decoder
    with pytest.raises(EbtsError, match="implausibly large"):
        decode_wsq(bytes(broken))


def test_mutated_wsq_decodes_or_fails_cleanly(wsq: bytes) -> None:
    rng = random.Random(7)
    outcomes = {"decoded": 0, "error": 0}
    for _ in range(40):
        data = bytearray(wsq)
        at = rng.randrange(400)
        data[at : at + rng.randint(0, 3)] = bytes(rng.randrange(256) for _ in range(2))
        try:
            decode_wsq(bytes(data))
            outcomes["decoded"] += 1
        except EbtsError:
            outcomes["error"] += 1
    assert outcomes["error"] > 0 and sum(outcomes.values()) == 40


def test_encode_round_trip() -> None:
    ridges = (np.sin(np.arange(128 * 96).reshape(96, 128) / 4.0) * 90 + 128).astype(np.uint8)
    back = decode_wsq(encode_wsq(ridges))
    assert back.shape == (96, 128) and np.abs(back.astype(int) - ridges).mean() < 6
