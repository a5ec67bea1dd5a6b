"""The demo's last step, the ledger's full verification, off the critical path.

Verifying 720,000 entries costs ~20 CPU-s in one process, and it is the last thing the demo
waits for: the other core would idle. About half of it is the per-entry check that an entry's
query columns say what its bytes say (``verify.column_problems``), independent of the hashes;
so one forked process re-derives every hash and checkpoint without it, another makes that
check, and the caller writes the reports meanwhile. The usual outcome, no column problem, makes
the first process's report exactly the one a single pass gives; should there be any, the log is
verified again in one pass, which also names them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import Connection, Engine

from scomm.ledger import Ledger, VerificationReport
from scomm.ledger.verify import column_problems, verify_log
from scomm.store import make_engine
from scomm.store.database import read_only


@contextmanager
def ledger_verified_meanwhile(url: str, keys: Path) -> Iterator[Callable[[], VerificationReport]]:
    """Start verifying the ledger of the store at ``url`` (signed with the key in ``keys``) in
    two forked processes; the callable waits for the report."""
    with ProcessPoolExecutor(2, mp_context=get_context("fork")) as pool:
        hashes = pool.submit(verified, url, keys, False)
        columns = pool.submit(problem_count, url)

        def report() -> VerificationReport:
            if columns.result() == 0:
                return hashes.result()
            return verified(url, keys, True)

        yield report


def verified(url: str, keys: Path, check_columns: bool) -> VerificationReport:
    """The ledger verified in this process (see ``_reading``)."""
    with _reading(url) as (engine, conn):
        verifier = Ledger(engine, keys, migrate=False).verifier
        return verify_log(conn, verifier, check_columns=check_columns)


def problem_count(url: str) -> int:
    """``column_problems`` of the store at ``url`` (see ``_reading``)."""
    with _reading(url) as (_, conn):
        return column_problems(conn)


@contextmanager
def _reading(url: str) -> Iterator[tuple[Engine, Connection]]:
    """This process's own engine on ``url`` (a forked process never uses its parent's
    connections) and a read transaction on it: a scomm transaction on SQLite takes the
    writer's lock from its start, which would lock out the caller's for the whole pass."""
    engine = read_only(make_engine(url))
    try:
        with engine.begin() as conn:
            yield engine, conn
    finally:
        engine.dispose()
