"""Server-chosen ids: UUIDv7, never repeated, not even by a forked child."""

from __future__ import annotations

import os
import uuid

from kit import ids


def test_ids_are_unique_time_ordered_uuid7() -> None:
    made = [ids.new_id() for _ in range(5000)]
    assert len(set(made)) == len(made)
    parsed = [uuid.UUID(i) for i in made]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 and str(u) == i for u, i in zip(parsed, made, strict=True))
    stamps = [u.int >> 80 for u in parsed]
    assert stamps == sorted(stamps), "the millisecond prefix never goes back"


def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    ids.new_id()  # the parent holds random bytes for the ids to come
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write, "".join(ids.new_id() for _ in range(5)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read) as pipe:
        childs = pipe.read()
    tails = {childs[k + 19 : k + 36] for k in range(0, len(childs), 36)}  # the random part after the variant
    assert len(tails) == 5
    assert not tails & {ids.new_id()[19:] for _ in range(5)}
