"""A PostgreSQL server for tests: the configured one if it answers, else a throwaway cluster.

Used by the test suites (``tests/conftest.py``) and benchmarks; nothing in the product calls it.
The configured server is ``SCOMM_TEST_DATABASE_URL`` (default the project machines' and CI's
``postgresql://postgres@127.0.0.1:5432/test``).  When it does not answer and the PostgreSQL
server binaries are installed, a cluster is made with ``initdb`` in a temporary directory and
started with ``pg_ctl`` on a free 127.0.0.1 port, trust authentication, and removed afterwards.
Each test session then gets its own freshly created database, so parallel runs never collide.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, make_url, text

from scomm.store.database import begin, make_engine

TEST_URL_ENV = "SCOMM_TEST_DATABASE_URL"
DEFAULT_TEST_URL = "postgresql://postgres@127.0.0.1:5432/test"
INSTALL_HINT = (
    "install the PostgreSQL server (Debian/Ubuntu: `apt-get install postgresql`, "
    "macOS: `brew install postgresql`) or set SCOMM_TEST_DATABASE_URL"
)


class PostgresUnavailable(RuntimeError):
    """No server answered and none could be started; the message says what to install."""


def configured_url() -> str:
    return os.environ.get(TEST_URL_ENV) or DEFAULT_TEST_URL


def answers(url: str, timeout: float = 3.0) -> bool:
    """Whether a PostgreSQL server accepts a connection at ``url``."""
    try:
        import psycopg
    except ImportError:
        return False
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(plain, connect_timeout=max(1, round(timeout))):
            return True
    except psycopg.Error:
        return False


def find_server_binaries() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl`` (PATH, then /usr/lib/postgresql/*)."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(x) for x in Path(p).parts[-3].split(".") if x.isdigit()],
    )
    for initdb in reversed(candidates):
        if (Path(initdb).parent / "pg_ctl").exists():
            return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class _RunAs:
    """PostgreSQL refuses to run as root; run its binaries as an unprivileged account then."""

    user: str | None

    def command(self, *args: str) -> list[str]:
        if self.user is None:
            return list(args)
        runuser = shutil.which("runuser") or shutil.which("su")
        if runuser is None:
            raise PostgresUnavailable("running as root and neither runuser nor su found")
        if runuser.endswith("runuser"):
            return [runuser, "-u", self.user, "--", *args]
        return [runuser, self.user, "-s", "/bin/sh", "-c", " ".join(args)]


def _unprivileged() -> _RunAs:
    if os.geteuid() != 0:
        return _RunAs(None)
    for name in ("postgres", "nobody"):
        with suppress(KeyError):
            pwd.getpwnam(name)
            return _RunAs(name)
    raise PostgresUnavailable("running as root and no unprivileged account to run PostgreSQL")


@contextmanager
def throwaway_cluster(bindir: Path) -> Iterator[str]:
    """Start a private cluster (trust auth, 127.0.0.1, a free port); yields its URL."""
    run_as = _unprivileged()
    workdir = Path(tempfile.mkdtemp(prefix="scomm-pg-"))
    data = workdir / "data"
    if run_as.user is not None:
        entry = pwd.getpwnam(run_as.user)
        os.chown(workdir, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    started = False
    try:
        subprocess.run(
            run_as.command(
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
            ),
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            run_as.command(
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(workdir / "log"),
                "-w",
                "start",
            ),
            check=True,
            capture_output=True,
        )
        started = True
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or b"").decode(errors="replace").strip()
        raise PostgresUnavailable(f"could not start a throwaway PostgreSQL: {detail}") from error
    finally:
        if started:
            subprocess.run(
                run_as.command(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
                capture_output=True,
            )
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """A URL of a PostgreSQL server: the configured one, else a throwaway cluster.

    Raises :class:`PostgresUnavailable` (naming the package to install) when neither works.
    """
    url = configured_url()
    if answers(url):
        yield url
        return
    bindir = find_server_binaries()
    if bindir is None:
        raise PostgresUnavailable(
            f"no PostgreSQL server at {url} and no initdb/pg_ctl: {INSTALL_HINT}"
        )
    with throwaway_cluster(bindir) as started:
        yield started


@contextmanager
def fresh_database(server_url: str, prefix: str = "scomm_test") -> Iterator[str]:
    """A new, empty database on the server, dropped (connections and all) afterwards."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def fresh_schema(database_url: str) -> Iterator[str]:
    """A new schema in the database and a URL whose connections use it (``search_path``)."""
    name = f"t_{secrets.token_hex(5)}"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        url = make_url(database_url)
        query = dict(url.query)
        query["options"] = f"-csearch_path={name}"
        try:
            yield url.set(query=query).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    finally:
        admin.dispose()


@contextmanager
def lease_holders_frozen(engine: Engine, expired_too: bool = False) -> Iterator[set[str]]:
    """The worker ids holding leased work, read while this holds the work channel's write lock
    (no worker can commit meanwhile): the crash tests kill one of them inside, so that only
    redelivery can finish its work. ``expired_too``: leases past their time count as well (on a
    busy machine a batch can outlast its lease and still be acked)."""
    with begin(engine) as conn:  # SQLite: the writers' turn and BEGIN IMMEDIATE
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE work_items IN EXCLUSIVE MODE"))
        query = "SELECT DISTINCT lease_owner FROM work_items WHERE lease_owner IS NOT NULL"
        bound = {} if expired_too else {"now": time.time()}
        if bound:
            query += " AND available_at > :now"
        yield {owner for owner in conn.execute(text(query), bound).scalars() if owner}
