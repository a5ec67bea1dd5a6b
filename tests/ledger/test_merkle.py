"""RFC 9162 §2.1 hashing, proofs and verifiers: against the Certificate Transparency reference
vectors and against a deliberately naive recursive oracle written here from the RFC text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.ledger.frontier import Frontier, node_key, node_of_key
from scomm.ledger.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    perfect_nodes,
    resolve,
    verify_consistency,
    verify_inclusion,
)

VECTORS: dict[str, Any] = json.loads((Path(__file__).parent / "ct_vectors.json").read_text())
LEAVES = [bytes.fromhex(x) for x in VECTORS["leaves"]]
ROOTS = [bytes.fromhex(x) for x in VECTORS["roots"]]


# --- the oracle: RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 transcribed as recursion --------------


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def oracle_mth(d: list[bytes]) -> bytes:
    if not d:
        return _h(b"")
    if len(d) == 1:
        return _h(b"\x00" + d[0])
    k = _k(len(d))
    return _h(b"\x01" + oracle_mth(d[:k]) + oracle_mth(d[k:]))


def oracle_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*oracle_path(m, d[:k]), oracle_mth(d[k:])]
    return [*oracle_path(m - k, d[k:]), oracle_mth(d[:k])]


def oracle_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [oracle_mth(d)]
    k = _k(n)
    if m <= k:
        return [*oracle_subproof(m, d[:k], b), oracle_mth(d[k:])]
    return [*oracle_subproof(m - k, d[k:], False), oracle_mth(d[:k])]


def oracle_proof(m: int, d: list[bytes]) -> list[bytes]:
    return oracle_subproof(m, d, True)


# --- helpers: our generation, resolved against an in-memory store of complete subtrees ------


def stored_nodes(entries: list[bytes]) -> dict[tuple[int, int], bytes]:
    frontier = Frontier()
    return {node_of_key(key): h for key, h in frontier.extend(leaf_hash(e) for e in entries)}


def our_path(index: int, entries: list[bytes]) -> list[bytes]:
    nodes = stored_nodes(entries)
    return resolve(inclusion_ranges(index, len(entries)), lambda want: nodes)


def our_consistency(old: int, entries: list[bytes]) -> list[bytes]:
    nodes = stored_nodes(entries)
    return resolve(consistency_ranges(old, len(entries)), lambda want: nodes)


def h(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes]


# --- reference vectors ---------------------------------------------------------------------


def test_roots_of_the_reference_tree() -> None:
    frontier = Frontier()
    assert frontier.root() == EMPTY_ROOT == bytes.fromhex(VECTORS["empty_root"])
    for i, leaf in enumerate(LEAVES):
        frontier.append(leaf_hash(leaf))
        assert frontier.root() == ROOTS[i]
        assert oracle_mth(LEAVES[: i + 1]) == ROOTS[i]


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['leaf']}-{c['size']}")
def test_reference_inclusion_proofs(case: dict[str, Any]) -> None:
    index, size, proof = case["leaf"] - 1, case["size"], h(case["proof"])
    assert our_path(index, LEAVES[:size]) == proof
    verify_inclusion(index, size, leaf_hash(LEAVES[index]), proof, ROOTS[size - 1])


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['size1']}-{c['size2']}")
def test_reference_consistency_proofs(case: dict[str, Any]) -> None:
    old, new, proof = case["size1"], case["size2"], h(case["proof"])
    assert our_consistency(old, LEAVES[:new]) == proof
    verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


def _inclusion_probes(index: int, size: int, proof: list[bytes], root: bytes) -> list[Any]:
    """The corruptions the CT verifier test suite tries; every one must fail."""
    leaf = leaf_hash(LEAVES[index])
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    probes = [
        (index - 1, size, leaf, proof, root),
        (index + 1, size, leaf, proof, root),
        (index ^ 2, size, leaf, proof, root),
        (index, size * 2, leaf, proof, root),
        (index, size // 2, leaf, proof, root),
        (index, size, leaf_hash(b"WrongLeaf"), proof, root),
        (index, size, leaf, proof, EMPTY_ROOT),
        (index, size, leaf, proof, some),
        (index, size, leaf, [*proof, root], root),
        (index, size, leaf, [root, *proof], root),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, leaf, flipped, root))
    if proof:
        probes.append((index, size, leaf, proof[:-1], root))
    if len(proof) > 1:
        probes.append((index, size, leaf, [proof[0], some, *proof[1:]], root))
    return probes


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['leaf']}-{c['size']}")
def test_corrupted_inclusion_proofs_fail(case: dict[str, Any]) -> None:
    index, size = case["leaf"] - 1, case["size"]
    probes = _inclusion_probes(index, size, h(case["proof"]), ROOTS[size - 1])
    for i, (idx, n, leaf, proof, root) in enumerate(probes):
        with pytest.raises(ProofError):
            verify_inclusion(idx, n, leaf, proof, root)
            pytest.fail(f"probe {i} verified")


@pytest.mark.parametrize(
    "case", VECTORS["consistency"][1:], ids=lambda c: f"{c['size1']}-{c['size2']}"
)
def test_corrupted_consistency_proofs_fail(case: dict[str, Any]) -> None:
    old, new, proof = case["size1"], case["size2"], h(case["proof"])
    r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
    probes = [
        (old - 1, new, r1, r2, proof),
        (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof),
        (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof),
        (old, new, leaf_hash(b"WrongRoot"), r2, proof),
        (old, new, r1, leaf_hash(b"WrongRoot"), proof),
        (old, new, r2, r1, proof),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*proof, r1]),
        (old, new, r1, r2, [*proof, r2]),
        (old, new, r1, r2, [r1, *proof]),
        (old, new, r1, r2, [r2, *proof]),
        (old, new, r1, r2, [proof[0], *proof]),
        (old, new, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((old, new, r1, r2, flipped))
    for i, (a, b, x, y, p) in enumerate(probes):
        if a == b and x == y and not p:
            continue  # a tree is consistent with itself: not a corruption
        with pytest.raises(ProofError):
            verify_consistency(a, b, x, y, p)
            pytest.fail(f"probe {i} verified")


def test_trivial_consistency_cases() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, ROOTS[4], [])
    verify_consistency(3, 3, ROOTS[2], ROOTS[2], [])
    with pytest.raises(ProofError):
        verify_consistency(3, 3, ROOTS[2], ROOTS[3], [])
    with pytest.raises(ProofError):
        verify_consistency(4, 3, ROOTS[3], ROOTS[2], [])
    with pytest.raises(ProofError):
        verify_consistency(1, 1, ROOTS[0], ROOTS[0], [EMPTY_ROOT])


def test_malformed_hashes_are_refused_with_a_reason() -> None:
    with pytest.raises(ProofError, match=r"inclusion proof\[0\]"):
        verify_inclusion(0, 2, leaf_hash(b""), [b"short"], ROOTS[1])
    with pytest.raises(ProofError, match="leaf index 2"):
        inclusion_ranges(2, 2)
    with pytest.raises(ProofError):
        consistency_ranges(5, 3)


# --- against the oracle, on random trees ----------------------------------------------------

entries_strategy = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


@settings(max_examples=150, deadline=None)
@given(entries=entries_strategy, data=st.data())
def test_proofs_match_the_oracle_and_verify(entries: list[bytes], data: st.DataObject) -> None:
    n = len(entries)
    root = oracle_mth(entries)
    frontier = Frontier()
    frontier.extend(leaf_hash(e) for e in entries)
    assert frontier.root() == root
    index = data.draw(st.integers(0, n - 1))
    path = our_path(index, entries)
    assert path == oracle_path(index, entries)
    verify_inclusion(index, n, leaf_hash(entries[index]), path, root)
    old = data.draw(st.integers(1, n))
    proof = our_consistency(old, entries)
    assert proof == oracle_proof(old, entries)
    verify_consistency(old, n, oracle_mth(entries[:old]), root, proof)


@settings(max_examples=100, deadline=None)
@given(entries=entries_strategy, data=st.data())
def test_a_proof_for_another_leaf_or_root_fails(entries: list[bytes], data: st.DataObject) -> None:
    n = len(entries)
    root = oracle_mth(entries)
    index = data.draw(st.integers(0, n - 1))
    path = oracle_path(index, entries)
    other = data.draw(st.binary(max_size=8).filter(lambda b: b != entries[index]))
    with pytest.raises(ProofError):
        verify_inclusion(index, n, leaf_hash(other), path, root)
    other_root = oracle_mth([*entries, other])
    with pytest.raises(ProofError):
        verify_inclusion(index, n, leaf_hash(entries[index]), path, other_root)


@given(level=st.integers(0, 40), index=st.integers(0, 2**20))
def test_node_keys_round_trip_and_grow_with_the_log(level: int, index: int) -> None:
    assert node_of_key(node_key(level, index)) == (level, index)
    assert node_key(level, index) < node_key(0, (index + 1) << level)


def test_perfect_nodes_decompose_ranges() -> None:
    assert perfect_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert perfect_nodes(8, 4) == [(2, 2)]
    with pytest.raises(ValueError, match="not aligned"):
        perfect_nodes(1, 2)
