"""The incremental state of an append-only Merkle tree: its right frontier.

A tree of n leaves is, by RFC 9162's split rule, the complete subtrees of the binary
decomposition of n (one per set bit, largest first). Keeping only those hashes makes an
append O(log n) (amortised O(1)): the new leaf merges with equal-sized subtrees on the right,
and every subtree completed on the way is handed back so that a log can store it for proofs.
"""

from __future__ import annotations

from collections.abc import Iterable

from scomm.ledger.merkle import EMPTY_ROOT, HASH_SIZE, fold, node_hash

LEVEL_BITS = 6


def node_key(level: int, index: int) -> int:
    """The storage key of complete subtree ``(level, index)``.

    It is the index of the subtree's last leaf times 64, plus its level: keys grow in the order
    an append-only log completes subtrees, so the node table only ever grows at its end and a
    verifier can walk it in key order beside the entries.
    """
    return ((((index + 1) << level) - 1) << LEVEL_BITS) | level


def node_of_key(key: int) -> tuple[int, int]:
    """Inverse of :func:`node_key`: ``(level, index)``."""
    level = key & ((1 << LEVEL_BITS) - 1)
    last_leaf = key >> LEVEL_BITS
    return level, (last_leaf + 1 >> level) - 1


StoredNode = tuple[int, bytes]
"""A complete subtree an append finished, as ``(node_key, hash)``: store it, it never changes."""


class Frontier:
    """The hashes of the complete subtrees that make up a tree of ``size`` leaves."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self._size = size
        self._hashes = list(hashes)
        if size < 0 or len(self._hashes) != size.bit_count():
            raise ValueError(
                f"a tree of {size} leaves has {max(size, 0).bit_count()} frontier hashes,"
                f" got {len(self._hashes)}"
            )

    @classmethod
    def from_bytes(cls, size: int, blob: bytes) -> Frontier:
        if len(blob) % HASH_SIZE:
            raise ValueError(f"frontier blob of {len(blob)} bytes is not a run of hashes")
        hashes = [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
        return cls(size, hashes)

    def to_bytes(self) -> bytes:
        return b"".join(self._hashes)

    @property
    def size(self) -> int:
        return self._size

    def copy(self) -> Frontier:
        return Frontier(self._size, self._hashes)

    def root(self) -> bytes:
        """MTH of the whole tree (the SHA-256 of nothing for the empty tree)."""
        return fold(self._hashes) if self._hashes else EMPTY_ROOT

    def append(self, leaf: bytes, done: list[StoredNode] | None = None) -> list[StoredNode]:
        """Add one leaf hash; return it and every complete subtree it closes, lowest first.

        Pass ``done`` to collect the nodes of many appends into one list.
        """
        done = [] if done is None else done
        last = self._size << LEVEL_BITS  # every node closed now ends at this leaf
        level, index, h = 0, self._size, leaf
        done.append((last, h))
        while index & 1:
            h = node_hash(self._hashes.pop(), h)
            level += 1
            index >>= 1
            done.append((last | level, h))
        self._hashes.append(h)
        self._size += 1
        return done

    def extend(self, leaves: Iterable[bytes]) -> list[StoredNode]:
        done: list[StoredNode] = []
        for leaf in leaves:
            self.append(leaf, done)
        return done
