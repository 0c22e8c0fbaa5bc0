"""The local stack: servers, migrations and every service as a process, as `make run` starts them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .dbroles import as_role
from .integrators import load as load_integrators
from .natsauth import TALKS, generate_passwords
from .servers import NatsServer, PostgresServer, free_port
from .stackkeys import SEALING, own_environment, secrets, shared_environment
from .supervisor import Supervisor

SERVICES = tuple(name for name in TALKS if name != "gateway")
"""Services with a schema, a ledger and a process of their own, in start order (natsauth.TALKS)."""

MIGRATED = (*SERVICES, "gateway")

DEV_ADMIN_PASSWORD = "profset-admin"


def migrate_all(database_url: str, roles: bool = False) -> None:
    """Brings every schema up to its newest migration; with `roles`, gives each service its own role (dbroles)."""
    from kit.migrate import upgrade

    from .dbroles import grant_roles

    for package in MIGRATED:
        upgrade(package, database_url)
    if roles:
        grant_roles(database_url, MIGRATED)


def data_dir() -> Path:
    """Where a local stack keeps its servers' data, secrets and logs (`PROFSET_DATA`, default `.data/`)."""
    return Path(os.environ.get("PROFSET_DATA", ".data")).resolve()


def nats_passwords(folder: Path) -> dict[str, str]:
    """The local NATS users' passwords, generated on first start (mode 600); a user added since gets one too."""
    path = folder / "nats-users.json"
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    fresh = generate_passwords()
    passwords = {user: known.get(user) or fresh[user] for user in fresh}
    if passwords != known:
        path.write_text(json.dumps(passwords))
        path.chmod(0o600)
    return passwords


def operator_environment() -> dict[str, str]:
    """What an operator's command needs (DATABASE_URL, NATS_URL, the sealing services' master keys): the environment's, else the
    local stack's, so `profset import` and `profset rebuild` work beside `make run` with no setup."""
    folder, found = data_dir(), {}
    for name in ("servers.json", "secrets.json"):
        if (folder / name).exists():
            found.update(json.loads((folder / name).read_text()))
    wanted = ("DATABASE_URL", "NATS_URL", *(f"{name.upper()}_MASTER_KEY" for name in SEALING))
    return {k: os.environ.get(k) or found.get(k, "") for k in wanted if os.environ.get(k) or found.get(k)}


@dataclass
class Stack:
    """A running local stack: the servers it started and the service processes."""

    folder: Path
    gateway_port: int
    database_url: str = ""
    nats_url: str = ""
    nats: NatsServer | None = None
    postgres: PostgresServer | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    mail: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    supervisor: Supervisor = field(default_factory=Supervisor)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def start_servers(self) -> None:
        """Starts NATS and PostgreSQL under the data folder, unless NATS_URL / DATABASE_URL name servers to use."""
        self.nats_url = os.environ.get("NATS_URL", "")
        if not self.nats_url:
            port = int(os.environ.get("NATS_PORT", "0"))
            teams = tuple(load_integrators(self.folder / "integrators.json").values())  # `profset integrator add`
            self.nats = NatsServer(self.folder / "nats", port=port, passwords=nats_passwords(self.folder), integrators=teams)
            self.nats.start()
            self.nats_url = self.nats.url  # the operator's; each service is given its own user below
            nats = self.nats  # restarted on the same port and store: clients reconnect, streams are on disk
            self.supervisor.watch("nats", nats.start, lambda: _exit_of(nats.process), nats.data_dir / "nats.log")
        self.database_url = os.environ.get("DATABASE_URL", "")
        if not self.database_url:
            pg = self.postgres = PostgresServer(self.folder / "pg")
            self.database_url = pg.start()
            # a killed postmaster leaves its data consistent: a start replays the WAL, services' pools reconnect
            self.supervisor.watch("postgres", pg.start, lambda: None if pg.running() else "stopped", pg.data_dir / "log")

    def start_stream_keeper(self) -> None:
        """The operator's streams: made before any service binds to them, and kept by a process of the operator's (a
        service may not make a stream; one that finds its own missing asks this keeper)."""
        (self.folder / "logs").mkdir(exist_ok=True)
        env = {**os.environ, "NATS_URL": self.nats_url}
        command = [sys.executable, "-m", "profset", "streams"]
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=60)
        self.spawn("streamkeeper", [*command, "--keep"], env)

    def start_mail_sink(self) -> None:
        """Unless NOTIFICATIONS_SMTP_HOST names a mail server, letters go to a local one that keeps them in `mail/`."""
        if os.environ.get("NOTIFICATIONS_SMTP_HOST"):
            return
        port = free_port()
        (self.folder / "logs").mkdir(exist_ok=True)
        command = [sys.executable, "-m", "profset.mailsink", "--port", str(port), "--folder", str(self.folder / "mail")]
        self.spawn("mailsink", command, dict(os.environ))
        self.mail = {"NOTIFICATIONS_SMTP_HOST": "127.0.0.1", "NOTIFICATIONS_SMTP_PORT": str(port)}

    def environment(self, keys: dict[str, str]) -> dict[str, str]:
        """What every service process is told."""
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "NATS_URL": self.nats_url,
            **shared_environment(keys),
            "GATEWAY_PORT": str(self.gateway_port),
            "PROFSET_ADMIN_PASSWORD": os.environ.get("PROFSET_ADMIN_PASSWORD", DEV_ADMIN_PASSWORD),
            **self.mail,
        }

    def start_services(self, env: dict[str, str], keys: dict[str, str]) -> None:
        """Starts every service and then the gateway, each a process logging to `logs/<name>.log`."""
        logs = self.folder / "logs"
        logs.mkdir(exist_ok=True)
        for name in (*SERVICES, "gateway"):
            port = self.gateway_port if name == "gateway" else free_port()
            self.ports[name] = port
            child_env = {**env, **own_environment(name, keys), f"{name.upper()}_HTTP_PORT": str(port)}
            if self.postgres is not None:  # a server we started: the service connects as its own role
                child_env[f"{name.upper()}_DATABASE_URL"] = as_role(self.database_url, name)
            if self.nats is not None:  # a server we started: the service logs in as itself, held to its permissions
                login = self.nats.login(name)
                child_env["NATS_URL"] = login["nats_url"]
                child_env[f"{name.upper()}_NATS_USER"] = login["nats_user"]
                child_env[f"{name.upper()}_NATS_PASSWORD"] = login["nats_password"]
            self.spawn(name, [sys.executable, "-m", name], child_env)

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        """Starts a process logging to `logs/<name>.log`, which the supervisor restarts, the same way, if it exits."""
        log_path = self.folder / "logs" / f"{name}.log"

        def start() -> None:
            with open(log_path, "ab") as log:
                # a session of their own: Ctrl-C reaches the stack, which stops them in order
                self.processes[name] = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)

        start()
        self.supervisor.watch(name, start, lambda: _exit_of(self.processes[name]), log_path)

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Blocks until every service answers /readyz."""
        deadline = time.monotonic() + timeout
        pending = dict(self.ports)
        while pending:
            for name, port in list(pending.items()):
                self.check_alive()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                        del pending[name]
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready: {', '.join(pending)}; see {self.folder / 'logs'}")
            time.sleep(0.2)

    def check_alive(self) -> None:
        """Restarts what exited (supervisor); raises `CrashLoop` if a process keeps exiting right after it starts."""
        self.supervisor.tick()

    def stop(self) -> None:
        """Stops the services, then the servers this stack started."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.nats is not None:
            self.nats.stop()
        if self.postgres is not None:
            self.postgres.stop()


