"""C2SP signed notes (c2sp.org/signed-note) with Ed25519, and C2SP checkpoints
(c2sp.org/tlog-checkpoint): the format Go's sumdb, Trillian/Tessera logs and witnesses read.

Key strings follow golang.org/x/mod/sumdb/note: a verifier key is
``name+<key ID, 8 hex>+base64(0x01 || public key)`` and a signer key is
``PRIVATE+KEY+name+<key ID>+base64(0x01 || 32-byte seed)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from scomm.ledger.merkle import HASH_SIZE

ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "
MAX_SIGNATURES = 16
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_KEY_NAME = re.compile(r"[^\s+]+")


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or whose signature does not verify."""


def _b64decode(what: str, text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not standard base64: {text[:40]!r}") from None


def _check_name(name: str) -> None:
    if not _KEY_NAME.fullmatch(name):
        raise NoteError(f"key name {name!r} must be non-empty with no spaces or '+'")


def key_id(name: str, public_key: bytes) -> int:
    """SHA-256(key name || 0x0A || 0x01 || public key)[:4], big-endian."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """An Ed25519 public key with its note name and ID."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32:
            raise NoteError(f"an Ed25519 public key is 32 bytes, got {len(self.public_key)}")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)

    def encode(self) -> str:
        """The verifier key string (what ``scomm ledger public-key`` exports)."""
        material = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{material}"

    @classmethod
    def parse(cls, text: str) -> NoteVerifier:
        parts = text.strip().split("+")
        if len(parts) < 3:
            raise NoteError(f"verifier key {text.strip()[:60]!r} is not name+id+key")
        name, hex_id, material = parts[0], parts[1], "+".join(parts[2:])
        raw = _b64decode("verifier key", material)
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("verifier key is not an Ed25519 key (type byte 0x01 + 32 bytes)")
        verifier = cls(name, raw[1:])
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id) or int(hex_id, 16) != verifier.key_id:
            raise NoteError(f"verifier key ID {hex_id!r} does not match the key and name")
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True)
class NoteSigner:
    """An Ed25519 private key (its 32-byte seed) with its note name."""

    name: str
    seed: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.seed) != 32:
            raise NoteError(f"an Ed25519 private key seed is 32 bytes, got {len(self.seed)}")

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name, seed)

    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def verifier(self) -> NoteVerifier:
        public = self._key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return NoteVerifier(self.name, public)

    def encode(self) -> str:
        material = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id:08x}+{material}"

    @classmethod
    def parse(cls, text: str) -> NoteSigner:
        parts = text.strip().split("+")
        if len(parts) < 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise NoteError("signer key is not PRIVATE+KEY+name+id+key")
        name, hex_id, material = parts[2], parts[3], "+".join(parts[4:])
        raw = _b64decode("signer key", material)
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("signer key is not an Ed25519 key (type byte 0x01 + 32-byte seed)")
        signer = cls(name, raw[1:])
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id) or int(hex_id, 16) != signer.verifier.key_id:
            raise NoteError(f"signer key ID {hex_id!r} does not match the key and name")
        return signer

    def sign_line(self, text: str) -> str:
        signature = self._key().sign(text.encode())
        blob = self.verifier.key_id.to_bytes(4, "big") + signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode()}\n"


def sign_note(text: str, signer: NoteSigner) -> str:
    """The signed note of ``text`` (which must end in a newline)."""
    _check_text(text)
    return text + "\n" + signer.sign_line(text)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    bad = _CONTROL.search(text)
    if bad:
        raise NoteError(f"note contains control character {bad.group()!r} at offset {bad.start()}")


def open_note(note: str, verifier: NoteVerifier) -> str:
    """The text of ``note`` once a signature by ``verifier`` verifies; :class:`NoteError` if not.

    As c2sp.org/signed-note requires, signatures by other keys are ignored, and a signature
    from the known key that fails rejects the note.
    """
    if not note.endswith("\n"):
        raise NoteError("signed note must end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("signed note has no blank line before its signatures")
    text, lines = note[: split + 1], note[split + 2 :].splitlines()
    _check_text(text)
    if not lines:
        raise NoteError("signed note has no signature lines")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"signed note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    verified = False
    for number, line in enumerate(lines, 1):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"signature line {number} does not start with an em dash and a space")
        fields = line[len(SIGNATURE_PREFIX) :].split(" ")
        if len(fields) != 2 or not fields[0] or not fields[1]:
            raise NoteError(f"signature line {number} is not '\u2014 name signature'")
        blob = _b64decode(f"signature line {number}", fields[1])
        if len(blob) < 5:
            raise NoteError(f"signature line {number} is too short to hold a key ID")
        if fields[0] != verifier.name or int.from_bytes(blob[:4], "big") != verifier.key_id:
            continue
        if not verifier.verify(text.encode(), blob[4:]):
            raise NoteError(f"signature line {number} by {verifier.name} does not verify")
        verified = True
    if not verified:
        raise NoteError(f"note carries no signature by key {verifier.name}+{verifier.key_id:08x}")
    return text


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: origin line, tree size, root hash (c2sp.org/tlog-checkpoint)."""

    origin: str
    size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or _CONTROL.search(self.origin):
            raise NoteError(f"checkpoint origin {self.origin!r} must be one non-empty line")
        if self.size < 0:
            raise NoteError(f"checkpoint tree size {self.size} is negative")
        if len(self.root_hash) != HASH_SIZE:
            raise NoteError(f"checkpoint root hash must be {HASH_SIZE} bytes")

    def body(self) -> str:
        root = base64.b64encode(self.root_hash).decode()
        return f"{self.origin}\n{self.size}\n{root}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("checkpoint body must be origin, size and root hash lines")
        origin, size_text, root_text = lines[0], lines[1], lines[2]
        if not re.fullmatch(r"0|[1-9][0-9]{0,19}", size_text):
            raise NoteError(f"checkpoint tree size {size_text!r} is not a decimal number")
        root = _b64decode("checkpoint root hash", root_text)
        return cls(origin, int(size_text), root)


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint and its signed note, as handed out and stored."""

    checkpoint: Checkpoint
    note: str

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root_hash(self) -> bytes:
        return self.checkpoint.root_hash

    @classmethod
    def sign(cls, checkpoint: Checkpoint, signer: NoteSigner) -> SignedCheckpoint:
        return cls(checkpoint, sign_note(checkpoint.body(), signer))

    @classmethod
    def open(cls, note: str, verifier: NoteVerifier) -> SignedCheckpoint:
        """Verify ``note``'s signature, then parse its checkpoint."""
        return cls(Checkpoint.parse(open_note(note, verifier)), note)

    def __str__(self) -> str:
        return self.note
