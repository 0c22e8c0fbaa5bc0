"""The Postgres ledger of one service: events, command replies, snapshots, relay and projector state."""

from .eventstore import Committed, EventStore, Fold, Recorded
from .tables import Ledger

__all__ = ["Committed", "EventStore", "Fold", "Ledger", "Recorded"]