def up(background: bool = False) -> int:
    """`make run` (foreground, Ctrl-C stops it) and `make run-bg` (returns once the gateway answers)."""
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if background:
        return _up_in_background(folder)
    from .seed import banner, seed_if_empty

    stack = Stack(folder, gateway_port=int(os.environ.get("GATEWAY_PORT", "8000")))
    (folder / "stack.pid").write_text(str(os.getpid()))
    (folder / "stack.ready").unlink(missing_ok=True)
    stopping = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also when started from a shell that ignores it
    try:
        print("Starting NATS and PostgreSQL…", flush=True)
        stack.start_servers()
        print("Migrating…", flush=True)
        migrate_all(stack.database_url, roles=stack.postgres is not None)
        stack.start_stream_keeper()
        keys = secrets(folder)
        stack.start_mail_sink()
        env = stack.environment(keys)
        print("Starting services…", flush=True)
        stack.start_services(env, keys)
        stack.wait_ready()
        seeded = seed_if_empty(stack.url, env["PROFSET_ADMIN_PASSWORD"])
        text = banner(stack.url, env["PROFSET_ADMIN_PASSWORD"], seeded, folder)
        (folder / "ports.json").write_text(json.dumps(stack.ports))
        servers = folder / "servers.json"
        servers.write_text(json.dumps({"DATABASE_URL": stack.database_url, "NATS_URL": stack.nats_url}))
        servers.chmod(0o600)
        (folder / "stack.ready").write_text(text)
        print(text, flush=True)
        while True:
            stack.check_alive()
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0
    except Exception as e:  # noqa: BLE001 - shown to the operator, then everything is stopped
        print(f"The stack failed: {e}", file=sys.stderr, flush=True)
        return 1
    finally:
        stack.stop()
        (folder / "stack.pid").unlink(missing_ok=True)
        (folder / "stack.ready").unlink(missing_ok=True)


def _up_in_background(folder: Path) -> int:
    pidfile = folder / "stack.pid"
    if pidfile.exists() and _alive(int(pidfile.read_text())):
        print(f"A stack is already running (pid {pidfile.read_text()}); `make stop` stops it.")
        return 1
    (folder / "stack.ready").unlink(missing_ok=True)
    with open(folder / "stack.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "profset", "stack", "up"], stdout=log, stderr=log, start_new_session=True, env=os.environ
        )
    deadline = time.monotonic() + 180
    while not (folder / "stack.ready").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            print((folder / "stack.log").read_text(errors="replace")[-4000:], file=sys.stderr)
            return 1
        time.sleep(0.3)
    print((folder / "stack.ready").read_text())
    return 0


def down() -> int:
    """`make stop`: stops a stack started by `make run` or `make run-bg`, servers included."""
    folder = data_dir()
    pidfile = folder / "stack.pid"
    if pidfile.exists():
        pid = int(pidfile.read_text())
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 60
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        pidfile.unlink(missing_ok=True)
    # servers left behind by a stack that was killed
    PostgresServer(folder / "pg").stop()
    nats_pid = folder / "nats" / "nats.pid"
    if nats_pid.exists() and _alive(int(nats_pid.read_text())):
        os.kill(int(nats_pid.read_text()), signal.SIGTERM)
    print("Stopped.")
    return 0


def _exit_of(process: subprocess.Popen[bytes] | None) -> str | None:
    """Why a process is not running, or None while it runs."""
    if process is None or process.poll() is None:
        return None
    return f"exited with {process.returncode}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie child of ours counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return True
