"""The ledger's signing key on disk: made on first use, private file readable by its owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from scomm.ledger.note import NoteError, NoteSigner, NoteVerifier

PRIVATE_KEY_FILE = "ledger-signing.key"
PUBLIC_KEY_FILE = "ledger-signing.pub"
DEFAULT_KEY_NAME = "scomm.local/ledger"


class KeyFileError(NoteError):
    """A key file that cannot be used (unsafe permissions, wrong content)."""


def _write_new(path: Path, text: str, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.chmod(path, mode)  # whatever the umask did


def load_or_create_signer(key_dir: Path, name: str = DEFAULT_KEY_NAME) -> NoteSigner:
    """The signing key in ``key_dir``, generated (with its public key file) if there is none.

    A private key file that others can read is refused, as ssh does, rather than trusted.
    """
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = key_dir / PRIVATE_KEY_FILE
    if not private.exists():
        signer = NoteSigner.generate(name)
        try:
            _write_new(private, signer.encode() + "\n", 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            (key_dir / PUBLIC_KEY_FILE).write_text(signer.verifier.encode() + "\n")
            return signer
    mode = stat.S_IMODE(private.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(
            f"private key {private} has mode {mode:04o}: others may read it;"
            f" run 'chmod 600 {private}' if it is still secret"
        )
    try:
        return NoteSigner.parse(private.read_text())
    except NoteError as e:
        raise KeyFileError(f"private key {private}: {e}") from None


def load_verifier(path: Path) -> NoteVerifier:
    """A public (verifier) key from a file holding its one-line encoding."""
    try:
        text = path.read_text()
    except OSError as e:
        raise KeyFileError(f"cannot read public key {path}: {e.strerror}") from None
    try:
        return NoteVerifier.parse(text)
    except NoteError as e:
        raise KeyFileError(f"public key {path}: {e}") from None
