"""Commands about people: admission, transfer, leaving, erasure (D3, PD1), officers and their training (P9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from contracts.base import Event
from contracts.officers import AssignOfficer, OfficerTrained, RecordTraining, RelieveOfficer
from contracts.people import AdmitMember, ErasePerson, RecordLeaving, RegisterPerson, TransferMember
from kit.access import require
from kit.crypto import KeyRing
from kit.errors import conflict, invalid, not_found
from kit.ids import new_id
from kit.rpc import Context
from kit.store import Also, Batch, Committed, EventStore, Fold

from ..domain import people
from ..domain.org_facts import check_post_in_council
from ..domain.people import Person, Post
from ..domain.tree import Tree
from ..tables import officers
from .org_facts import COUNCIL_FOLD, council_stream
from .tree import TREE, TREE_FOLD, on_the_kept_tree, reach_today

PERSON_FOLD = Fold(people.NOBODY, people.evolve)


def person_stream(person_id: str) -> str:
    return f"person-{person_id}"


class PeopleHandlers:
    """Commands about people and officers."""

    def __init__(self, store: EventStore, keyring: KeyRing) -> None:
        self.store, self.keyring = store, keyring

    async def _person(self, person_id: str) -> tuple[Person, int]:
        person, version = await self.store.load(person_stream(person_id), PERSON_FOLD)
        if not person.person_id:
            raise not_found("person", field="person_id")
        return person, version

    async def admit_member(self, c: AdmitMember, ctx: Context) -> Committed:
        """Admits a new member to a primary org from `since` (default today)."""
        day, person_id = c.since or ctx.today, new_id()
        people.check_birth_date(c.birth_date, ctx.today)
        people.check_admission(c.birth_date, day)
        fields = {
            "full_name": c.full_name,
            "birth_date": c.birth_date.isoformat() if c.birth_date else None,
            "position": c.position,
        }
        data = {"id": person_id, "org_id": c.org_id, "since": day.isoformat()}

        async def attempt(t: Tree, tree_at: Batch) -> Committed:
            require(ctx.actor, "report_facts", reach_today(t, c.org_id, ctx.today))
            sealed, keep_key = self.keyring.sealed_anew(person_id, fields)
            events = people.decide_admit(t, person_id, c.org_id, sealed, day)
            return await self._record(person_id, events, 0, ctx, data, keep_key, tree_at)

        return await on_the_kept_tree(self.store, attempt)

    async def register_person(self, c: RegisterPerson, ctx: Context) -> Committed:
        """Records a person who is not a member (e.g. an editor) so other services can keep their contacts."""
        person_id = new_id()

        async def attempt(t: Tree, tree_at: Batch) -> Committed:
            require(ctx.actor, "report_facts", reach_today(t, c.org_id, ctx.today))
            sealed, keep_key = self.keyring.sealed_anew(person_id, {"full_name": c.full_name, "position": c.position})
            events = people.decide_register(t, person_id, c.org_id, sealed, ctx.today)
            return await self._record(person_id, events, 0, ctx, {"id": person_id, "org_id": c.org_id}, keep_key, tree_at)

        return await on_the_kept_tree(self.store, attempt)

    async def _record(
        self,
        person_id: str,
        events: list[Event],
        version: int,
        ctx: Context,
        data: dict[str, Any],
        key: Also | None,
        tree_at: Batch | None = None,
    ) -> Committed:
        """A person's events at `version`, with the key a new person's fields are sealed with, in one transaction;
        with `tree_at`, only if the tree still stands at the version they were decided on."""
        batch = Batch(person_stream(person_id), events, expected_version=version)
        return await self.store.append_batch([*([tree_at] if tree_at else []), batch], meta=ctx.meta, data=data, also=key)

    async def transfer_member(self, c: TransferMember, ctx: Context) -> Committed:
        """Moves a member's record to another primary org from `effective_on` (default today)."""
        day = c.effective_on or ctx.today

        def decide(t: Tree, person: Person) -> list[Event]:
            if t.get(c.org_id) is not None:  # the destination too must be inside the subtree today
                require(ctx.actor, "report_facts", reach_today(t, c.org_id, ctx.today))
            return people.decide_transfer(t, person, c.org_id, day)

        data = {"id": c.person_id, "org_id": c.org_id, "effective_on": day.isoformat()}
        return await self._edit(c.person_id, c.expected_version, ctx, decide, data)

    async def record_leaving(self, c: RecordLeaving, ctx: Context) -> Committed:
        """Records that a member left from `effective_on` (default today)."""
        day = c.effective_on or ctx.today
        data = {"id": c.person_id, "effective_on": day.isoformat()}
        return await self._edit(c.person_id, c.expected_version, ctx, lambda _, p: people.decide_leave(p, day, c.reason), data)

    async def _edit(
        self,
        person_id: str,
        expected_version: int | None,
        ctx: Context,
        decide: Callable[[Tree, Person], list[Event]],
        data: dict[str, Any],
    ) -> Committed:
        """Load, check access to the member's org today (whatever day the change is of), decide, append: only on the
        record at `expected_version` if the caller chose one (an `If-Match`: a stale one is `conflict`, never retried)."""
        person, version = await self._person(person_id)
        t, _ = await self.store.load(TREE, TREE_FOLD)
        require(ctx.actor, "report_facts", reach_today(t, person.home(ctx.today), ctx.today))
        stream = person_stream(person_id)
        if expected_version not in (None, version):
            raise conflict(f"{stream} is at version {version}, not {expected_version}")
        return await self.store.append(stream, decide(t, person), expected_version=version, meta=ctx.meta, data=data)

    async def erase_person(self, c: ErasePerson, ctx: Context) -> Committed:
        """Erases a person's data (PD1); the key goes in the same transaction as the event."""
        person, version = await self._person(c.person_id)
        t, _ = await self.store.load(TREE, TREE_FOLD)
        chain = reach_today(t, person.home(ctx.today), ctx.today)
        require(ctx.actor, "read_personal_data", chain)
        require(ctx.actor, "report_facts", chain)
        events = people.decide_erase(person, c.basis, ctx.actor.username, ctx.today)
        data = {"id": c.person_id, "erased_on": ctx.today.isoformat()}
        return await self.store.append(person_stream(c.person_id), events, expected_version=version, meta=ctx.meta, data=data)

    async def assign_officer(self, c: AssignOfficer, ctx: Context) -> Committed:
        """Puts a new or known person in a post of an org (or of its youth council) from `since`."""
        if (c.full_name is None) == (c.person_id is None):
            raise invalid("full_name", "give either full_name (a new person) or person_id (a known one)", rule="one_of")
        day, officer_id = c.since or ctx.today, new_id()
        person_id = c.person_id or new_id()
        t, _ = await self.store.load(TREE, TREE_FOLD)
        require(ctx.actor, "report_facts", reach_today(t, c.org_id, ctx.today))
        if c.council_id is not None:
            council, _ = await self.store.load(council_stream(c.council_id), COUNCIL_FOLD)
            check_post_in_council(council, c.org_id, day)
        post = Post(officer_id, c.org_id, c.council_id, c.role, day, c.released)
        trained = OfficerTrained(training_id=new_id(), officer_id=officer_id, person_id=person_id, org_id=c.org_id, on=day)
        trained_or_not = trained if c.trained else None
        person, version = (people.NOBODY, 0)
        if c.person_id is not None:
            person, version = await self._person(c.person_id)
            require(ctx.actor, "read_personal_data", reach_today(t, person.home(ctx.today), ctx.today))
        sealed, keep_key = None, None
        if c.full_name is not None:  # a new person (never with person_id)
            sealed, keep_key = self.keyring.sealed_anew(person_id, {"full_name": c.full_name, "position": c.position})
        events = people.decide_assign(t, person_id, person, post, sealed, trained_or_not, ctx.today)
        return await self._record(person_id, events, version, ctx, {"id": officer_id, "person_id": person_id}, keep_key)

    async def relieve_officer(self, c: RelieveOfficer, ctx: Context) -> Committed:
        """Ends a post from `until` (default today)."""
        day = c.until or ctx.today
        person, version, post = await self._officer(c.officer_id, ctx)
        events = people.decide_relieve(person, c.officer_id, day, c.reason)
        data = {"id": c.officer_id, "until": day.isoformat(), "org_id": post["org_id"]}
        return await self.store.append(
            person_stream(person.person_id), events, expected_version=version, meta=ctx.meta, data=data
        )

    async def record_training(self, c: RecordTraining, ctx: Context) -> Committed:
        """Records a course an officer completed (P9, K9)."""
        training_id = new_id()
        person, version, post = await self._officer(c.officer_id, ctx)
        training = OfficerTrained(
            training_id=training_id,
            officer_id=c.officer_id,
            person_id=person.person_id,
            org_id=post["org_id"],
            **c.model_dump(include={"course", "provider", "on", "hours"}),
        )
        events = people.decide_train(person, training, ctx.today)
        data = {"id": training_id, "officer_id": c.officer_id}
        return await self.store.append(
            person_stream(person.person_id), events, expected_version=version, meta=ctx.meta, data=data
        )

    async def _officer(self, officer_id: str, ctx: Context) -> tuple[Person, int, dict[str, Any]]:
        """The officer's post, person and record version, once the actor may report facts of the post's org today."""
        async with self.store.engine.connect() as conn:
            row = (await conn.execute(select(officers).where(officers.c.officer_id == officer_id))).mappings().first()
        if row is None:
            raise not_found("officer", field="officer_id")
        t, _ = await self.store.load(TREE, TREE_FOLD)
        require(ctx.actor, "report_facts", reach_today(t, row["org_id"], ctx.today))
        person, version = await self._person(row["person_id"])
        return person, version, dict(row)
