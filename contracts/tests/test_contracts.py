"""The public contracts change only on purpose: snapshots, names, and upcasting."""

import json
import re
from datetime import date
from pathlib import Path

import pytest

from contracts import EVENTS, decode_event
from contracts.asyncapi import document, snapshots
from contracts.base import INTERNAL, UPCASTERS, Event, upcaster
from contracts.registry import HeadcountReported, OrgRegistered

SNAPSHOTS = Path(__file__).parent.parent / "schemas"


def test_every_contract_matches_its_committed_schema() -> None:
    committed = {p.name: json.loads(p.read_text()) for p in SNAPSHOTS.glob("*.json")}
    current = snapshots()
    assert sorted(committed) == sorted(current), "contracts added or removed: run `make schemas` if intended"
    for name, schema in current.items():
        assert committed[name] == schema, f"{name} changed: bump its version or run `make schemas` if additive"


IRREGULAR_PAST = {"left", "sent", "held", "made", "taken", "given", "read", "withdrawn", "set"}


def test_types_and_subjects_follow_the_naming_rules() -> None:
    for ce_type, cls in EVENTS.items():
        assert re.fullmatch(r"union\.[a-z_]+\.[a-z_]+\.[a-z_]+\.v\d+", ce_type)
        assert cls.nats_subject() == ".".join(ce_type.split(".")[1:4])
        past = cls.event_name.endswith("ed") or cls.event_name.split("_")[0] in IRREGULAR_PAST
        assert past, f"{ce_type} is not in the past tense"


def test_an_event_knows_its_aggregate_and_org() -> None:
    event = HeadcountReported(org_id="o1", members=553, as_of=date(2020, 1, 1))
    assert event.ce_subject == "o1" and event.ce_org_id == "o1"
    assert event.ce_type() == "union.registry.org.headcount_reported.v1"


def test_a_stored_older_version_is_upcast_on_read() -> None:
    class Widened(Event, context="registry", aggregate="test", name="widened", version=2):
        org_id: str
        size: int

    @upcaster("union.registry.test.widened", 1)
    def v1_to_v2(data: dict) -> dict:
        return {"org_id": data["org"], "size": data.get("size", 0)}

    try:
        event = decode_event("union.registry.test.widened.v1", {"org": "o1"})
        assert event == Widened(org_id="o1", size=0)
    finally:
        del EVENTS[Widened.ce_type()]
        del UPCASTERS[("union.registry.test.widened", 1)]


def test_unknown_fields_of_a_newer_producer_are_ignored() -> None:
    body = {"org_id": "o", "name": "n", "level": "primary", "parent_id": "p", "registered_on": "1995-01-01", "extra": 1}
    assert decode_event(OrgRegistered.ce_type(), body) == OrgRegistered.model_validate(body)


def test_the_asyncapi_document_lists_every_event_without_ids_in_addresses() -> None:
    doc = document()
    assert doc["asyncapi"] == "3.0.0"
    addresses = {c["address"] for c in doc["channels"].values()}
    published = {cls.nats_subject() for cls in EVENTS.values() if cls.context not in INTERNAL}
    assert published <= addresses and "gateway.user.created" not in addresses
    assert "svc.registry.register_org" in addresses
    assert all("{" not in a for a in addresses)


@pytest.mark.parametrize("name", ["OrgRegistered", "RegisterOrg"])
def test_fields_have_descriptions_for_the_document(name: str) -> None:
    schema = document()["components"]["schemas"][name]
    assert schema["description"]


def test_every_field_of_every_contract_is_described() -> None:
    from contracts.services import SERVICES

    models = [*EVENTS.values(), *(p for verbs in SERVICES.values() for p in verbs.values())]
    undescribed = [f"{m.__name__}.{name}" for m in models for name, field in m.model_fields.items() if not field.description]
    assert undescribed == []


def test_text_with_a_nul_character_is_refused_naming_the_field() -> None:
    from pydantic import ValidationError

    from contracts.contacts.commands import GetSubmission

    with pytest.raises(ValidationError) as refused:
        GetSubmission.model_validate({"submission_id": "\x00"})
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [(("submission_id",), "no_nul_character")]
    assert GetSubmission.model_validate({"submission_id": "s-1"}).submission_id == "s-1"
