"""The kit's tables, created in each service's own schema beside its read models."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Sequence,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.engine import Connection


class Ledger:
    """The ledger tables of one schema, added to the service's own MetaData."""

    def __init__(self, metadata: MetaData) -> None:
        schema = metadata.schema
        self.metadata = metadata
        self.position_seq = Sequence("events_position_seq", metadata=metadata, schema=schema)
        self.events = Table(
            "events",
            metadata,
            Column("position", BigInteger, self.position_seq, primary_key=True, server_default=self.position_seq.next_value()),
            Column("event_id", UUID(as_uuid=False), nullable=False, unique=True),
            Column("stream_id", Text, nullable=False),
            Column("version", Integer, nullable=False),
            Column("type", Text, nullable=False, comment="CloudEvents type"),
            Column("subject", Text, nullable=False, comment="NATS subject"),
            Column("aggregate_id", Text, nullable=False, comment="CloudEvents subject"),
            Column("org_id", Text),
            Column("data", JSONB, nullable=False),
            Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
            Column("command_id", Text),
            Column("correlation_id", Text),
            Column("causation_id", Text),
            Column("actor", Text),
            UniqueConstraint("stream_id", "version", name="events_stream_version"),
        )
        self.commands = Table(
            "commands",
            metadata,
            Column("command_id", Text, primary_key=True),
            Column("fingerprint", Text, nullable=False),
            Column("reply", JSONB),
            Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        )
        self.snapshots = Table(
            "snapshots",
            metadata,
            Column("stream_id", Text, primary_key=True),
            Column("version", Integer, nullable=False),
            Column("state", JSONB, nullable=False),
            Column("taken_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        )
        self.relay = Table(
            "relay_state",
            metadata,
            Column("stream", Text, primary_key=True),
            Column("position", BigInteger, nullable=False, comment="Ledger position last published"),
            Column("stream_seq", BigInteger, nullable=False, comment="Its JetStream sequence"),
            Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        )
        self.checkpoints = Table(
            "checkpoints",
            metadata,
            Column("consumer", Text, primary_key=True),
            Column("source", Text, primary_key=True, comment="The context whose ledger positions these are"),
            Column("position", BigInteger, nullable=False, comment="Highest source position applied"),
            Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        )
        self.pending = Table(
            "pending",
            metadata,
            Column("consumer", Text, primary_key=True),
            Column("source", Text, primary_key=True),
            Column("position", BigInteger, primary_key=True),
            Column("aggregate_id", Text, nullable=False),
            Column("status", Text, nullable=False, comment="failing, dead or parked"),
            Column("attempts", Integer, nullable=False, server_default="0"),
            Column("error", Text),
            Column("headers", JSONB, nullable=False),
            Column("body", LargeBinary, nullable=False),
            Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
            Index(None, "consumer", "aggregate_id"),
        )
        self.person_keys = Table(
            "person_keys",
            metadata,
            Column("person_id", Text, primary_key=True),
            Column("wrapped_key", LargeBinary, comment="The person's AES key, wrapped by the master key; null once destroyed"),
            Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
            Column("destroyed_at", DateTime(timezone=True)),
        )


def create_ledger(bind: Connection, schema: str) -> None:
    """Creates the kit's tables (and the position sequence) in a schema: the first migration of every service."""
    Ledger(MetaData(schema=schema)).metadata.create_all(bind)


def drop_ledger(bind: Connection, schema: str) -> None:
    """Drops the kit's tables from a schema."""
    Ledger(MetaData(schema=schema)).metadata.drop_all(bind)
