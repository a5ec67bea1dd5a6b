"""Merkle tree hashing, proofs and verifiers exactly as RFC 9162 §2.1 (RFC 6962 §2.1).

Proof *generation* here is storage-agnostic: it lists which subtrees a proof needs, as
``(start, size)`` ranges of leaves, and :func:`perfect_nodes` breaks every such range into the
complete (power-of-two, aligned) subtrees a log keeps, so a stored log answers a proof with
O(log n) lookups. Proof *verification* follows the RFC's numbered steps literally and needs
nothing but hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

Range = tuple[int, int]
"""A run of leaves ``(start, size)``; its hash is MTH(D[start:start+size])."""

Node = tuple[int, int]
"""A complete subtree ``(level, index)``: leaves ``[index * 2**level, (index + 1) * 2**level)``."""


class ProofError(ValueError):
    """A proof that does not verify, or a request for a proof that cannot exist."""


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d(0)}) = SHA-256(0x00 || d(0))."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2): where RFC 9162 splits D[n]."""
    if n < 2:
        raise ValueError(f"a tree of {n} leaves has no split point")
    return 1 << ((n - 1).bit_length() - 1)


# --- which subtrees a proof needs -------------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees of PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf end first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    path: list[Range] = []
    start, n, m = 0, size, index
    while n > 1:
        k = split_point(n)
        if m < k:
            path.append((start + k, n - k))
            n = k
        else:
            path.append((start, k))
            start, n, m = start + k, n - k, m - k
    path.reverse()
    return path


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """The subtrees of PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1), in proof order."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    proof: list[Range] = []
    start, n, m, complete = 0, new_size, old_size, True
    while m != n:
        k = split_point(n)
        if m <= k:
            proof.append((start + k, n - k))
            n = k
        else:
            proof.append((start, k))
            start, n, m, complete = start + k, n - k, m - k, False
    if not complete:
        proof.append((start, m))
    proof.reverse()
    return proof


def perfect_nodes(start: int, size: int) -> list[Node]:
    """The complete subtrees whose fold is MTH(D[start:start+size]), left to right.

    Every range an RFC 9162 proof asks for starts at a multiple of the next power of two
    at or above its size, so it is the binary decomposition of ``size`` laid out from
    ``start``: MTH = H(P1, H(P2, ... H(Pk-1, Pk))).
    """
    if size < 1:
        raise ValueError(f"a subtree needs at least one leaf, got size {size}")
    nodes: list[Node] = []
    offset = start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            if offset % (1 << level):
                raise ValueError(f"range ({start}, {size}) is not aligned as an RFC 9162 subtree")
            nodes.append((level, offset >> level))
            offset += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine the hashes of :func:`perfect_nodes` (left to right) into the range's hash."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def resolve(
    ranges: Sequence[Range], lookup: Callable[[set[Node]], dict[Node, bytes]]
) -> list[bytes]:
    """The hash of every range, fetching all the complete subtrees they need in one lookup."""
    layouts = [perfect_nodes(s, n) for s, n in ranges]
    wanted = {node for layout in layouts for node in layout}
    known = lookup(wanted) if wanted else {}
    missing = wanted - known.keys()
    if missing:
        level, index = min(missing, key=lambda node: node[1] << node[0])
        raise ProofError(f"stored tree lacks the subtree at level {level}, index {index}")
    return [fold([known[node] for node in layout]) for layout in layouts]


# --- verification, RFC 9162 §2.1.3.2 and §2.1.4.2 step by step ---------------------------------


def _check_hashes(what: str, hashes: Sequence[bytes]) -> None:
    for i, h in enumerate(hashes):
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            raise ProofError(f"{what}[{i}] is not a {HASH_SIZE}-byte SHA-256 hash")


def root_from_inclusion_proof(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes]
) -> tuple[bytes, int]:
    """Steps 1-4 of §2.1.3.2: the root ``proof`` leads to from ``leaf``, and the final sn."""
    _check_hashes("leaf hash", [leaf])
    _check_hashes("inclusion proof", proof)
    # 1. leaf_index >= tree_size fails.
    if index < 0 or index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    # 2. fn = leaf_index, sn = tree_size - 1.  3. r = hash.
    fn, sn, r = index, size - 1, leaf
    # 4. for each p in the inclusion path:
    for p in proof:
        # a. sn == 0: fail.
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        # b. LSB(fn) set, or fn == sn:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)  # i.
            if not fn & 1:  # ii.
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)  # otherwise i.
        # c. shift once.
        fn >>= 1
        sn >>= 1
    return r, sn


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows leaf ``index`` in the tree ``root``."""
    _check_hashes("root hash", [root])
    r, sn = root_from_inclusion_proof(index, size, leaf, proof)
    # 5. sn must be 0 and r must equal the root hash.
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root hash")


def verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, proof: Sequence[bytes]
) -> None:
    """Raise :class:`ProofError` unless tree ``second_hash`` extends tree ``first_hash``.

    RFC 9162 §2.1.4.2 covers 0 < first < second; the trivial cases follow RFC 9162 §2.1.4:
    every tree extends the empty tree, and a tree extends itself with an empty proof.
    """
    _check_hashes("root hash", [first_hash, second_hash])
    _check_hashes("consistency proof", proof)
    if first < 0 or second < first:
        raise ProofError(f"tree size {second} cannot extend tree size {first}")
    if first == second:
        if proof:
            raise ProofError("a proof between equal tree sizes must be empty")
        if first_hash != second_hash:
            raise ProofError(f"two different roots for the same tree size {first}")
        return
    if first == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    path = list(proof)
    # 1. empty path fails.
    if not path:
        raise ProofError("consistency proof is empty")
    # 2. first an exact power of 2: prepend first_hash.
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = first - 1, second - 1
    # 4. LSB(fn) set: shift both until it is not.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. fr = sr = the first value.
    fr = sr = path[0]
    # 6. for each subsequent value c:
    for c in path[1:]:
        # a. sn == 0: fail.
        if sn == 0:
            raise ProofError("consistency proof is longer than needed")
        # b. LSB(fn) set, or fn == sn:
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)  # i.
            sr = node_hash(c, sr)  # ii.
            if not fn & 1:  # iii.
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)  # otherwise i.
        # c. shift once.
        fn >>= 1
        sn >>= 1
    # 7. fr == first_hash, sr == second_hash, sn == 0.
    if sn != 0:
        raise ProofError("consistency proof is shorter than needed")
    if fr != first_hash:
        raise ProofError(f"consistency proof does not lead to the root of tree size {first}")
    if sr != second_hash:
        raise ProofError(f"consistency proof does not lead to the root of tree size {second}")
