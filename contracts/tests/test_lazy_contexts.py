"""A process holds the contexts' contracts it imports, and still decodes any event (issue 35: memory)."""

import json
import subprocess
import sys

from contracts.kpi import MediaMentionReported

PROBE = """
import json, sys
import contracts
from contracts.base import decode_event
loaded = lambda: sorted(m for m in sys.modules if m.startswith("contracts.") and m.count(".") == 1)
before = loaded()
event = decode_event(sys.argv[1], json.loads(sys.argv[2]))
after = loaded()
try:
    decode_event("union.kpi.nothing.happened.v1", {})
    unknown = "decoded"
except KeyError:
    unknown = "refused"
every = len(contracts.EVENTS)
print(json.dumps({"before": before, "after": after, "type": type(event).__name__, "unknown": unknown, "every": every}))
"""


def test_a_process_loads_a_context_only_when_it_meets_one_of_its_events() -> None:
    mention = MediaMentionReported.model_validate(
        {
            "mention_id": "m-1",
            "org_id": "org-1",
            "on": "2026-03-02",
            "outlet": "Вечерний Северодвинск",
            "medium": "print",
            "tone": "positive",
            "cites_leader": True,
        }
    )
    data = mention.model_dump(mode="json")
    found = subprocess.run(
        [sys.executable, "-c", PROBE, mention.ce_type(), json.dumps(data)], capture_output=True, text=True, check=True
    )
    seen = json.loads(found.stdout)
    assert "contracts.kpi" not in seen["before"] and "contracts.appeals" not in seen["before"]
    assert seen["type"] == "MediaMentionReported" and "contracts.kpi" in seen["after"]
    assert seen["unknown"] == "refused"
    assert seen["every"] == len(contracts_events())


def contracts_events() -> dict[str, object]:
    """Every event class, as this (test) process knows them."""
    from contracts import EVENTS

    return dict(EVENTS)
