"""Inline projections: read models updated in the append's transaction, and how a projection tells the store that
its statements may go out in the append's pipeline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from .records import Recorded

P = TypeVar("P", bound=Callable[..., Any])
InlineProjection = Callable[[AsyncConnection, Sequence[Recorded]], Awaitable[None]]
"""Updates read models in the append's transaction; it may be given the events of several appends at once (a
group commit, a rebuild), in position order, and must not read the ledger, whose rows are written after it."""


def writes_only(project: P) -> P:
    """Marks an inline projection that only writes (never reads a result, not even a row count): the store may
    pipeline its statements with the append's own, saving a round trip per append."""
    project.writes_only = True  # type: ignore[attr-defined]
    return project


def writes_only_unless(reads_if: Callable[[Sequence[Recorded]], bool]) -> Callable[[P], P]:
    """Marks an inline projection that only writes, except for the events `reads_if` picks out."""

    def mark(project: P) -> P:
        project.reads_if = reads_if  # type: ignore[attr-defined]
        return writes_only(project)

    return mark


def deferrable(project: InlineProjection, recorded: Sequence[Recorded]) -> bool:
    """Whether a projection may go out in the pipeline for these events."""
    if not getattr(project, "writes_only", False):
        return False
    reads_if = getattr(project, "reads_if", None)
    return reads_if is None or not reads_if(recorded)
