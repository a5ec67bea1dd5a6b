"""C2SP signed notes and checkpoints, and the signing key on disk."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from scomm.ledger import (
    Checkpoint,
    KeyFileError,
    NoteError,
    NoteSigner,
    NoteVerifier,
    SignedCheckpoint,
    load_or_create_signer,
    load_verifier,
)
from scomm.ledger.keys import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE
from scomm.ledger.merkle import EMPTY_ROOT
from scomm.ledger.note import open_note, sign_note

GO: dict[str, Any] = json.loads((Path(__file__).parent / "ct_vectors.json").read_text())[
    "signed_note"
]


def test_reproduces_the_go_reference_note_byte_for_byte() -> None:
    signer = NoteSigner.parse(GO["signer_key"])
    assert signer.verifier.encode() == GO["verifier_key"]
    assert signer.encode() == GO["signer_key"]
    note = sign_note(GO["text"], signer)
    assert note == GO["text"] + "\n" + GO["signature_line"]
    assert open_note(note, NoteVerifier.parse(GO["verifier_key"])) == GO["text"]


def test_an_altered_note_is_rejected() -> None:
    verifier = NoteVerifier.parse(GO["verifier_key"])
    note = GO["text"] + "\n" + GO["signature_line"]
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note.replace("cryptography", "cryptographY"), verifier)
    other = NoteSigner.generate("PeterNeumann").verifier
    with pytest.raises(NoteError, match="no signature by key PeterNeumann"):
        open_note(note, other)
    with pytest.raises(NoteError, match="no blank line"):
        open_note(GO["text"], verifier)


def test_signatures_by_unknown_keys_are_ignored() -> None:
    ours, theirs = NoteSigner.generate("scomm.test/log"), NoteSigner.generate("witness.test")
    note = sign_note("hello\n", ours) + theirs.sign_line("hello\n")
    assert open_note(note, ours.verifier) == "hello\n"


@pytest.mark.parametrize(
    "bad",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+AhpcA2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a3+!!!",
    ],
)
def test_bad_verifier_keys_are_refused(bad: str) -> None:
    with pytest.raises(NoteError):
        NoteVerifier.parse(bad)


def test_checkpoint_body_round_trip() -> None:
    cp = Checkpoint("scomm.test/log", 0, EMPTY_ROOT)
    assert cp.body() == "scomm.test/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    assert Checkpoint.parse(cp.body()) == cp
    for bad in ("scomm.test/log\n-1\nAAAA\n", "scomm.test/log\n01\n", "x\n1\nAAAA\n"):
        with pytest.raises(NoteError):
            Checkpoint.parse(bad)
    signer = NoteSigner.generate("scomm.test/log")
    signed = SignedCheckpoint.sign(cp, signer)
    assert SignedCheckpoint.open(signed.note, signer.verifier).checkpoint == cp


def test_key_is_made_once_with_owner_only_permissions(tmp_path: Path) -> None:
    key_dir = tmp_path / "keys"
    first = load_or_create_signer(key_dir, "scomm.test/log")
    private = key_dir / PRIVATE_KEY_FILE
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert load_or_create_signer(key_dir, "scomm.test/log") == first
    assert load_verifier(key_dir / PUBLIC_KEY_FILE) == first.verifier
    os.chmod(private, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_or_create_signer(key_dir)


def test_unreadable_public_key_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot read public key"):
        load_verifier(tmp_path / "missing.pub")
    (tmp_path / "bad.pub").write_text("not a key\n")
    with pytest.raises(KeyFileError, match=r"bad\.pub"):
        load_verifier(tmp_path / "bad.pub")
