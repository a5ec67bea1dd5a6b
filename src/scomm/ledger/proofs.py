"""Self-contained proof documents: everything a reader needs to check a disclosure record with
nothing but the document and the log's public key (no database, no scomm store).

Inclusion document::

    {"format": "scomm-ledger-inclusion/1", "checkpoint": "<signed note>",
     "entries": [{"index": i, "entry": base64(canonical bytes), "event": {...},
                  "proof": [base64 hash, ...]}]}

Consistency document::

    {"format": "scomm-ledger-consistency/1", "old_checkpoint": "<signed note>",
     "new_checkpoint": "<signed note>", "proof": [base64 hash, ...]}

``event`` repeats the entry's bytes as JSON for people to read; the checker refuses a document
whose ``event`` says anything other than the bytes that were proved.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scomm.ledger.event import DisclosureEvent, EventError
from scomm.ledger.log import ConsistencyProof, InclusionProof, LedgerRecord
from scomm.ledger.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion
from scomm.ledger.note import NoteError, NoteVerifier, SignedCheckpoint

INCLUSION_FORMAT = "scomm-ledger-inclusion/1"
CONSISTENCY_FORMAT = "scomm-ledger-consistency/1"


class ProofDocumentError(ValueError):
    """A proof document that is malformed or does not verify; the message says where."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(where: str, value: Any) -> bytes:
    if not isinstance(value, str):
        raise ProofDocumentError(f"{where} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ProofDocumentError(f"{where} is not valid base64") from None


def inclusion_document(
    checkpoint: SignedCheckpoint, records: Sequence[LedgerRecord], proofs: Sequence[InclusionProof]
) -> dict[str, Any]:
    entries = []
    for record, proof in zip(records, proofs, strict=True):
        if proof.index != record.index or proof.tree_size != checkpoint.size:
            raise ValueError(f"proof for entry {proof.index} does not match the checkpoint")
        entries.append(
            {
                "index": record.index,
                "entry": _b64(record.entry),
                "event": record.event.to_json_object(),
                "proof": [_b64(h) for h in proof.path],
            }
        )
    return {"format": INCLUSION_FORMAT, "checkpoint": checkpoint.note, "entries": entries}


def consistency_document(
    old: SignedCheckpoint, new: SignedCheckpoint, proof: ConsistencyProof
) -> dict[str, Any]:
    if (proof.old_size, proof.new_size) != (old.size, new.size):
        raise ValueError("consistency proof sizes do not match the checkpoints")
    return {
        "format": CONSISTENCY_FORMAT,
        "old_checkpoint": old.note,
        "new_checkpoint": new.note,
        "proof": [_b64(h) for h in proof.path],
    }


@dataclass(frozen=True, slots=True)
class CheckedProof:
    """What a verified document proves, in words a reader can repeat."""

    kind: str
    tree_size: int
    events: tuple[tuple[int, DisclosureEvent], ...] = ()
    old_size: int | None = None

    def summary(self) -> str:
        if self.kind == "consistency":
            return (
                f"OK: the log of {self.tree_size} entries extends the log of"
                f" {self.old_size} entries (nothing earlier was changed or removed)"
            )
        lines = [f"OK: {len(self.events)} entries proved in the signed log of {self.tree_size}"]
        for index, event in self.events:
            verdict = "allowed" if event.allowed else "refused"
            lines.append(
                f"  #{index} {event.utc_time:%Y-%m-%d %H:%M:%S}Z {event.tcn} {event.transfer}"
                f" {event.sender} -> {event.recipient}: {verdict}"
            )
        return "\n".join(lines)


def _open(where: str, note: Any, verifier: NoteVerifier) -> SignedCheckpoint:
    if not isinstance(note, str):
        raise ProofDocumentError(f"{where} must be a signed note (a string)")
    try:
        return SignedCheckpoint.open(note, verifier)
    except NoteError as e:
        raise ProofDocumentError(f"{where}: {e}") from None


def _hashes(where: str, values: Any) -> list[bytes]:
    if not isinstance(values, list):
        raise ProofDocumentError(f"{where} must be a list of base64 hashes")
    return [_unb64(f"{where}[{i}]", v) for i, v in enumerate(values)]


def check_document(document: Any, verifier: NoteVerifier) -> CheckedProof:
    """Verify an inclusion or consistency document with only ``verifier``; raise
    :class:`ProofDocumentError` naming the first thing that does not hold."""
    if not isinstance(document, dict):
        raise ProofDocumentError("a proof document is a JSON object")
    kind = document.get("format")
    if kind == INCLUSION_FORMAT:
        return _check_inclusion(document, verifier)
    if kind == CONSISTENCY_FORMAT:
        return _check_consistency(document, verifier)
    raise ProofDocumentError(f"unknown proof format {kind!r}")


def _check_inclusion(document: dict[str, Any], verifier: NoteVerifier) -> CheckedProof:
    checkpoint = _open("checkpoint", document.get("checkpoint"), verifier)
    entries = document.get("entries")
    if not isinstance(entries, list) or not entries:
        raise ProofDocumentError("entries must be a non-empty list")
    proved: list[tuple[int, DisclosureEvent]] = []
    for n, item in enumerate(entries):
        where = f"entries[{n}]"
        if not isinstance(item, dict):
            raise ProofDocumentError(f"{where} must be an object")
        index = item.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            raise ProofDocumentError(f"{where}.index must be an integer")
        entry = _unb64(f"{where}.entry", item.get("entry"))
        try:
            event = DisclosureEvent.from_canonical(entry)
        except EventError as e:
            raise ProofDocumentError(f"{where}.entry: {e}") from None
        if item.get("event") != event.to_json_object():
            raise ProofDocumentError(f"{where}.event does not say what the proved entry says")
        try:
            verify_inclusion(
                index,
                checkpoint.size,
                leaf_hash(entry),
                _hashes(f"{where}.proof", item.get("proof")),
                checkpoint.root_hash,
            )
        except ProofError as e:
            raise ProofDocumentError(f"{where} (index {index}): {e}") from None
        proved.append((index, event))
    return CheckedProof("inclusion", checkpoint.size, tuple(proved))


def _check_consistency(document: dict[str, Any], verifier: NoteVerifier) -> CheckedProof:
    old = _open("old_checkpoint", document.get("old_checkpoint"), verifier)
    new = _open("new_checkpoint", document.get("new_checkpoint"), verifier)
    if old.checkpoint.origin != new.checkpoint.origin:
        raise ProofDocumentError("the two checkpoints are of different logs (origins differ)")
    try:
        verify_consistency(
            old.size,
            new.size,
            old.root_hash,
            new.root_hash,
            _hashes("proof", document.get("proof")),
        )
    except ProofError as e:
        raise ProofDocumentError(f"consistency: {e}") from None
    return CheckedProof("consistency", new.size, old_size=old.size)


def load_document(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ProofDocumentError(
            f"proof is not JSON: line {e.lineno} column {e.colno}: {e.msg}"
        ) from None
