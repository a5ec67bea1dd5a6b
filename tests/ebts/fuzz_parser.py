"""Mutation fuzzing of the ANSI/NIST-ITL parser over the real NBIS test files.

Run ``.venv/bin/python tests/ebts/fuzz_parser.py [CASES] [--keep-interesting]`` (default
100,000 cases; ``--keep-interesting`` also saves one small input per new kind of error).
Each case takes a real file, applies a few hypothesis-chosen mutations (byte flips, cuts,
insertions, separator and digit edits, lying lengths) and requires that the parser either
reads it -- and then writes it back byte for byte, validates it, lists its images and reads
it as its message -- or raises ``EbtsError``. Anything else is a crash: its input is saved
under ``corpus/`` and the run fails. The normal test run (``test_fuzz.py``) replays the corpus
and a small sample of new cases.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scomm.domain import Booking, Charge, CriminalLevel, FingerPosition, Ori, Person, Race, Sex, Tcn
from scomm.ebts import (
    Detainer,
    EbtsError,
    Envelope,
    ImmigrationQuery,
    ImmigrationResponse,
    ImmigrationStatus,
    SearchResult,
    Transaction,
    build_car,
    build_detainer,
    build_iaq,
    build_iar,
    build_sre,
    image_infos,
    parse,
    read_car_facts,
    read_detainer,
    read_errt,
    read_iaq,
    read_iar,
    read_sre,
    reject,
    validate,
)

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
SHARED = (
    Path(os.environ.get("SCOMM_SHARED_DATA", HERE.parents[1].parent / "shared" / "data")) / "an2k"
)
# Small enough to mutate quickly; every record type the files hold is among them.
SEEDS = (
    "valid1.1.an2",
    "valid1.3.an2",
    "valid1.11.an2",
    "valid1.13.an2",
    "valid1.14.an2",
    "valid1.15.an2",
    "valid1.2.an2",
    "valid1.7.an2",
    "sign_raw.an2",
    "sign_vec.an2",
    "face_jpb_DOM_GMT_DCS.an2",
)
_SPECIAL = [b"\x1c", b"\x1d", b"\x1e", b"\x1f", b":", b".", b"0", b"9", b"\xff", b"\x00"]


READERS: dict[str, Callable[[Transaction], object]] = {
    "CAR": read_car_facts,
    "SRE": read_sre,
    "ERRT": read_errt,
    "IAQ": read_iaq,
    "IAR": read_iar,
    "DTNR": read_detainer,
}


def seeds(directory: Path = SHARED) -> list[bytes]:
    """The NBIS files and one of each message scomm builds (a CAR with two small prints)."""
    files = [(directory / name).read_bytes() for name in SEEDS if (directory / name).exists()]
    return files + scomm_messages() if files else []


def scomm_messages() -> list[bytes]:
    at = dt.datetime(2011, 6, 1, 14, 5, tzinfo=dt.UTC)
    ori = Ori("TX1010000")
    person = Person("p", "Garcia", "Jose", dt.date(1985, 2, 3), Sex.MALE, Race.WHITE, "MX")
    booking = Booking(Tcn.for_booking(ori, at.date(), 1), ori, person, at, (Charge.of("3599"),))
    ridges = (np.sin(np.arange(48 * 48).reshape(48, 48) / 3.0) * 90 + 128).astype(np.uint8)
    prints = {FingerPosition.RIGHT_INDEX: ridges, FingerPosition.LEFT_INDEX: ridges}
    car = build_car(booking, prints)
    facts = read_car_facts(car)
    sre = SearchResult.answering(
        facts, tcn="WVIAFIS0Z-1", ori="WVIAFIS0Z", sent_at=at, identified=True, fbi_number="1A"
    )
    errt = reject(
        car, EbtsError("LEN says 9 bytes", record=2), tcn="WVIAFIS0Z-2", ori="WVIAFIS0Z", sent_at=at
    )
    query = ImmigrationQuery.for_car(facts, tcn="WVIAFIS0Z-3", ori="WVIAFIS0Z",
                                     dai="VTICE0900", sent_at=at, ident_fin="F-1")  # fmt: skip
    envelope = Envelope("VTICE0900-4", "VTICE0900", "TXICE0000", at, query.envelope.tcn)
    status, level = ImmigrationStatus.VISA_OVERSTAY, CriminalLevel.LEVEL_3
    iar = ImmigrationResponse(envelope, facts.subject, "TX1010000", status, True, level)
    detainer = Detainer(envelope, facts.subject, "TX1010000", "Houston", at.date())
    built = [car, build_sre(sre), errt, build_iaq(query), build_iar(iar), build_detainer(detainer)]
    return [tx.to_bytes() for tx in built]


@st.composite
def mutated(draw: st.DrawFn, originals: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(originals)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.integers(0, 7))
        if kind == 0:  # flip a byte
            data[at] = draw(st.integers(0, 255))
        elif kind == 1:  # truncate
            del data[at:]
        elif kind == 2:  # delete a range
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == 3:  # insert separators, colons, digits
            data[at:at] = draw(st.sampled_from(_SPECIAL)) * draw(st.integers(1, 3))
        elif kind == 4:  # insert random bytes
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == 5:  # make a number lie: replace a digit near a colon
            colon = data.find(b":", at)
            if 0 <= colon < len(data) - 1:
                data[colon + 1 : colon + 1] = str(draw(st.integers(0, 2**31))).encode()
        elif kind == 6:  # a binary LEN claiming up to 4 GB
            data[at : at + 4] = draw(st.integers(0, 2**32 - 1)).to_bytes(4, "big")
        else:  # duplicate a slice
            size = draw(st.integers(1, 256))
            data[at:at] = data[at : at + size]
    return bytes(data)


_KIND = re.compile(r"\d+|'[^']*'|b'[^']*'")
_SEEN: set[str] = set()
INTERESTING_MAX_BYTES = 20_000


def check(data: bytes, keep_interesting: bool = False) -> None:
    """The property: a clean result or an EbtsError; never another exception."""
    try:
        tx = parse(data)
    except EbtsError as exc:
        kind = _KIND.sub("#", exc.reason)
        if keep_interesting and kind not in _SEEN and len(data) <= INTERESTING_MAX_BYTES:
            _SEEN.add(kind)
            save(data, "error")
        return
    assert tx.to_bytes() == data, "a file that parses must write back byte for byte"
    validate(tx)
    image_infos(tx)
    reader = READERS.get(tx.tot)
    if reader is not None:
        with contextlib.suppress(EbtsError):
            reader(tx)


def save(data: bytes, kind: str) -> Path:
    CORPUS.mkdir(exist_ok=True)
    path = CORPUS / f"{kind}-{hashlib.sha256(data).hexdigest()[:16]}.an2"
    path.write_bytes(data)
    return path


def run(cases: int, originals: list[bytes], keep_interesting: bool = False) -> None:
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(mutated(originals))
    def property_holds(data: bytes) -> None:
        try:
            check(data, keep_interesting)
        except Exception:
            save(data, "crash")
            raise

    property_holds()


def main(argv: list[str]) -> int:
    keep = "--keep-interesting" in argv
    argv = [a for a in argv if a != "--keep-interesting"]
    cases = int(argv[0]) if argv else 100_000
    originals = seeds()
    if not originals:
        print(f"no seed files in {SHARED}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    run(cases, originals, keep)
    elapsed = time.perf_counter() - start
    print(f"{cases} mutated files parsed without a crash in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
