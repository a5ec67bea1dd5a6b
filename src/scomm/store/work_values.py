"""The values the work channel hands out and takes in: leases, messages, dead letters, the
retry policy, and the two ways a settlement can be refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class LeaseLost(RuntimeError):
    """The lease is no longer held — it expired and the item was leased again, or it was
    released by ``fail``, or the item is gone; nothing was changed."""


class AlreadyProcessed(RuntimeError):
    """(stage, key) is already recorded as processed: these side effects would repeat."""


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed message is retried, and when it is given up on."""

    max_attempts: int = 5
    """Failures (``fail``) after which a message goes to the dead letters."""
    base_delay: float = 1.0
    """Seconds before the first retry; doubled for each further failure."""
    max_delay: float = 300.0
    max_deliveries: int = 25
    """Leases that ended without ack or fail (crashed workers) tolerated before the message is
    treated as the cause and dead-lettered; keeps one poison message from killing workers
    forever.  Must leave room for ``max_attempts`` deliveries that did fail."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError(f"invalid retry policy: {self}")
        if self.max_deliveries < self.max_attempts:
            raise ValueError("max_deliveries must be at least max_attempts")

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failure."""
        return float(min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Lease:
    """One delivery of a message to a worker; present it to ack or fail the message."""

    id: int
    stage: str
    key: str
    payload: bytes
    attempts: int
    """Failures before this delivery."""
    delivery: int
    """Which delivery this is (1 for the first); the fencing token."""
    worker_id: str
    expires_at: float
    enqueued_at: float


@dataclass(frozen=True)
class Message:
    """An outgoing message: what a stage hands to the next one."""

    stage: str
    key: str
    payload: bytes
    available_at: datetime | float | None = None


@dataclass(frozen=True)
class DeadLetterInfo:
    """A dead-lettered message, with why it died."""

    id: int
    stage: str
    key: str
    payload: bytes
    attempts: int
    deliveries: int
    error: str | None
    enqueued_at: float
    died_at: float
