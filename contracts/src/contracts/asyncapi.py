"""Writes the AsyncAPI 3 document of every public event and request/reply subject (`make asyncapi`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .base import INTERNAL, all_events
from .envelope import STREAMS, Header, Reply, RequestHeader
from .services import SERVICES

CE_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": [Header.ID, Header.TYPE, Header.SOURCE, Header.SPECVERSION, Header.TIME, Header.SUBJECT, Header.SEQUENCE],
    "properties": {
        Header.ID: {"type": "string", "description": "Event id; equals Nats-Msg-Id"},
        Header.TYPE: {"type": "string", "description": "union.<context>.<aggregate>.<event>.v<N>"},
        Header.SOURCE: {"type": "string", "description": "/profset/<context>"},
        Header.SPECVERSION: {"type": "string", "const": "1.0"},
        Header.TIME: {"type": "string", "format": "date-time", "description": "Recording time"},
        Header.SUBJECT: {"type": "string", "description": "Opaque id of the aggregate"},
        Header.SEQUENCE: {"type": "string", "description": "Position in the context's ledger (decimal)"},
        Header.ORG_ID: {"type": "string", "description": "The org the event is about"},
        Header.CORRELATION_ID: {"type": "string"},
        Header.CAUSATION_ID: {"type": "string"},
        Header.MSG_ID: {"type": "string"},
        Header.TRACEPARENT: {
            "type": "string",
            "description": "W3C trace context (CloudEvents distributed-tracing extension): the trace of the command that "
            "recorded the event",
        },
    },
}

REQUEST_HEADERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        RequestHeader.ACTOR: {"type": "string", "description": "Signed actor token"},
        RequestHeader.COMMAND_ID: {"type": "string", "description": "Idempotency key of a command"},
        RequestHeader.CORRELATION_ID: {"type": "string"},
        RequestHeader.MIN_POSITIONS: {"type": "string", "description": 'JSON, e.g. {"registry": 812}'},
        RequestHeader.TRACEPARENT: {"type": "string", "description": "W3C trace context of the caller's span"},
    },
}


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(ref_template="#/components/schemas/{model}")


def _hoist(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    return schema


def document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document as a dict."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for ce_type, cls in sorted(all_events().items()):
        if cls.context in INTERNAL:
            continue
        key = ce_type.replace(".", "_")
        schemas[cls.__name__] = _hoist(_schema(cls), schemas)
        messages[key] = {
            "name": ce_type,
            "title": cls.__name__,
            "summary": (cls.__doc__ or "").strip(),
            "contentType": "application/json",
            "headers": CE_HEADERS,
            "payload": {"$ref": f"#/components/schemas/{cls.__name__}"},
        }
        channels[key] = {
            "address": cls.nats_subject(),
            "description": f"Stream {STREAMS[cls.context]}",
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        }
        operations[f"publish_{key}"] = {"action": "send", "channel": {"$ref": f"#/channels/{key}"}}
    schemas["Reply"] = _hoist(_schema(Reply), schemas)
    messages["Reply"] = {"name": "Reply", "contentType": "application/json", "payload": {"$ref": "#/components/schemas/Reply"}}
    for service, verbs in sorted(SERVICES.items()):
        for verb, payload in sorted(verbs.items()):
            key = f"svc_{service}_{verb}"
            schemas[payload.__name__] = _hoist(_schema(payload), schemas)
            messages[key] = {
                "name": payload.__name__,
                "summary": (payload.__doc__ or "").strip(),
                "contentType": "application/json",
                "headers": REQUEST_HEADERS,
                "payload": {"$ref": f"#/components/schemas/{payload.__name__}"},
            }
            channels[key] = {"address": f"svc.{service}.{verb}", "messages": {key: {"$ref": f"#/components/messages/{key}"}}}
            operations[key] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{key}"},
                "reply": {"messages": [{"$ref": "#/components/messages/Reply"}]},
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Profset",
            "version": "1.0.0",
            "description": "Events of a trade union's information work (CloudEvents 1.0 over NATS JetStream) and "
            "the request/reply subjects of its services.",
        },
        "defaultContentType": "application/json",
        "servers": {"nats": {"host": "localhost:4222", "protocol": "nats"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def snapshots() -> dict[str, dict[str, Any]]:
    """The JSON schema of every contract, by file name, for the snapshot test."""
    models: dict[str, type[BaseModel]] = {t: c for t, c in all_events().items()}
    for service, verbs in SERVICES.items():
        models.update({f"svc.{service}.{verb}": p for verb, p in verbs.items()})
    return {f"{name}.json": model.model_json_schema() for name, model in sorted(models.items())}


def write_snapshots(folder: Path) -> None:
    """Rewrites the committed snapshots after an intended change."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    for name, schema in snapshots().items():
        (folder / name).write_text(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def main() -> None:
    """`python -m contracts.asyncapi OUT.json` or `--snapshots DIR`."""
    if len(sys.argv) == 3 and sys.argv[1] == "--snapshots":
        write_snapshots(Path(sys.argv[2]))
        return
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("asyncapi.json")
    out.write_text(json.dumps(document(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
