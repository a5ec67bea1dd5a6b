"""The work channel against a model: random puts, leases, acks, failures and clock jumps."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from scomm.store import Lease, LeaseLost, RetryPolicy, WorkChannel, make_engine, upgrade_to_head

POLICY = RetryPolicy(max_attempts=2, base_delay=1.0, max_delay=4.0, max_deliveries=2)
STAGE = "cjis"


@dataclass
class Item:
    order: int
    available_at: float
    owned: bool = False
    attempts: int = 0
    deliveries: int = 0


class ChannelMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.TemporaryDirectory()
        self.engine = make_engine(f"sqlite:///{Path(self.directory.name) / 'm.db'}")
        upgrade_to_head(self.engine)
        self.now = 1000.0
        self.channel = WorkChannel(self.engine, POLICY, lambda: self.now)
        self.live: dict[str, Item] = {}
        self.dead: set[str] = set()
        self.done: set[str] = set()
        self.leases: list[Lease] = []
        self.count = 0

    def teardown(self) -> None:
        self.engine.dispose()
        self.directory.cleanup()

    @rule()
    def put(self) -> None:
        key = f"T{self.count}"
        self.count += 1
        self.channel.put(STAGE, key, key.encode())
        self.live[key] = Item(order=self.count, available_at=self.now)

    @rule(limit=st.integers(1, 4), seconds=st.sampled_from([1.0, 5.0]))
    def lease(self, limit: int, seconds: float) -> None:
        available = sorted(
            (k for k, item in self.live.items() if item.available_at <= self.now),
            key=lambda k: (self.live[k].available_at, self.live[k].order),
        )[:limit]
        got = self.channel.lease(STAGE, "w", seconds, limit)
        handed = []
        for key in available:
            item = self.live[key]
            item.deliveries += 1
            if item.deliveries > POLICY.max_deliveries:
                del self.live[key]
                self.dead.add(key)
            else:
                item.owned, item.available_at = True, self.now + seconds
                handed.append(key)
        assert sorted(lease.key for lease in got) == sorted(handed)
        for lease in got:
            assert lease.payload == lease.key.encode()
            assert lease.delivery == self.live[lease.key].deliveries
        self.leases.extend(got)

    def current(self, lease: Lease) -> bool:
        item = self.live.get(lease.key)
        return item is not None and item.owned and item.deliveries == lease.delivery

    @precondition(lambda self: self.leases)
    @rule(data=st.data())
    def ack(self, data: st.DataObject) -> None:
        lease = data.draw(st.sampled_from(self.leases))
        if self.current(lease):
            self.channel.ack(lease)
            del self.live[lease.key]
            self.done.add(lease.key)
        else:
            with pytest.raises(LeaseLost):
                self.channel.ack(lease)

    @precondition(lambda self: self.leases)
    @rule(data=st.data())
    def fail(self, data: st.DataObject) -> None:
        lease = data.draw(st.sampled_from(self.leases))
        if not self.current(lease):
            with pytest.raises(LeaseLost):
                self.channel.fail(lease, "boom")
            return
        item = self.live[lease.key]
        item.attempts += 1
        outcome = self.channel.fail(lease, "boom")
        if item.attempts >= POLICY.max_attempts:
            assert outcome == "dead"
            del self.live[lease.key]
            self.dead.add(lease.key)
        else:
            assert outcome == "retry"
            item.owned, item.available_at = False, self.now + POLICY.delay(item.attempts)

    @rule(seconds=st.sampled_from([0.75, 1.5, 6.0]))
    def wait(self, seconds: float) -> None:
        self.now += seconds

    @invariant()
    def depths_match_the_model(self) -> None:
        if not self.count:
            return
        depth = self.channel.depths().get(STAGE, {})
        items = self.live.values()
        assert depth.get("ready", 0) == sum(i.available_at <= self.now for i in items)
        assert depth.get("leased", 0) == sum(i.owned and i.available_at > self.now for i in items)
        assert depth.get("delayed", 0) == sum(
            not i.owned and i.available_at > self.now for i in items
        )
        assert depth.get("dead", 0) == len(self.dead)
        assert depth.get("done", 0) == len(self.done)
        assert {d.key for d in self.channel.dead_letters(STAGE, limit=1000)} == self.dead


ChannelMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
test_channel_follows_its_model = ChannelMachine.TestCase
