"""Where a long job's time went: wall and CPU seconds per named phase.

CPU is counted where it is spent: this process's own time inside ``phase`` blocks, and the CPU
seconds that pool workers report for their jobs (``worker``), so a two-process preparation can
be broken down honestly without waiting for the workers to exit.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager


def cpu_with_children() -> float:
    """CPU seconds (user and system) of this process and of the child processes it has waited
    for: a phase that starts and joins its own worker processes is counted whole."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class PhaseTimes:
    """Accumulates wall and CPU seconds by phase, in the order phases first appear."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str, children: bool = False) -> Iterator[None]:
        """Time the block; ``children``: count the CPU of the processes it waits for too."""
        clock = cpu_with_children if children else time.process_time
        wall, cpu = time.perf_counter(), clock()
        try:
            yield
        finally:
            self._add(name, time.perf_counter() - wall, clock() - cpu)

    def worker(self, name: str, cpu_s: float) -> None:
        """CPU seconds a worker process spent on this phase (its wall overlaps the others')."""
        self._add(name, 0.0, cpu_s)

    def _add(self, name: str, wall: float, cpu: float) -> None:
        self.wall[name] = self.wall.get(name, 0.0) + wall
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu

    @property
    def total_cpu(self) -> float:
        return sum(self.cpu.values())

    def to_json(self) -> dict[str, dict[str, float]]:
        return {
            name: {"wall_s": round(self.wall[name], 2), "cpu_s": round(self.cpu[name], 2)}
            for name in self.cpu
        }

    def rows(self) -> list[str]:
        """A readable table: phase, CPU seconds, wall seconds (blank for worker-only phases)."""
        lines = [f"{'phase':<58}{'CPU s':>9}{'wall s':>9}"]
        for name, cpu in self.cpu.items():
            wall = self.wall[name]
            lines.append(f"{name:<58}{cpu:>9.1f}{(f'{wall:.1f}' if wall else ''):>9}")
        lines.append(f"{'total':<58}{self.total_cpu:>9.1f}")
        return lines
