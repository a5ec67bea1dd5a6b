"""Full verification of a stored log: re-derive every hash, check every checkpoint, and name
the first entry that does not fit.

Two trees are computed in one pass over the entries and the stored subtrees (both read in
storage order). The *entry tree* is built from the entries' bytes alone: its roots must be
the roots that the signed checkpoints state. The *stored tree* check compares every stored
subtree with the hash of its stored children, so that one altered row is reported once, where
it is, instead of as a cascade up to the root.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Executable, select

from scomm.ledger.event import DisclosureEvent, EventError, epoch_us
from scomm.ledger.frontier import Frontier, node_key, node_of_key
from scomm.ledger.merkle import EMPTY_ROOT, fold, leaf_hash, node_hash
from scomm.ledger.note import NoteError, NoteVerifier, SignedCheckpoint
from scomm.store.ledger_tables import CHECKPOINT_TABLE, ENTRY_TABLE, NODE_TABLE, STATE_TABLE

MAX_PROBLEMS = 50
STREAM_BATCH = 5000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing that does not fit: what kind, at which entry (when it has one), and why."""

    kind: str
    entry: int | None
    message: str

    def __str__(self) -> str:
        where = f"entry {self.entry}: " if self.entry is not None else ""
        return f"[{self.kind}] {where}{self.message}"


@dataclass(frozen=True, slots=True)
class VerificationReport:
    tree_size: int
    entries_checked: int
    checkpoints_checked: int
    latest_checkpoint_size: int | None
    root_hash: bytes | None
    problems: tuple[Problem, ...]
    problem_count: int

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def first_bad_entry(self) -> int | None:
        """The lowest entry index that any problem names."""
        return min((p.entry for p in self.problems if p.entry is not None), default=None)

    @property
    def unsigned_entries(self) -> int:
        """Entries appended since the latest checkpoint (not yet covered by a signature)."""
        return self.tree_size - (self.latest_checkpoint_size or 0)

    def summary(self) -> str:
        lines = [
            f"tree size {self.tree_size}, {self.entries_checked} entries and"
            f" {self.checkpoints_checked} checkpoints checked",
        ]
        if self.latest_checkpoint_size is not None:
            lines.append(
                f"latest checkpoint: size {self.latest_checkpoint_size};"
                f" {self.unsigned_entries} entries after it not yet signed"
            )
        if self.ok:
            lines.append("OK: every hash re-derived and every checkpoint verified")
        else:
            first = self.first_bad_entry
            lines.append(
                f"FAILED: {self.problem_count} problems"
                + (f"; first entry that does not fit: {first}" if first is not None else "")
            )
            lines.extend(f"  {p}" for p in self.problems)
            if self.problem_count > len(self.problems):
                lines.append(f"  ... and {self.problem_count - len(self.problems)} more")
        return "\n".join(lines)


@dataclass
class _Checker:
    problems: list[Problem] = field(default_factory=list)
    count: int = 0

    first_entry: int | None = None

    def problem(self, kind: str, entry: int | None, message: str) -> None:
        self.count += 1
        if entry is not None and (self.first_entry is None or entry < self.first_entry):
            self.first_entry = entry
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(kind, entry, message))


def _rows(conn: Connection, query: Executable) -> Iterator[Any]:
    return iter(conn.execution_options(yield_per=STREAM_BATCH).execute(query))


_QUICK_FIELDS = ("tcn", "booking_ori", "sender", "recipient", "transfer", "allowed")


def _columns_agree(payload: bytes, row: Any) -> bool:
    """The quick check for the usual case: the entry's JSON says what its query columns say."""
    try:
        obj = json.loads(payload)
        at = dt.datetime.fromisoformat(obj["time"][:-1]).replace(tzinfo=dt.UTC)
        quick = tuple(obj[name] for name in _QUICK_FIELDS)
    except (ValueError, KeyError, TypeError):
        return False
    _, _, tcn, ori, us, sender, recipient, transfer, allowed = row
    return quick == (tcn, ori, sender, recipient, transfer, bool(allowed)) and us == epoch_us(at)


def _check_entry(index: int, payload: bytes, row: Any, checker: _Checker) -> None:
    """Decode an entry and compare its query columns with it; name what does not fit."""
    if _columns_agree(payload, row):
        return
    try:
        stale = _columns_match(DisclosureEvent.from_canonical(payload), row)
    except EventError as e:
        checker.problem("entry-malformed", index, str(e))
        return
    if stale:
        checker.problem("entry-columns", index, f"query columns {stale} differ from its bytes")


def _columns_match(event: DisclosureEvent, row: Any) -> list[str]:
    _, _, tcn, ori, at, sender, recipient, transfer, allowed = row
    expected = {
        "tcn": (tcn, event.tcn.value),
        "booking_ori": (ori, event.booking_ori.value),
        "event_us": (at, event.epoch_us),
        "sender": (sender, event.sender),
        "recipient": (recipient, event.recipient),
        "transfer": (transfer, event.transfer),
        "allowed": (bool(allowed), event.allowed),
    }
    return [name for name, (stored, real) in expected.items() if stored != real]


