"""No stage bypasses the disclosure gate: checked in the source and while bookings run."""

from __future__ import annotations

import ast
import inspect
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import scomm.agencies
from scomm.agencies import routing
from scomm.store import WorkChannel

if TYPE_CHECKING:
    from conftest import Replay

ENQUEUE = {"put", "put_many", "requeue_dead"}
ALLOWED = {("gate.py", "pass_all"), ("intake.py", "enter_bookings")}
PACKAGE = Path(scomm.agencies.__file__).parent


def enqueue_calls(path: Path) -> list[tuple[str, str, int]]:
    """(file, enclosing function, line) of every call that could enqueue work."""
    tree = ast.parse(path.read_text())
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ENQUEUE
            ):
                found.append((path.name, function.name, node.lineno))
    return found


def test_only_the_gate_and_the_booking_desk_enqueue_in_the_source() -> None:
    calls = [c for path in sorted(PACKAGE.glob("*.py")) for c in enqueue_calls(path)]
    assert {(f, fn) for f, fn, _ in calls} == ALLOWED, calls
    for path in PACKAGE.glob("*.py"):
        text = path.read_text()
        assert "work_tables" not in text and "WorkItem" not in text, path.name
        assert "work_items" not in text, path.name  # no raw SQL into the channel's table


def test_the_actors_never_hold_the_channel() -> None:
    source = (PACKAGE / "actors.py").read_text()
    assert "WorkChannel" not in source and "Session" not in source and "Ledger" not in source


def spy_on_puts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """(stage, file, function) of every message enqueued from now on."""
    seen: list[tuple[str, str, str]] = []
    original = WorkChannel.put_many

    def spy(self: WorkChannel, messages: Any, session: Any = None) -> int:
        batch = list(messages)
        caller = inspect.stack()[1]
        for message in batch:
            seen.append((message.stage, Path(caller.filename).name, caller.function))
        return original(self, batch, session)

    monkeypatch.setattr(WorkChannel, "put_many", spy)
    return seen


def assert_enqueued_by_the_gate(seen: list[tuple[str, str, str]]) -> None:
    for stage, filename, function in seen:
        if stage == routing.LEA:
            assert (filename, function) == ("intake.py", "enter_bookings")
        else:
            assert (filename, function) == ("gate.py", "pass_all")


