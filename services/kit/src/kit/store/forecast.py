"""What the writer expects to find under the append lock, so that a group can be written in one round trip and the
expectation checked by the server in the same pipeline."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from .records import Batch


@dataclass(frozen=True)
class Checked:
    """What a group found under the lock: the command ids done, the streams' versions, positions and their time.
    Deciding the group's appends in order moves the versions and adds their command ids."""

    done: set[str]
    versions: dict[str, int]
    positions: list[int]
    at: datetime


@dataclass(frozen=True)
class Guess:
    """A group's checks as the writer expects them, and what the server must confirm: the versions its streams
    stand at (those at 0 left out) and the positions the sequence hands out next."""

    checked: Checked
    versions: dict[str, int]
    streams: list[str]


class Forecast:
    """The writer's memory of its own appends: the last position drawn, the last recording time and the versions of
    the streams it wrote. It holds while nobody else appends to the schema; the server checks it every time."""

    def __init__(self, size: int = 4096, rest_after_miss: int = 16) -> None:
        self.position: int | None = None
        self.at: datetime | None = None
        self._versions: OrderedDict[str, int] = OrderedDict()
        self._size, self._rest_after_miss = size, rest_after_miss
        self._resting = 0

    def guess(self, batches: Iterable[Batch]) -> Guess | None:
        """The checks a group of these batches should find, or None when the writer cannot tell (no position known
        yet, or another writer appended lately)."""
        if self._resting:
            self._resting -= 1
            return None
        if self.position is None:
            return None
        versions: dict[str, int] = {}
        n = 0
        for b in batches:
            n += len(b.events)
            if b.stream_id in versions:
                continue
            # a stream it never wrote is most likely new (a receipt's, say); if not, the server says so
            known = b.expected_version if b.expected_version is not None else self._versions.get(b.stream_id, 0)
            versions[b.stream_id] = known
        now = datetime.now(UTC)
        at = now if self.at is None or now > self.at else self.at
        positions = list(range(self.position + 1, self.position + n + 1))
        confirm = {s: v for s, v in versions.items() if v}
        return Guess(Checked(set(), dict(versions), positions, at), confirm, sorted(versions))

    def drew(self, checked: Checked) -> None:
        """Positions were drawn under the lock (whether or not they end up written) at this time."""
        if checked.positions:
            self.position = checked.positions[-1]
        elif self.position is None:
            return
        self.at = checked.at if self.at is None or checked.at > self.at else self.at

    def forget(self) -> None:
        """Positions were drawn, how many unknown (a guess failed): the next check tells where the sequence stands."""
        self.position = None

    def wrote(self, versions: dict[str, int]) -> None:
        """Streams a committed group left at these versions."""
        for stream_id, version in versions.items():
            self._versions[stream_id] = version
            self._versions.move_to_end(stream_id)
        while len(self._versions) > self._size:
            self._versions.popitem(last=False)

    def missed(self, guess: Guess, found: Checked) -> None:
        """A guess failed, and the checks then found this: if the streams stood as guessed, the positions did not
        (another writer appended; or an append failed), so guessing rests a while."""
        if {s: v for s, v in found.versions.items() if v} == guess.versions:
            self._resting = self._rest_after_miss
