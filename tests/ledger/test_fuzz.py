"""Parsers of untrusted input (signed notes, keys, checkpoints, proof documents, entries) give a
clear error for anything malformed, never another exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scomm.ledger import (
    Checkpoint,
    DisclosureEvent,
    EventError,
    NoteError,
    NoteSigner,
    NoteVerifier,
    ProofDocumentError,
    SignedCheckpoint,
    check_document,
)
from scomm.ledger.merkle import EMPTY_ROOT
from scomm.ledger.note import open_note

SIGNER = NoteSigner.parse(
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
)
GOOD_NOTE = SignedCheckpoint.sign(Checkpoint("PeterNeumann", 7, EMPTY_ROOT), SIGNER).note


def mutations(base: str) -> st.SearchStrategy[str]:
    """Random edits of a valid input: the inputs most likely to reach deep into a parser."""

    @st.composite
    def edit(draw: st.DrawFn) -> str:
        text = base
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(text)))
            junk = draw(st.text(max_size=6))
            cut = draw(st.integers(0, 6))
            text = text[:at] + junk + text[at + cut :]
        return text

    return st.one_of(st.text(max_size=200), edit())


@settings(max_examples=400, deadline=None)
@given(text=mutations(GOOD_NOTE))
def test_signed_checkpoint_parser(text: str) -> None:
    try:
        opened = SignedCheckpoint.open(text, SIGNER.verifier)
    except NoteError:
        return
    assert open_note(opened.note, SIGNER.verifier)  # only a genuinely signed note gets here


@settings(max_examples=300, deadline=None)
@given(text=mutations(SIGNER.verifier.encode()))
def test_verifier_key_parser(text: str) -> None:
    try:
        verifier = NoteVerifier.parse(text)
    except NoteError:
        return
    assert verifier.key_id == int(text.strip().split("+")[1], 16)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300))
def test_entry_decoder(data: bytes) -> None:
    try:
        event = DisclosureEvent.from_canonical(data)
    except EventError:
        return
    assert event.canonical_bytes() == data


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"format": st.just("scomm-ledger-inclusion/1"), "checkpoint": st.just(GOOD_NOTE)},
            optional={"entries": json_values},
        ),
        st.fixed_dictionaries(
            {"format": st.just("scomm-ledger-consistency/1")},
            optional={
                "old_checkpoint": st.just(GOOD_NOTE),
                "new_checkpoint": json_values,
                "proof": json_values,
            },
        ),
    )
)
def test_proof_document_checker(value: Any) -> None:
    document = json.loads(json.dumps(value))
    with pytest.raises(ProofDocumentError):
        check_document(document, SIGNER.verifier)
