"""Every verb of every service, sent fuzzed payloads over request/reply: never a crash; a refusal names the field."""

from __future__ import annotations

import warnings
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import NonInteractiveExampleWarning

from contracts.services import SERVICES
from kit.rpc import RequestClient
from profset_testing import Stack
from profset_testing.faults import record

PER_VERB = 12
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40) | st.dates().map(str),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def payloads(model: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts over the model's own field names (and a stranger), with values of any JSON shape."""
    names = [*model.model_fields, "unexpected"]
    return st.dictionaries(st.sampled_from(names), values, max_size=len(names))


async def test_fuzzed_payloads_never_crash_a_service_and_refusals_name_the_field(stack: Stack, nc: Any) -> None:
    client = RequestClient(nc, timeout=20)
    tokens = {service: stack.keys.token(service=service) for service in SERVICES}
    tried = crashed = unnamed = 0
    problems = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        for service, verbs in SERVICES.items():
            for verb, model in verbs.items():
                for _ in range(PER_VERB):
                    body = payloads(model).example()
                    reply = await client.request(service, verb, body, token=tokens[service])
                    tried += 1
                    if reply.ok:
                        continue
                    assert reply.error is not None
                    if reply.error.code.value == "unavailable":
                        crashed += 1
                        problems.append((service, verb, body, reply.error.message))
                    elif reply.error.code.value == "invalid" and not any(d.field or d.rule for d in reply.error.details):
                        unnamed += 1
                        problems.append((service, verb, body, reply.error.message))
    record("fuzzed_payloads", verbs=sum(len(v) for v in SERVICES.values()), inputs_tried=tried, crashes=crashed, unnamed=unnamed)
    assert problems == [], "\n".join(map(str, problems[:20]))
