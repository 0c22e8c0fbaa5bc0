"""Profset's test support, installed beside the packages for `make test` and never into an image.

This package is the pytest plugin the root pyproject.toml loads (`-p profset_testing`): its fixtures start real
servers (PostgreSQL once per run, a fresh database and NATS per test) and the whole stack, and its hooks keep the
suite budgets. Helpers the suites share live in its modules (`profset_testing.api`, `profset_testing.ui` …)."""

from __future__ import annotations

from .budgets import BUDGET_SECONDS, pytest_runtest_logreport, pytest_terminal_summary
from .keys import Keys, keys
from .natscluster import cluster_nc as cluster_nc  # the three-node NATS and its operator client (tests/cluster)
from .natscluster import nats_cluster as nats_cluster
from .pgpair import pg_pair as pg_pair  # the failover tests' primary and standby (tests/cluster)
from .servers import (
    ChatApi,
    asked_until_answered,
    chat,
    connect_as,
    database_url,
    make_streams,
    nats_server,
    nc,
    postgres,
    serving,
    smtp,
    stream_keeper,
)
from .stack import ADMIN_PASSWORD, RoundRobin, Stack, service_settings, stack, start_stack
from .traces import forms, holds, plaintext_in_tables, plaintext_on_streams, stream_messages
from .waiting import eventually, running

__all__ = [
    "ADMIN_PASSWORD",
    "BUDGET_SECONDS",
    "ChatApi",
    "Keys",
    "RoundRobin",
    "Stack",
    "asked_until_answered",
    "chat",
    "connect_as",
    "database_url",
    "eventually",
    "forms",
    "holds",
    "keys",
    "make_streams",
    "nats_server",
    "nc",
    "plaintext_in_tables",
    "plaintext_on_streams",
    "postgres",
    "pytest_runtest_logreport",
    "pytest_terminal_summary",
    "running",
    "service_settings",
    "serving",
    "smtp",
    "stack",
    "start_stack",
    "stream_keeper",
    "stream_messages",
]
