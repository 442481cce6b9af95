"""A throwaway PostgreSQL server for the test suite, started from the installed server binaries.

The suite owns its server instead of relying on a running cluster: a developer machine and a fresh CI machine
then behave the same, nothing outside a temporary directory is touched, and the port is whatever is free.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

BINDIR_ENV = "HOTDASH_PG_BINDIR"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
NEEDED = ("initdb", "pg_ctl", "postgres")
START_TIMEOUT_S = 60.0
INSTALL_HINT = (
    "PostgreSQL server binaries not found: the database tests need a real server. Install the `postgresql` "
    "package (sudo apt-get install postgresql) or point HOTDASH_PG_BINDIR at a directory holding "
    "initdb, pg_ctl and postgres."
)

# Durability is worthless for a database deleted at the end of the run, and turning it off makes
# CREATE DATABASE and every commit much cheaper. The zone is pinned to UTC so results do not depend on the
# machine's TZ.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "timezone": "'UTC'",
    "log_min_messages": "warning",
}


class PgBinariesMissing(RuntimeError):
    """The PostgreSQL server binaries are not installed where we look."""


class PgStartError(RuntimeError):
    """The server did not come up; the message carries the end of its log."""


def find_bindir() -> Path:
    """Return the directory of initdb/pg_ctl/postgres: $HOTDASH_PG_BINDIR, else Debian's highest version."""
    override = os.environ.get(BINDIR_ENV)
    if override:
        candidates = [Path(override)]
    else:
        # Debian keeps server binaries off PATH, one directory per major version; pick the newest.
        versions = [p for p in DEBIAN_ROOT.glob("*/bin") if re.fullmatch(r"\d+(\.\d+)?", p.parent.name)]
        candidates = sorted(versions, key=lambda p: float(p.parent.name), reverse=True)
    for bindir in candidates:
        if all(os.access(bindir / name, os.X_OK) for name in NEEDED):
            return bindir
    where = f"{BINDIR_ENV}={override}" if override else f"{DEBIAN_ROOT}/<version>/bin"
    raise PgBinariesMissing(f"{INSTALL_HINT} (looked in {where})")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _reachable_by_others(path: Path) -> bool:
    """Whether a non-root user can traverse every ancestor of `path` (TMPDIR may live under /root)."""
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


class PgServer:
    """One PostgreSQL server in a temporary directory; use as a context manager so it is always removed."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.as_root = os.geteuid() == 0
        self.port = 0
        self.startup_seconds = 0.0
        self._tmp: Path | None = None
        self._running = False

    @property
    def datadir(self) -> Path:
        assert self._tmp is not None, "server not started"
        return self._tmp / "data"

    def __enter__(self) -> PgServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        # PostgreSQL refuses to run as root, and CI runs as root: drop to the `postgres` system user there.
        cmd: Sequence[str] = ["runuser", "-u", "postgres", "--", *args] if self.as_root else args
        return subprocess.run(
            cmd,
            cwd=self._tmp,  # the server user may not be allowed into the caller's working directory
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )

    def _check(self, what: str, result: subprocess.CompletedProcess[str]) -> None:
        if result.returncode != 0:
            raise PgStartError(
                f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 30) -> str:
        log = self._tmp / "server.log" if self._tmp else None
        if log is None or not log.exists():
            return ""
        return "server log:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def start(self) -> None:
        """Create a cluster, start it on a free port and wait until it accepts connections."""
        began = time.monotonic()
        base = Path(tempfile.gettempdir())
        if self.as_root and not _reachable_by_others(base):
            base = Path("/tmp")
        self._tmp = Path(tempfile.mkdtemp(prefix="hotdash-pg-", dir=base))
        sockets = self._tmp / "sockets"
        sockets.mkdir()
        if self.as_root:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PgBinariesMissing(
                    f"running as root needs the `postgres` system user. {INSTALL_HINT}"
                ) from None
            for path in (self._tmp, sockets):
                shutil.chown(path, "postgres", "postgres")

        self._check(
            "initdb",
            self._run(
                str(self.bindir / "initdb"),
                *("-D", str(self.datadir), "-A", "trust", "-U", "postgres", "--no-sync"),
                *("-E", "UTF8", "--locale=C.UTF-8"),  # same collation everywhere, whatever LANG says
            ),
        )
        settings = {**SERVER_SETTINGS, "unix_socket_directories": f"'{sockets}'"}
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write("\n# hotdash test server\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

        # From here a postmaster may exist (even after a pg_ctl timeout), so stop() must try pg_ctl stop.
        self._running = True
        # Another process can grab the port between probing and binding; try a few.
        for attempt in range(3):
            self.port = _free_port()
            result = self._run(
                str(self.bindir / "pg_ctl"),
                *("start", "-D", str(self.datadir), "-l", str(self._tmp / "server.log")),
                *("-o", f"-p {self.port}", "-w", "-t", str(int(START_TIMEOUT_S))),
            )
            if result.returncode == 0:
                break
            if attempt == 2 or "could not bind" not in self.log_tail():
                self._check("pg_ctl start", result)
        self._wait_until_ready(began + START_TIMEOUT_S)
        self.startup_seconds = time.monotonic() - began

    def _wait_until_ready(self, deadline: float) -> None:
        # pg_ctl -w already waited for "ready", but a TCP connection as our client makes is the real proof.
        while True:
            try:
                with self.admin_connection():
                    return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise PgStartError(
                        f"server not accepting connections: {error}\n{self.log_tail()}"
                    ) from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server without a checkpoint and delete its files; safe to call twice."""
        if self._tmp is None:
            return
        if self._running:
            self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "immediate", "-w")
            self._running = False
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp = None

    def admin_connection(self) -> psycopg.Connection[tuple[object, ...]]:
        """An autocommit connection to the `postgres` database (CREATE DATABASE refuses transactions)."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        )

    def create_database(self, name: str, *, template: str | None = None) -> None:
        """Create `name`, empty or as a copy of the database `template` (which nobody may be connected to)."""
        with self.admin_connection() as conn:
            if template is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            else:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(template)
                    )
                )

    def drop_database(self, name: str) -> None:
        # FORCE ends sessions a failed test left open, which would otherwise make the drop fail.
        with self.admin_connection() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL of `dbname` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"
