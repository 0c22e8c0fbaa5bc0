"""Sign-in attempts limited per username, so a password cannot be guessed by trying many."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class LoginLimiter:
    """At most `attempts` failed sign-ins per username within `window` seconds; then every sign-in is refused."""

    attempts: int = 5
    window: float = 300.0
    failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, username: str) -> deque[float]:
        kept = self.failures.setdefault(username.lower(), deque())
        horizon = time.monotonic() - self.window
        while kept and kept[0] < horizon:
            kept.popleft()
        return kept

    def blocked(self, username: str) -> bool:
        """Whether this username has used up its failed attempts for now."""
        return len(self._recent(username)) >= self.attempts

    def failed(self, username: str) -> None:
        """Counts one wrong password."""
        if len(self.failures) > 100_000:  # a flood of made-up usernames must not grow memory without end
            self.failures.clear()
        self._recent(username).append(time.monotonic())

    def succeeded(self, username: str) -> None:
        """A right password forgets the earlier failures."""
        self.failures.pop(username.lower(), None)