def test_every_message_between_agencies_came_through_the_gate(
    replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = spy_on_puts(monkeypatch)
    replay.enter(replay.intakes(replay.rows(40)))
    replay.worker(chain=False).run()
    stages = {stage for stage, _, _ in seen}
    assert {routing.SIB, routing.CJIS, routing.LEA_INBOX, routing.IDENT} <= stages
    assert_enqueued_by_the_gate(seen)


def test_every_message_handed_on_within_a_batch_has_its_allowed_ledger_entry(
    replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker that runs the next stage itself hands it the message in the same batch
    # instead of enqueueing it: the stage must still get exactly what the gate let through.
    from scomm.agencies import Agencies
    from scomm.agencies.gate import digest
    from scomm.ledger import Ledger

    handled: list[tuple[str, str, str, str]] = []
    original = Agencies.handler

    def watched(self: Agencies, stage: str) -> Any:
        handler = original(self, stage)

        def spy(tot: str, payload: bytes, booking: Any) -> Any:
            handled.append((stage, booking.tcn, tot, digest(payload)))
            return handler(tot, payload, booking)

        return spy

    monkeypatch.setattr(Agencies, "handler", watched)
    seen = spy_on_puts(monkeypatch)
    rows = replay.rows(40)
    replay.enter(replay.intakes(rows))
    replay.worker().run()
    assert_enqueued_by_the_gate(seen)
    assert {stage for stage, _, _ in seen} == {routing.LEA}  # every hop handed on here
    log = Ledger(replay.engine, replay.data_dir / "keys", migrate=False)
    parties = {routing.CJIS: routing.CJIS_PARTY, routing.IDENT: routing.IDENT_PARTY,
               routing.LESC: routing.LESC_PARTY}  # fmt: skip
    allowed: Counter[tuple[str, str, str, str]] = Counter()
    for row in rows:
        for record in log.entries_for_tcn(replay.world.booking(row).tcn):
            event = record.event
            if event.allowed:
                for d in event.record_digests:
                    allowed[(event.recipient, event.tcn.value, event.transfer, d)] += 1
    received: Counter[tuple[str, ...]] = Counter()
    for stage, tcn, tot, d in handled:
        if stage == routing.LEA:  # from the agency's own booking desk, no hand-over
            continue
        recipient = parties.get(stage)
        matches = [k for k in allowed if k[1:] == (tcn, tot, d)]
        assert matches, (stage, tcn, tot)
        if recipient is not None:
            assert any(k[0] == recipient for k in matches), (stage, tcn, tot)
        received[(tcn, tot, d)] += 1
    by_message: Counter[tuple[str, ...]] = Counter()
    for (_, *message), n in allowed.items():
        by_message[tuple(message)] += n
    assert received == by_message  # each allowed hand-over received exactly once
    assert {stage for stage, *_ in handled} >= {routing.SIB, routing.CJIS, routing.IDENT,
                                                 routing.LEA_INBOX}  # fmt: skip


def test_a_refused_transfer_is_logged_and_not_sent(replay: Replay) -> None:
    # Bookings before any county was activated: IDENT is never searched, and the ledger says so.
    early = [r for r in replay.rows(200) if replay.world.booked_at(r).year == 2008][:5]
    assert early
    replay.enter(replay.intakes(early))
    replay.worker().run()
    assert replay.channel.depths().get(routing.IDENT, {}).get("done", 0) == 0
    from scomm.ledger import Ledger

    log = Ledger(replay.engine, replay.data_dir / "keys", migrate=False)
    for row in early:
        tcn = replay.world.booking(row).tcn
        to_ident = [r.event for r in log.entries_for_tcn(tcn) if r.event.recipient == "DHS-IDENT"]
        # the arrest's request, and the disposition's when the charge ends in a conviction
        convicted = bool(replay.world.bookings.convicted[row])
        assert [e.transfer for e in to_ident] == ["CAR", "DISP"][: 1 + convicted]
        assert all(not e.allowed and e.record_digests == () for e in to_ident)


def test_each_agency_uses_only_its_own_services_in_the_source() -> None:
    # A stage holds every agency's services (``Agencies``): calling another agency's search
    # or judgement would move a booking's data to that agency without the gate.
    own = {"criminal_search": {"cjis"}, "immigration_search": {"ident"},
           "status_check": {"lesc"}, "detainer_rule": {"ero"}}  # fmt: skip
    tree = ast.parse((PACKAGE / "actors.py").read_text())
    agencies = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Agencies")
    used: dict[str, set[str]] = {name: set() for name in own}
    for method in agencies.body:
        if not isinstance(method, ast.FunctionDef):
            continue
        for node in ast.walk(method):
            if isinstance(node, ast.Attribute) and node.attr in own:
                used[node.attr].add(method.name)
    assert used == own
    for path in PACKAGE.glob("*.py"):
        if path.name in ("actors.py", "__init__.py", "services.py"):
            continue  # services.py builds them
        tree = ast.parse(path.read_text())
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not names & set(own), (path.name, names & set(own))


def test_each_agency_uses_only_its_own_services_while_bookings_run(
    replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextvars

    from scomm.agencies import Agencies, OracleSearch
    from scomm.sim.replay import WorldDetainerRule, WorldStatusCheck

    current: contextvars.ContextVar[str] = contextvars.ContextVar("stage", default="")
    calls: set[tuple[str, str]] = set()
    handler = Agencies.handler

    def watched(self: Agencies, stage: str) -> Any:
        handle = handler(self, stage)

        def spy(tot: str, payload: bytes, booking: Any) -> Any:
            token = current.set(stage)
            try:
                return handle(tot, payload, booking)
            finally:
                current.reset(token)

        return spy

    def record(cls: Any, method: str, name: Any) -> None:
        original = getattr(cls, method)

        def spy(self: Any, *args: Any) -> Any:
            calls.add((current.get(), name(self)))
            return original(self, *args)

        monkeypatch.setattr(cls, method, spy)

    monkeypatch.setattr(Agencies, "handler", watched)
    record(OracleSearch, "search", lambda search: f"{search.name} search")
    record(WorldStatusCheck, "determine", lambda _: "status check")
    record(WorldDetainerRule, "decide", lambda _: "detainer rule")
    replay.enter(replay.intakes(replay.rows(120)))
    replay.worker().run()
    assert calls == {
        (routing.CJIS, "cjis search"), (routing.IDENT, "ident search"),
        (routing.LESC, "status check"), (routing.ERO, "detainer rule"),
    }  # fmt: skip
