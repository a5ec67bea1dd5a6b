"""Standalone proof documents: verified with nothing but the document and the public key."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from scomm.ledger import (
    DisclosureEvent,
    Ledger,
    NoteSigner,
    ProofDocumentError,
    check_document,
    consistency_document,
    inclusion_document,
)
from scomm.ledger.proofs import load_document

EventFactory = Callable[..., DisclosureEvent]


@pytest.fixture
def filled(ledger: Ledger, make_event: EventFactory) -> Ledger:
    ledger.append([make_event(i) for i in range(25)])
    return ledger


def booking_document(ledger: Ledger, tcn: str) -> dict[str, Any]:
    records = ledger.entries_for_tcn(tcn)
    checkpoint, proofs = ledger.proofs_for(records)
    # through JSON, as a reader would receive it
    return json.loads(json.dumps(inclusion_document(checkpoint, records, proofs)))


def test_inclusion_document_verifies_alone(filled: Ledger, make_event: EventFactory) -> None:
    tcn = make_event(7).tcn.value
    document = booking_document(filled, tcn)
    checked = check_document(document, filled.verifier)
    assert [event.tcn.value for _, event in checked.events] == [tcn] * len(document["entries"])
    assert checked.tree_size == 25
    assert tcn in checked.summary()


def test_a_different_entry_fails(filled: Ledger, make_event: EventFactory) -> None:
    document = booking_document(filled, make_event(7).tcn.value)
    other = make_event(8, tcn=make_event(7).tcn)
    forged = copy.deepcopy(document)
    forged["entries"][0]["entry"] = base64.b64encode(other.canonical_bytes()).decode()
    forged["entries"][0]["event"] = other.to_json_object()
    with pytest.raises(ProofDocumentError, match=r"entries\[0\].*does not lead to the root"):
        check_document(forged, filled.verifier)
    relabelled = copy.deepcopy(document)
    relabelled["entries"][0]["event"]["allowed"] = not relabelled["entries"][0]["event"]["allowed"]
    with pytest.raises(ProofDocumentError, match="does not say what the proved entry says"):
        check_document(relabelled, filled.verifier)
    moved = copy.deepcopy(document)
    moved["entries"][0]["index"] += 1
    with pytest.raises(ProofDocumentError, match=r"entries\[0\]"):
        check_document(moved, filled.verifier)


def test_a_different_root_fails(filled: Ledger, make_event: EventFactory) -> None:
    document = booking_document(filled, make_event(7).tcn.value)
    note: str = document["checkpoint"]
    lines = note.split("\n")
    lines[2] = base64.b64encode(b"\x01" * 32).decode()
    document["checkpoint"] = "\n".join(lines)
    with pytest.raises(
        ProofDocumentError, match=r"checkpoint: signature line 1 .* does not verify"
    ):
        check_document(document, filled.verifier)
    # the same forged root, signed by someone else's key of the same name: still refused
    text = "\n".join(lines[:3]) + "\n"
    impostor = NoteSigner.generate(filled.origin)
    document["checkpoint"] = text + "\n" + impostor.sign_line(text)
    with pytest.raises(ProofDocumentError, match="no signature by key"):
        check_document(document, filled.verifier)


def test_a_different_key_fails(filled: Ledger, make_event: EventFactory) -> None:
    document = booking_document(filled, make_event(7).tcn.value)
    with pytest.raises(ProofDocumentError, match="no signature by key"):
        check_document(document, NoteSigner.generate(filled.origin).verifier)


def test_consistency_document(filled: Ledger, make_event: EventFactory) -> None:
    old = filled.checkpoint()
    filled.append([make_event(i) for i in range(25, 40)])
    new = filled.checkpoint()
    document = consistency_document(old, new, filled.consistency_proof(old.size, new.size))
    checked = check_document(json.loads(json.dumps(document)), filled.verifier)
    assert (checked.old_size, checked.tree_size) == (25, 40)
    assert "extends" in checked.summary()
    document["proof"] = document["proof"][1:]
    with pytest.raises(ProofDocumentError, match="consistency"):
        check_document(document, filled.verifier)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "line 1 column 2"),
        ("[]", "JSON object"),
        ('{"format": "x"}', "unknown proof format"),
        ('{"format": "scomm-ledger-inclusion/1", "checkpoint": 3}', "signed note"),
    ],
)
def test_malformed_documents_are_named(filled: Ledger, text: str, message: str) -> None:
    with pytest.raises(ProofDocumentError, match=message):
        check_document(load_document(text), filled.verifier)
