"""The transparency log of every disclosure (issue 6): an RFC 9162 Merkle tree over canonical
disclosure events, stored through ``scomm.store``, with C2SP signed checkpoints (Ed25519),
inclusion and consistency proofs, and full verification."""

from scomm.ledger.event import DisclosureEvent, EventError, record_digest
from scomm.ledger.keys import DEFAULT_KEY_NAME, KeyFileError, load_or_create_signer, load_verifier
from scomm.ledger.log import (
    ConsistencyProof,
    EncodedEvent,
    InclusionProof,
    Ledger,
    LedgerRecord,
    encode_events,
)
from scomm.ledger.merkle import ProofError, verify_consistency, verify_inclusion
from scomm.ledger.note import Checkpoint, NoteError, NoteSigner, NoteVerifier, SignedCheckpoint
from scomm.ledger.proofs import (
    CheckedProof,
    ProofDocumentError,
    check_document,
    consistency_document,
    inclusion_document,
)
from scomm.ledger.report import DisclosureReport, disclosure_report
from scomm.ledger.verify import Problem, VerificationReport

__all__ = [
    "DEFAULT_KEY_NAME",
    "CheckedProof",
    "Checkpoint",
    "ConsistencyProof",
    "DisclosureEvent",
    "DisclosureReport",
    "EncodedEvent",
    "EventError",
    "InclusionProof",
    "KeyFileError",
    "Ledger",
    "LedgerRecord",
    "NoteError",
    "NoteSigner",
    "NoteVerifier",
    "Problem",
    "ProofDocumentError",
    "ProofError",
    "SignedCheckpoint",
    "VerificationReport",
    "check_document",
    "consistency_document",
    "disclosure_report",
    "encode_events",
    "inclusion_document",
    "load_or_create_signer",
    "load_verifier",
    "record_digest",
    "verify_consistency",
    "verify_inclusion",
]
