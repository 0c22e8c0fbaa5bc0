"""Suite budgets: each suite's share of the run, printed at the end and kept in .data/suite-times.json."""

from __future__ import annotations

import json
from typing import Any

import pytest

BUDGET_SECONDS = {
    "tests/api": 360,
    "tests/faults": 420,
    "tests/security": 300,
    "tests/badinput": 300,
    "tests/ui": 600,
    "tests/stack": 240,
    "tests/rules": 360,
    "tests/cluster": 300,
}
"""What each costly suite may take on CI's 2 cores, summed over `make test`'s two workers (each test runs slower
beside the other worker); the whole run must stay within 30 minutes of wall time."""
_suite_seconds: dict[str, float] = {}


def _suite(nodeid: str) -> str:
    """`tests/faults`, `services/kit`, `contracts/tests` …: the first two parts of a test's path."""
    return "/".join(nodeid.split("::", maxsplit=1)[0].split("/")[:2])


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Adds every phase's time (setup, call, teardown) to its suite."""
    _suite_seconds[_suite(report.nodeid)] = _suite_seconds.get(_suite(report.nodeid), 0.0) + report.duration


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Prints each suite's time against its budget, and keeps them for docs/reliability.md."""
    if not _suite_seconds:
        return
    terminalreporter.section("suite times")
    for suite, seconds in sorted(_suite_seconds.items(), key=lambda kv: -kv[1]):
        budget = BUDGET_SECONDS.get(suite)
        over = " OVER BUDGET" if budget and seconds > budget else ""
        terminalreporter.write_line(f"{suite:<28} {seconds:7.1f} s" + (f"  (budget {budget} s){over}" if budget else ""))
    folder = terminalreporter.config.rootpath / ".data"
    folder.mkdir(exist_ok=True)
    (folder / "suite-times.json").write_text(json.dumps(_suite_seconds, indent=1, sort_keys=True))
