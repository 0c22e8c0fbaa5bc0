"""The foreseen write, the event store's one shortcut: a group whose checks the writer can foresee goes out in one
round trip instead of two. It pays for appends made one after another; concurrent ones share a group commit anyway
(BENCHMARKS.md).

The writer remembers what its own groups left: the last position drawn, the last time recorded and the versions of the
streams it wrote. While nobody else appends to the schema, that is what the next group's checks would find, so the
group is decided on it and sent with a guard in front: a statement that fails the transaction unless the server finds
those versions and hands out those positions. Plain SQL has no statement that raises, so the guard divides by zero
when the forecast is wrong. A command id already used fails the insert of replies. Either way the transaction rolls
back, and the group is checked and written as any other (the guard's SQL is `Sql.guard`). `EventStore(foresee=False)`
turns the shortcut off."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..projection import Inline, InlineProjection
from .inserts import Rows
from .plans import Checked, Pending, Plan, plan_group


@dataclass(frozen=True)
class Foreseen:
    """A group decided on the forecast, the parameters its guard checks, and the streams' versions it stands on."""

    plan: Plan
    guard: dict[str, Any]
    versions: dict[str, int]


class Forecast:
    """The writer's memory of its own groups, and the groups it foresees from it."""

    def __init__(self, enabled: bool = True, size: int = 4096, rest_after_miss: int = 16) -> None:
        self.enabled = enabled
        self._position: int | None = None
        self._at: datetime | None = None
        self._versions: OrderedDict[str, int] = OrderedDict()
        self._size, self._rest_after_miss, self._resting = size, rest_after_miss, 0

    def foresee(self, group: Sequence[Pending], inline: Sequence[InlineProjection], context: str) -> Foreseen | None:
        """The group decided on the forecast, if the writer knows where the sequence stands, every append stands on it
        and nothing in the transaction reads (the `also`s and the read models only write); else None."""
        if not self.enabled:
            return None
        if self._resting:
            self._resting -= 1
            return None
        if self._position is None or any(p.also is not None and not isinstance(p.also, Rows) for p in group):
            return None
        versions: dict[str, int] = {}
        for b in (b for p in group for b in p.batches):
            # a stream it never wrote is most likely new (a receipt's, say); if not, the guard says so
            known = b.expected_version if b.expected_version is not None else self._versions.get(b.stream_id, 0)
            versions.setdefault(b.stream_id, known)
        n = sum(len(b.events) for p in group for b in p.batches)
        positions = list(range(self._position + 1, self._position + n + 1))
        now = datetime.now(UTC)
        plan = plan_group(group, Checked(frozenset(), versions, positions, max(now, self._at or now)), context)
        if not plan.everything or any(isinstance(o, Exception) for o in plan.outcomes):
            return None
        if not all(isinstance(project, Inline) and project.pipelined(plan.everything) for project in inline):
            return None
        confirm = {s: v for s, v in versions.items() if v}
        params = {"n": n, "positions": positions, "streams": sorted(versions), "versions": json.dumps(confirm)}
        return Foreseen(plan, params, confirm)

    def checked(self, found: Checked, missed: Foreseen | None) -> None:
        """The checks drew these positions (written or not) and found these versions; after a miss, if the streams
        stood as foreseen, the positions did not: another writer appends to the schema, so foreseeing rests a while."""
        if found.positions:
            self._position = found.positions[-1]
        self._at = found.at if self._at is None else max(self._at, found.at)
        self._learn(found.versions)
        if missed is not None and {s: v for s, v in found.versions.items() if v} == missed.versions:
            self._resting = self._rest_after_miss

    def wrote(self, plan: Plan) -> None:
        """A group was committed: where its streams stand now, and, if it was foreseen, the positions it drew."""
        if plan.everything and self._position is not None:
            self._position = max(self._position, plan.everything[-1].position)
            self._at = max(self._at or plan.everything[-1].recorded_at, plan.everything[-1].recorded_at)
        self._learn({r.stream_id: r.version for r in plan.everything})

    def forget(self) -> None:
        """Positions were drawn, how many unknown (a foreseen group missed; a group was written one by one)."""
        self._position = None

    def _learn(self, versions: Mapping[str, int]) -> None:
        for stream_id, version in versions.items():
            self._versions[stream_id] = version
            self._versions.move_to_end(stream_id)
        while len(self._versions) > self._size:
            self._versions.popitem(last=False)
