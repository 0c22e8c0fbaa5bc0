"""schemathesis over the gateway's own OpenAPI, against the real stack: every operation, as an admin and as staff
of one territorial org, with valid and invalid input, at made-up ids and at real ones — never a 5xx, and every
refusal in DESIGN.md's error shape naming the field or the rule."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from profset_testing import Stack, serving
from profset_testing.api import union
from profset_testing.faults import record

EXAMPLES = 4
"""Examples per operation, mode and id source, each sent as every role; derandomised: every run sends the same."""
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
PASSWORD = "a-long-password"
DUMP = os.environ.get("SCHEMATHESIS_DUMP")


@pytest.fixture
async def site(stack: Stack) -> AsyncIterator[str]:
    """The stack's gateway on a real port of this machine, served from this event loop."""
    async with serving(stack.app) as url:
        yield url


async def _known_ids(stack: Stack, h: dict[str, str], primary: str) -> dict[str, str]:
    """Real ids of one of each thing under the primary org, to aim path parameters at."""

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = await stack.http.post(path, json=body, headers=h)
        assert reply.status_code in (200, 201, 202), (path, reply.text)
        return reply.json()  # type: ignore[no-any-return]

    person = (await post(f"/api/v1/orgs/{primary}/members", {"full_name": "Петрова Анна"}))["id"]
    officer = await post(f"/api/v1/orgs/{primary}/officers", {"full_name": "Сидоров Пётр", "role": "chair"})
    contact = await post(f"/api/v1/people/{person}/contact-points", {"kind": "work_email", "value": "anna@example.org"})
    channel = await post(f"/api/v1/orgs/{primary}/channels", {"kind": "website", "name": "Сайт"})
    material = await post("/api/v1/materials", {"org_id": primary, "title": "Новость", "body": "Текст", "kind": "news"})
    audit = await post(f"/api/v1/orgs/{primary}/audits", {"planned_on": "2026-06-01"})
    submission = await post(f"/api/v1/orgs/{primary}/contact-base/submissions", {})
    return {
        "org_id": primary,
        "person_id": person,
        "officer_id": officer["id"],
        "contact_id": contact["id"],
        "channel_id": channel["id"],
        "material_id": material["id"],
        "audit_id": audit["id"],
        "submission_id": submission["id"],
        "year": "2026",
        "period": "2026",
        "quarter": "2026-Q3",
        "indicator": "K2",
    }


def _fault(status: int, body: Any) -> str | None:
    """What is wrong with an answer, or None: a 5xx, or a 4xx that is not DESIGN.md's error naming a field or rule."""
    if status >= 500:
        return f"{status}"
    if status < 400:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not error.get("code") or not error.get("message"):
        return f"{status} without the error shape"
    details = error.get("details")
    if not isinstance(details, list) or not details:
        return f"{status} {error['code']} naming no field or rule"
    if not all(isinstance(d, dict) and (d.get("field") or d.get("rule")) and d.get("message") for d in details):
        return f"{status} {error['code']} with a detail naming no field or rule"
    return None


class _Run:
    """What one fuzzing run has seen: statuses and faults (operation, who, fault, answer)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.statuses: Counter[str] = Counter()
        self.faults: list[tuple[str, str, str, str]] = []

    def send(self, case: Any, role: str, headers: dict[str, str]) -> None:
        """Sends one case and notes what came back."""
        answer = case.call(base_url=self.base_url, session=self.session, headers=headers, timeout=30)
        try:
            body = answer.json()
        except ValueError:
            body = None
        self.statuses[str(answer.status_code)] += 1
        if DUMP:  # SCHEMATHESIS_DUMP=file: every answer, to see what the fuzzing reached
            mode = case.meta.generation.mode if case.meta else ""
            with open(DUMP, "a") as out:
                out.write(f"{case.operation.label}\t{role}\t{mode}\t{answer.status_code}\t{answer.text[:200]}\n")
        if fault := _fault(answer.status_code, body):
            self.faults.append((case.operation.label, role, fault, answer.text[:300]))

    def examples(self, operation: Any, mode: GenerationMode, aimed: dict[str, str], who: dict[str, dict[str, str]]) -> None:
        """EXAMPLES cases of one operation in one mode, each sent as every role (generated once: it is half the time)."""

        # every other header is fuzzed; min positions far ahead make a read wait out its bound, then 503 "retry" (§1)
        fixed = {"profset-min-positions": "{}"} if any(p.name == "profset-min-positions" for p in operation.headers) else None
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=aimed or None, headers=fixed)

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            for role, headers in who.items():
                self.send(case, role, headers)

        run()


ENDINGS = ("dissolution", "erasure", "leaving", "transfer", "relief", "closure", "merge", "PATCH /api/v1/orgs/")


def _ends(label: str) -> bool:
    """Whether an operation ends or moves what the real ids name: run those last, so the rest reach them alive."""
    return any(word in label for word in ENDINGS)


def _fuzz(schema: Any, base_url: str, who: dict[str, dict[str, str]], ids: dict[str, str]) -> _Run:
    """Every operation, as each role, in each mode, at made-up ids and (where it has them) at real ones."""
    seen = _Run(base_url)
    operations = sorted((r.ok() for r in schema.get_all_operations()), key=lambda op: _ends(op.label))
    for operation in operations:
        known = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
        for mode in MODES:
            for aimed in ({}, known) if known else ({},):
                seen.examples(operation, mode, aimed, who)
    return seen


async def test_every_operation_answers_without_a_5xx_and_every_refusal_names_the_field(stack: Stack, site: str) -> None:
    h, _, territorial, primary = await union(stack)
    ids = await _known_ids(stack, h, primary["id"])
    body = {"username": "staff.t", "password": PASSWORD, "role": "staff", "org_id": territorial["id"]}
    assert (await stack.http.post("/api/v1/users", json=body, headers=h)).status_code == 201
    who = {"admin": h, "staff": await stack.login("staff.t", PASSWORD)}
    spec = (await stack.http.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(spec)
    started = time.monotonic()
    seen = await asyncio.to_thread(_fuzz, schema, site, who, ids)
    statuses, faults = seen.statuses, seen.faults
    operations = sum(1 for _ in schema.get_all_operations())
    record(
        "schemathesis",
        operations=operations,
        requests=sum(statuses.values()),
        server_errors=sum(n for s, n in statuses.items() if s.startswith("5")),
        faults=len(faults),
        statuses=dict(sorted(statuses.items())),
        seconds=round(time.monotonic() - started, 1),
    )
    assert operations == len([op for path in spec["paths"].values() for op in path]), "every operation was run"
    assert faults == [], "\n".join(map(str, faults[:60])) + f"\n… {len(faults)} in all"