class _StoredNodes:
    """The stored subtrees in key order, consumed as the pass produces the same keys."""

    def __init__(self, rows: Iterator[Any], checker: _Checker) -> None:
        self._rows = rows
        self._checker = checker
        self._next: tuple[int, bytes] | None = None
        self.checked = 0
        self._advance()

    def _advance(self) -> None:
        row = next(self._rows, None)
        self._next = None if row is None else (int(row[0]), bytes(row[1]))

    def take(self, key: int) -> bytes | None:
        while self._next is not None and self._next[0] < key:
            level, index = node_of_key(self._next[0])
            self._checker.problem(
                "node-extra",
                None,
                f"stored subtree (level {level}, index {index}) is not in the tree",
            )
            self._advance()
        if self._next is None or self._next[0] != key:
            return None
        found = self._next[1]
        self.checked += 1
        self._advance()
        return found

    def rest(self, tree_size: int) -> None:
        while self._next is not None:
            level, index = node_of_key(self._next[0])
            first = index << level
            self._checker.problem(
                "node-extra",
                first if first >= tree_size else None,
                f"stored subtree (level {level}, index {index}) lies beyond tree size {tree_size}",
            )
            self._advance()


def _open_checkpoints(
    conn: Connection, verifier: NoteVerifier, checker: _Checker
) -> tuple[dict[int, list[tuple[int, bytes]]], int | None, int]:
    """Signature-checked checkpoints by size; the latest valid size; how many were read."""
    by_size: dict[int, list[tuple[int, bytes]]] = {}
    latest: int | None = None
    read = 0
    query = select(
        CHECKPOINT_TABLE.c.id,
        CHECKPOINT_TABLE.c.tree_size,
        CHECKPOINT_TABLE.c.root_hash,
        CHECKPOINT_TABLE.c.note,
    ).order_by(CHECKPOINT_TABLE.c.id)
    for cid, size, root, note in conn.execute(query):
        read += 1
        try:
            signed = SignedCheckpoint.open(note, verifier)
        except NoteError as e:
            checker.problem("checkpoint-signature", None, f"checkpoint #{cid} (size {size}): {e}")
            continue
        if signed.size != size or signed.root_hash != bytes(root):
            checker.problem(
                "checkpoint-columns",
                None,
                f"checkpoint #{cid}: stored size/root differ from its signed note",
            )
        if latest is not None and signed.size < latest:
            checker.problem(
                "checkpoint-order",
                signed.size,
                f"checkpoint #{cid} signs size {signed.size}, smaller than an earlier {latest}",
            )
        latest = signed.size if latest is None else max(latest, signed.size)
        by_size.setdefault(signed.size, []).append((cid, signed.root_hash))
    return by_size, latest, read


def column_problems(conn: Connection) -> int:
    """How many entries of the tree have query columns that do not say what their bytes say
    (or bytes that do not decode): the one per-entry check that ``verify_log`` can leave to
    another process (``check_columns=False``), about half of its CPU."""
    state = conn.execute(select(STATE_TABLE.c.tree_size).where(STATE_TABLE.c.id == 1)).first()
    tree_size = 0 if state is None else int(state[0])
    checker = _Checker()
    query = select(ENTRY_TABLE).where(ENTRY_TABLE.c.idx < tree_size)
    for row in _rows(conn, query.order_by(ENTRY_TABLE.c.idx)):
        _check_entry(int(row[0]), bytes(row[1]), row, checker)
    return checker.count


