"""A local mail server for `make run` and the tests: accepts every letter over real SMTP and keeps it,
as an `.eml` file in a folder (the local stack) or in memory (tests)."""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Sink:
    """An SMTP handler that keeps what it receives; `refuse` makes it answer a code for chosen recipients, and
    `refuse_letter` for a letter to them, once its text has come. With `defer_first` it refuses each recipient's first
    letter, once its text has come, for now, quoting the address as real servers do (the erasure scan needs such a
    reason); an envelope opened and dropped before its text (a sender's letter made ready) does not count."""

    folder: Path | None = None
    letters: list[Message] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    refuse_letter: dict[str, str] = field(default_factory=dict)
    port: int = 0
    defer_first: bool = False
    deferred: set[str] = field(default_factory=set)

    async def handle_RCPT(self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if refused := [self.refuse_letter[a] for a in envelope.rcpt_tos if a in self.refuse_letter]:
            return refused[0]
        if self.defer_first and (first := [a for a in envelope.rcpt_tos if a not in self.deferred]):
            self.deferred.update(first)
            return f"450 4.2.1 <{first[0]}>: mailbox busy, try again later"
        letter = message_from_bytes(envelope.content, policy=default)
        self.letters.append(letter)
        if self.folder is not None:
            name = (letter["Message-ID"] or str(len(self.letters))).strip("<>").replace("/", "_")
            (self.folder / f"{len(self.letters):06d}-{name}.eml").write_bytes(envelope.content)
        return "250 Message accepted"


def start(port: int, folder: Path | None = None, defer_first: bool = False) -> tuple[Controller, Sink]:
    """Starts a sink on 127.0.0.1:`port` in a thread of its own."""
    sink = Sink(folder, port=port, defer_first=defer_first)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, sink


def main() -> None:
    """`python -m profset.mailsink --port P --folder DIR`: runs until killed."""
    parser = argparse.ArgumentParser(description="Keep every letter sent to this SMTP server as an .eml file.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument(
        "--defer-first",
        action="store_true",
        default=os.environ.get("PROFSET_MAILSINK_DEFER_FIRST") == "1",
        help="refuse each recipient's first letter with 450 quoting the address (also PROFSET_MAILSINK_DEFER_FIRST=1)",
    )
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    controller, _ = start(args.port, args.folder, args.defer_first)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
