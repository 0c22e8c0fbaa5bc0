"""`profset import` as the operator runs it, killed mid-way: the helpers of the import's kill tests."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from kit.db import make_engine

from .stack import Stack


def importing(stack: Stack, folder: Path) -> subprocess.Popen[bytes]:
    """`profset import` as the operator runs it: a process of its own, which a SIGKILL stops wherever it is."""
    env = os.environ | {"DATABASE_URL": stack.database_url, **stack.keys.master_environment()}
    return subprocess.Popen(
        [sys.executable, "-m", "profset", "import", str(folder)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


async def counts(database_url: str, sql: str) -> dict[str, int]:
    """A query's (name, count) rows as a dict."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            return {str(k): int(v) for k, v in await conn.execute(text(sql))}
    finally:
        await engine.dispose()


async def imported(database_url: str, schema: str) -> dict[str, int]:
    """The rows a service's import has committed so far, by kind."""
    return await counts(database_url, f"SELECT kind, count(*) FROM {schema}.import_refs GROUP BY kind")


async def kill_when(stack: Stack, folder: Path, schema: str, ready: Callable[[dict[str, int]], bool]) -> dict[str, int]:
    """Starts an import and kills it with SIGKILL once `ready(the schema's rows by kind)`; the rows the killed run left
    (a commit on its way when the signal landed stands)."""
    child = importing(stack, folder)
    try:
        while child.poll() is None:
            if ready(await imported(stack.database_url, schema)):
                child.send_signal(signal.SIGKILL)
                child.wait()
                await asyncio.sleep(0.5)  # the server ends the dead client's transaction: committed or rolled back
                return await imported(stack.database_url, schema)
            await asyncio.sleep(0.02)
        raise AssertionError(f"the import ended ({child.returncode}) before it could be killed mid-way")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
