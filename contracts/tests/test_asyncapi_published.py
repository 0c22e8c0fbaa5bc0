"""The published AsyncAPI 3 document (asyncapi.json, `make asyncapi`) is the one the contracts make today, and valid
against the AsyncAPI Initiative's own JSON Schema of the specification (vendored in contracts/asyncapi-schema)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema

from contracts.asyncapi import document

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "contracts/asyncapi-schema/3.0.0.json").read_text())
PUBLISHED = json.loads((ROOT / "asyncapi.json").read_text())


def errors(doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in jsonschema.Draft7Validator(SCHEMA).iter_errors(doc)]


def test_the_published_document_is_the_contracts_of_today() -> None:
    assert json.loads(json.dumps(document())) == PUBLISHED, "run `make asyncapi` after changing a contract"


def test_the_published_document_is_valid_asyncapi_3() -> None:
    assert PUBLISHED["asyncapi"] == "3.0.0" and len(PUBLISHED["channels"]) > 50
    assert errors(PUBLISHED) == []


def test_the_schema_check_can_fail() -> None:
    broken = copy.deepcopy(PUBLISHED)
    channel = next(iter(broken["channels"].values()))
    channel["address"] = 42
    broken["operations"]["not-an-operation"] = {"action": "publish-ish"}
    assert len(errors(broken)) >= 2
