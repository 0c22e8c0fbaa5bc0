"""The Postgres ledger of one service: events, command replies, snapshots, relay and projector state. Services
import the store from here only; the modules behind it are the kit's to rearrange."""

from ..projection import InlineProjection
from .eventstore import EventStore
from .inserts import Inserts, insert_many
from .plans import Also
from .rebuild import truncating
from .records import Batch, Committed, Fold, Meta, Recorded, VersionConflict, fingerprint
from .retries import retrying
from .tables import Ledger, create_ledger, drop_ledger

__all__ = [
    "Also",
    "Batch",
    "Committed",
    "EventStore",
    "Fold",
    "InlineProjection",
    "Inserts",
    "Ledger",
    "Meta",
    "Recorded",
    "VersionConflict",
    "create_ledger",
    "drop_ledger",
    "fingerprint",
    "insert_many",
    "retrying",
    "truncating",
]
