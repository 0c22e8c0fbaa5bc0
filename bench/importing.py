"""Issue 35: `profset import` of a generated union beside a raw COPY of the same rows into the same server.

`python -m bench.importing [--orgs N --members M]` runs it alone, on a PostgreSQL of its own (durable, as
`make run` starts it); `bench(orgs, members, folder)` gives the figures to a caller that has none running.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from kit.crypto import generate_master_key
from profset.servers import PostgresServer, free_port

from .env import big_union_files, database
from .report import Figure

COPIED = ("orgs", "headcounts", "members")
"""The files both sides load: every row the import reads."""


def import_rows(folder: Path, database_url: str) -> tuple[float, float, str]:
    """`profset import FOLDER` as an operator runs it, in a process of its own: seconds, its peak resident set in MB
    (from the kernel's accounting of the child, so nothing samples it) and what it printed."""
    env = os.environ | {
        "DATABASE_URL": database_url,
        "REGISTRY_MASTER_KEY": generate_master_key(),
        "CONTACTS_MASTER_KEY": generate_master_key(),
    }
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "profset", "import", str(folder)], env=env, stdout=subprocess.PIPE
    )
    assert child.stdout is not None
    out = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"profset import exited with {child.returncode}: {out}")
    return seconds, usage.ru_maxrss / 1024, out  # ru_maxrss is in KB on Linux


def copy_rows(folder: Path, database_url: str) -> float:
    """The baseline: the same CSV files COPYed as text into scratch tables of the same server, in one transaction;
    seconds."""
    started = time.perf_counter()
    with psycopg.connect(database_url) as conn:
        for kind in COPIED:
            path = folder / f"{kind}.csv"
            if not path.exists():
                continue
            columns = path.open(encoding="utf-8").readline().strip().split(",")
            conn.execute(f"DROP TABLE IF EXISTS scratch_{kind}")
            conn.execute(f"CREATE TABLE scratch_{kind} ({', '.join(f'{c} text' for c in columns)})")
            with conn.cursor().copy(f"COPY scratch_{kind} FROM STDIN (FORMAT csv, HEADER true)") as copy, path.open("rb") as f:
                while block := f.read(1 << 20):
                    copy.write(block)
    return time.perf_counter() - started


def bench(orgs: int, members: int, folder: Path, server_url: str) -> list[Figure]:
    """Generates the union, COPYs it, imports it; the figures `import.rate` (rows/s beside COPY's), `import.seconds`
    and `import.memory` (the importer's peak resident set)."""
    rows = big_union_files(folder / "union", orgs, members)
    total = sum(rows.values())
    url = database(server_url, "bench_import", roles=True)
    copied = copy_rows(folder / "union", url)
    print(f"# COPY of {total} rows: {copied:.1f} s", file=sys.stderr, flush=True)
    seconds, peak, out = import_rows(folder / "union", url)
    print(f"# import of {total} rows: {seconds:.1f} s, peak RSS {peak:.0f} MB\n{out}", file=sys.stderr, flush=True)
    return [
        Figure("import.rate", total / seconds, "rows/s", "raw COPY of the same rows", total / copied),
        Figure("import.seconds", seconds, "s"),
        Figure("import.memory", peak, "MB"),
    ]


def main(argv: list[str]) -> int:
    """Runs the import bench on a PostgreSQL of its own and prints its figures as JSON lines."""
    parser = argparse.ArgumentParser(prog="python -m bench.importing")
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and leave it (files, server) behind")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="profset-import-"))
    server = PostgresServer(folder / "pg", port=free_port())
    try:
        server.start()
        for figure in bench(args.orgs, args.members, folder, server.url):
            print(figure.line(), flush=True)
    finally:
        server.stop()
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
