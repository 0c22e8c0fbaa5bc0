"""The Postgres ledger of one service: events, command replies, snapshots, relay and projector state."""

from .eventstore import Batch, Committed, EventStore, Fold, Recorded
from .tables import Ledger

__all__ = ["Batch", "Committed", "EventStore", "Fold", "Ledger", "Recorded"]
