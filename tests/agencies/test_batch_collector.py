"""Worker processes collect cyclic garbage between batches, not by allocation counts."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from scomm.agencies.workers import BatchCollector


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture
def collector() -> Iterator[BatchCollector]:
    was = gc.isenabled()
    yield BatchCollector(every=3)
    if was:
        gc.enable()


def test_cycles_are_freed_every_few_batches_and_only_then(collector: BatchCollector) -> None:
    collector.start()
    assert not gc.isenabled()
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    alive = weakref.ref(a)
    del a, b
    for _ in range(10_000):  # allocations alone trigger nothing
        _Node()
    collector.after_batch()
    collector.after_batch()
    assert alive() is not None
    collector.after_batch()  # the third batch: a full collection
    assert alive() is None
