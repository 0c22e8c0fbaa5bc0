"""Loading a library without the optional extras it pulls in whenever they are installed, for features we never use."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def hiding(*names: str) -> Iterator[None]:
    """While inside, `import <name>` fails as if the package were not installed (unless it is loaded already); after,
    it is found again, so a later importer (a test tool) still gets it."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # None in sys.modules makes the import raise ImportError
    try:
        yield
    finally:
        for name in hidden:
            sys.modules.pop(name, None)