def verify_log(
    conn: Connection,
    verifier: NoteVerifier,
    progress: Callable[[int, int], None] | None = None,
    check_columns: bool = True,
) -> VerificationReport:
    """Check the whole stored log against itself and its checkpoints signed by ``verifier``;
    ``progress(done, total)`` is called every few thousand entries.

    ``check_columns=False`` leaves out the entries' column checks: only for a caller that runs
    ``column_problems`` elsewhere and, should it find any, verifies again with them (a column
    problem also changes which stored-tree problems are named)."""
    checker = _Checker()
    state = conn.execute(
        select(STATE_TABLE.c.tree_size, STATE_TABLE.c.frontier).where(STATE_TABLE.c.id == 1)
    ).first()
    tree_size = 0 if state is None else int(state[0])
    checkpoints, latest, read = _open_checkpoints(conn, verifier, checker)
    last_good = 0  # largest checkpoint size whose root matched so far

    def check_roots(size: int, root: bytes | None) -> None:
        """Compare the entry tree's root with every checkpoint of this size. A mismatch is
        pinned to the span since the last good checkpoint unless an entry in that span was
        already named."""
        nonlocal last_good
        for cid, signed_root in checkpoints.get(size, []):
            if root == signed_root:
                last_good = size
                continue
            named = checker.first_entry is not None and checker.first_entry >= last_good
            if root is None:
                what = "cannot be re-derived: entries are missing"
            else:
                what = (
                    f"does not match entries 0..{size - 1}:"
                    f" an entry from {last_good} to {size - 1} changed after it was signed"
                )
            checker.problem(
                "checkpoint-root",
                None if named else last_good,
                f"checkpoint #{cid} (size {size}) {what}",
            )

    check_roots(0, EMPTY_ROOT)
    entries = _rows(conn, select(ENTRY_TABLE).order_by(ENTRY_TABLE.c.idx))
    nodes = _StoredNodes(
        _rows(conn, select(NODE_TABLE.c.key, NODE_TABLE.c.hash).order_by(NODE_TABLE.c.key)),
        checker,
    )
    stack: list[tuple[bytes, bool]] = []  # right frontier of the stored tree, and taint
    # The tree of the entries' bytes: the same as the stored tree until the two first differ
    # (None), then kept apart; broken when an entry and its stored leaf are both missing.
    truth: Frontier | None = None
    broken = False
    checked = 0
    row = next(entries, None)
    index = 0
    while index < tree_size or row is not None:
        if row is not None and (index >= tree_size or int(row[0]) < index):
            where = int(row[0])
            checker.problem("entry-extra", where, f"entry lies outside the tree of {tree_size}")
            row = next(entries, None)
            continue
        present = row is not None and int(row[0]) == index
        problems_before = checker.count
        stored_leaf = nodes.take(node_key(0, index))
        if present:
            assert row is not None
            payload = bytes(row[1])
            real_leaf: bytes | None = leaf_hash(payload)
            checked += 1
            if check_columns:
                _check_entry(index, payload, row, checker)
            row = next(entries, None)
        else:
            real_leaf = None
            checker.problem("entry-missing", index, "entry is missing from the log")
        if stored_leaf is None:
            checker.problem("node-missing", index, "its stored leaf hash is missing")
        elif real_leaf is not None and stored_leaf != real_leaf:
            checker.problem("entry-hash", index, "entry bytes do not hash to its stored leaf hash")
        leaf = real_leaf if real_leaf is not None else stored_leaf
        carried = stored_leaf if stored_leaf is not None else leaf
        before = list(stack) if truth is None and not broken else None
        tainted = checker.count > problems_before
        deviated = _push_stored(stack, index, carried, tainted, nodes, checker)
        if leaf is None:
            broken, truth = True, None
        elif truth is not None:
            truth.append(leaf)
        elif before is not None and (deviated or carried != leaf):
            truth = Frontier(index, [h for h, _ in before])
            truth.append(leaf)
        index += 1
        if progress is not None and index % STREAM_BATCH == 0:
            progress(index, tree_size)
        if index in checkpoints:
            if broken:
                check_roots(index, None)
            else:
                check_roots(index, truth.root() if truth is not None else _stack_root(stack))
    nodes.rest(tree_size)
    for size, found in checkpoints.items():
        if size > tree_size:
            for cid, _ in found:
                checker.problem(
                    "truncated",
                    tree_size,
                    f"checkpoint #{cid} signs {size} entries but the log holds {tree_size}:"
                    f" entries from {tree_size} on were removed",
                )
    if state is not None and bytes(state[1]) != b"".join(h for h, _ in stack):
        checker.problem("state", None, "stored tree state differs from the stored subtrees")
    return VerificationReport(
        tree_size=tree_size,
        entries_checked=checked,
        checkpoints_checked=read,
        latest_checkpoint_size=latest,
        root_hash=None if broken else truth.root() if truth is not None else _stack_root(stack),
        problems=tuple(sorted(checker.problems, key=_problem_order)),
        problem_count=checker.count,
    )


def _stack_root(stack: list[tuple[bytes, bool]]) -> bytes:
    return fold([h for h, _ in stack]) if stack else EMPTY_ROOT


def _problem_order(p: Problem) -> tuple[int, int]:
    return (p.entry if p.entry is not None else 1 << 62, 0)


def _push_stored(
    stack: list[tuple[bytes, bool]],
    index: int,
    leaf: bytes | None,
    tainted: bool,
    nodes: _StoredNodes,
    checker: _Checker,
) -> bool:
    """Add a leaf to the stored tree, checking each subtree it completes against its children;
    True when a stored subtree that differs from its children was carried on.

    The stored value is carried upwards, and a subtree under which a problem was already
    reported is not reported again: one altered row gives one problem.
    """
    deviated = False
    h = leaf if leaf is not None else EMPTY_ROOT
    level = 0
    while index & 1:
        left, left_tainted = stack.pop()
        computed = node_hash(left, h)
        tainted = tainted or left_tainted
        level += 1
        index >>= 1
        stored = nodes.take(node_key(level, index))
        first = index << level
        span = f"entries {first}..{first + (1 << level) - 1}"
        if stored is None:
            checker.problem("node-missing", first, f"stored subtree over {span} is missing")
            h, tainted = computed, True
        elif stored != computed:
            if not tainted:
                what = f"stored subtree over {span} differs from its children"
                checker.problem("node-mismatch", first, what)
            h, tainted, deviated = stored, True, True
        else:
            h = computed
    stack.append((h, tainted))
    return deviated
