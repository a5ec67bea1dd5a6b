"""Mutation fuzzing of the ANSI/NIST-ITL parser over the real NBIS test files.

Run ``.venv/bin/python tests/ebts/fuzz_parser.py [CASES] [--keep-interesting]`` (default
100,000 cases; ``--keep-interesting`` also saves one small input per new kind of error).
Each case takes a real file, applies a few hypothesis-chosen mutations (byte flips, cuts,
insertions, separator and digit edits, lying lengths) and requires that the parser either
reads it -- and then writes it back so that it reads again to the same bytes, validates and
lists its images -- or raises ``EbtsError``. Anything else is a crash: its input is saved
under ``corpus/`` and the run fails. The normal test run (``test_fuzz.py``) replays the corpus
and a small sample of new cases.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scomm.ebts import EbtsError, image_infos, parse, validate

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


def seeds(directory: Path = SHARED) -> list[bytes]:
    return [(directory / name).read_bytes() for name in SEEDS if (directory / name).exists()]


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
    try:
        encoded = tx.to_bytes()
    except EbtsError:
        return  # e.g. a record whose IDC field lost its digits: cannot be re-encoded
    again = parse(encoded)
    assert again.to_bytes() == encoded, "re-encoding is not stable"
    validate(tx)
    image_infos(tx)


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
