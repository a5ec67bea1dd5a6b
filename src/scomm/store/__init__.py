"""Persistence and the durable work channel (issues 6 and 8)."""

from scomm.store.database import (
    Base,
    begin,
    data_dir,
    default_database_url,
    make_engine,
    make_sessionmaker,
    read_only,
    transaction,
)
from scomm.store.schema import (
    current_revision,
    head_revision,
    metadata,
    schema_differences,
    upgrade_to_head,
)
from scomm.store.work_values import (
    AlreadyProcessed,
    DeadLetterInfo,
    Lease,
    LeaseLost,
    Message,
    RetryPolicy,
)
from scomm.store.workchannel import WorkChannel
from scomm.store.worker import BatchResult, Handler, TwoPhaseHandler, Worker, process_batch

__all__ = [
    "AlreadyProcessed",
    "Base",
    "BatchResult",
    "DeadLetterInfo",
    "Handler",
    "Lease",
    "LeaseLost",
    "Message",
    "RetryPolicy",
    "TwoPhaseHandler",
    "WorkChannel",
    "Worker",
    "begin",
    "current_revision",
    "data_dir",
    "default_database_url",
    "head_revision",
    "make_engine",
    "make_sessionmaker",
    "metadata",
    "process_batch",
    "read_only",
    "schema_differences",
    "transaction",
    "upgrade_to_head",
]
