"""Queries about contact points and contact bases: values only for readers of personal data (§5), and a
personal address only while its owner's consent stands — the one place plaintext leaves this service."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contracts.contacts import (
    PERSONAL_KINDS,
    ContactKind,
    FindDuplicates,
    GetContactBase,
    GetSubmission,
    ListContactPoints,
    ListSubmissions,
    UsableAddresses,
    UsableAddressesOf,
)
from kit.access import permits, require
from kit.crypto import KeyRing, open_field
from kit.db import Direct
from kit.errors import forbidden, not_found
from kit.rpc import Context
from kit.tokens import Role

from ..tables import contact_points, ledger, posts, submission_entries, submissions
from .membership import org_today_of, orgs_today
from .mirror import KeptTrees, Orgs

# the addresses usable now (live, with a live key, and consented to if personal: T4) of some people, in one
# prepared statement on an autocommit connection, as senders ask for every few letters they send; the parameters are
# the people, the kinds asked for and the personal kinds
USABLE = f"""
SELECT cp.person_id, cp.contact_id, cp.kind, cp.value, k.wrapped_key
FROM "{contact_points.schema}".contact_points cp
JOIN "{ledger.person_keys.schema}".person_keys k ON k.person_id = cp.contact_id AND k.wrapped_key IS NOT NULL
WHERE cp.person_id = ANY(%s) AND cp.kind = ANY(%s) AND cp.value IS NOT NULL AND cp.erased_at IS NULL
  AND cp.merged_into IS NULL AND (cp.consent_since IS NOT NULL OR cp.kind <> ALL(%s))
ORDER BY cp.person_id, cp.recorded_at, cp.contact_id
"""
PERSONAL = sorted(k.value for k in PERSONAL_KINDS)


def usable(row: Any) -> bool:
    """Live, and consented to if personal (T4)."""
    live = row.erased_at is None and row.merged_into is None and row.value is not None
    return live and (ContactKind(row.kind) not in PERSONAL_KINDS or row.consent_since is not None)


class ContactQueries:
    """The query verbs about contact points and bases."""

    def __init__(self, engine: AsyncEngine, keyring: KeyRing, direct: Direct, trees: KeptTrees) -> None:
        # `direct`: the event store's autocommit connections, for the one read a sender makes per letter
        self.engine, self.keyring, self.direct, self.trees = engine, keyring, direct, trees

    async def _values(self, conn: AsyncConnection, rows: Iterable[Any], shown: bool) -> dict[str, str | None]:
        """Plaintext of the usable ones among `rows`, when the caller may see personal data at all."""
        wanted = [r for r in rows if shown and usable(r)]
        keys = await self.keyring.keys(conn, [r.contact_id for r in wanted])
        return {r.contact_id: open_field(keys.get(r.contact_id), r.contact_id, r.value) for r in wanted}

    async def _seen(self, conn: AsyncConnection, tree: Orgs, rows: Sequence[Any], ctx: Context) -> tuple[list[Any], set[str]]:
        """The rows whose owners' orgs today the caller may read, and the owners whose personal data it may read."""
        owners = await orgs_today(conn, [r.person_id for r in rows], ctx.today)
        readable = {p for p, org in owners.items() if tree.may(ctx.actor, "read_orgs", org)}
        personal = {p for p in readable if tree.may(ctx.actor, "read_personal_data", owners[p])}
        return [r for r in rows if r.person_id in readable], personal

    async def list_contact_points(self, q: ListContactPoints, ctx: Context) -> list[dict[str, Any]]:
        """A person's contact points with their consent state; values of usable ones."""
        async with self.engine.connect() as conn:
            tree = await self.trees.on(ctx.today, ctx.today)
            require(ctx.actor, "read_personal_data", tree.reach(await org_today_of(conn, q.person_id, ctx.today)))
            rows = (
                await conn.execute(
                    select(contact_points).where(contact_points.c.person_id == q.person_id).order_by(contact_points.c.recorded_at)
                )
            ).all()
            values = await self._values(conn, rows, True)
        return [_point(r, values.get(r.contact_id)) for r in rows]

    async def usable_addresses(self, q: UsableAddresses, ctx: Context) -> list[dict[str, Any]]:
        """The addresses a sender may use now; asked at the moment of sending, never kept."""
        found = await self._usable(ctx, [q.person_id], q.kinds)
        return [{k: a[k] for k in ("contact_id", "kind", "value")} for a in found]

    async def usable_addresses_of(self, q: UsableAddressesOf, ctx: Context) -> list[dict[str, Any]]:
        """The addresses a sender may use now for each of a few people, each naming its person."""
        return await self._usable(ctx, q.person_ids, q.kinds)

    async def _usable(self, ctx: Context, person_ids: list[str], kinds: list[ContactKind] | None) -> list[dict[str, Any]]:
        if ctx.actor.role not in (Role.SERVICE, Role.ADMIN):
            raise forbidden("usable addresses are given to sending services only")
        asked = [k.value for k in kinds] if kinds else [k.value for k in ContactKind]
        found = []
        for person_id, contact_id, kind, sealed, wrapped in await self.direct.fetch(USABLE, (person_ids, asked, PERSONAL)):
            if value := open_field(self.keyring.unwrap(contact_id, wrapped), contact_id, sealed):
                found.append({"person_id": person_id, "contact_id": contact_id, "kind": kind, "value": value})
        return found

    async def find_duplicates(self, q: FindDuplicates, ctx: Context) -> list[dict[str, Any]]:
        """Groups of live contact points holding the same normalised address, among people of the org's subtree today."""
        async with self.engine.connect() as conn:
            tree = await self.trees.on(ctx.today, ctx.today)
            tree.require(ctx.actor, "read_personal_data", q.org_id)
            cp = contact_points.c
            live = (cp.merged_into.is_(None), cp.erased_at.is_(None))
            twice = select(cp.digest).where(*live).group_by(cp.digest).having(func.count() > 1)
            rows = (
                await conn.execute(select(contact_points).where(*live, cp.digest.in_(twice)).order_by(cp.digest, cp.recorded_at))
            ).all()
            # a person belongs where their membership is today, so the scope is read off the timeline, not a column
            owners, under = await orgs_today(conn, [r.person_id for r in rows], ctx.today), set(tree.subtree(q.org_id))
            rows = [r for r in rows if owners.get(r.person_id) in under]
            values = await self._values(conn, rows, True)
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            groups.setdefault(r.digest, []).append(_point(r, values.get(r.contact_id)))
        return [{"contacts": group} for group in groups.values() if len(group) > 1]

    async def get_contact_base(self, q: GetContactBase, ctx: Context) -> list[dict[str, Any]]:
        """The org's post holders on `as_of` and their live contact points, as it stands now; each owner's addresses
        only to those who may see them where the owner belongs today (§5)."""
        day = q.as_of or ctx.today
        async with self.engine.connect() as conn:
            tree = await self.trees.on(day, ctx.today)
            tree.require(ctx.actor, "read_orgs", q.org_id)
            holders = select(posts.c.person_id).where(
                posts.c.org_id == q.org_id, posts.c.since <= day, (posts.c.until.is_(None)) | (posts.c.until > day)
            )
            cp = contact_points.c
            rows = (
                await conn.execute(
                    select(contact_points, posts.c.role)
                    .join(posts, posts.c.person_id == cp.person_id)
                    .where(
                        cp.person_id.in_(holders), posts.c.org_id == q.org_id, cp.merged_into.is_(None), cp.erased_at.is_(None)
                    )
                    .order_by(posts.c.role, cp.person_id, cp.kind)
                )
            ).all()
            rows, personal = await self._seen(conn, tree, rows, ctx)
            values = await self._values(conn, [r for r in rows if r.person_id in personal], True)
        return [{**_point(r, values.get(r.contact_id)), "role": r.role} for r in rows]

    async def list_submissions(self, q: ListSubmissions, ctx: Context) -> list[dict[str, Any]]:
        """An org's submissions, newest first."""
        async with self.engine.connect() as conn:
            (await self.trees.on(ctx.today, ctx.today)).require(ctx.actor, "read_orgs", q.org_id)
            s = submissions.c
            count = select(func.count()).where(submission_entries.c.submission_id == s.submission_id).scalar_subquery()
            rows = await conn.execute(
                select(submissions, count.label("entries")).where(s.org_id == q.org_id).order_by(s.at.desc())
            )
            return [_submission(r) for r in rows]

    async def get_submission(self, q: GetSubmission, ctx: Context) -> dict[str, Any]:
        """A frozen base: readable by the org and everyone above it, not by a sibling; consent honoured now."""
        async with self.engine.connect() as conn:
            head = (await conn.execute(select(submissions).where(submissions.c.submission_id == q.submission_id))).first()
            if head is None:
                raise not_found("submission", field="submission_id")
            tree = await self.trees.on(ctx.today, ctx.today)
            chain = tree.reach(head.org_id) or [head.org_id, *([head.parent_id] if head.parent_id else [])]
            if not permits(ctx.actor, "read_orgs", chain):
                raise forbidden("this contact base is for the org and the orgs above it")
            e = submission_entries.c
            rows = (
                await conn.execute(
                    select(e.role, e.org_id.label("post_org_id"), contact_points)
                    .join(contact_points, contact_points.c.contact_id == e.contact_id)
                    .where(e.submission_id == q.submission_id)
                    # the org's own posts first, then (T7) its primary orgs'
                    .order_by(e.org_id != head.org_id, e.org_id, e.role, e.person_id, e.kind, e.contact_id)
                )
            ).all()
            # frozen entries, but each address still follows its owner to where they belong today
            rows, personal = await self._seen(conn, tree, rows, ctx)
            values = await self._values(conn, [r for r in rows if r.person_id in personal], True)
        entries = [{**_point(r, values.get(r.contact_id)), "role": r.role, "org_id": r.post_org_id} for r in rows]
        return {**_submission(head, len(entries)), "entries": entries}


def _point(r: Any, value: str | None) -> dict[str, Any]:
    return {
        "id": r.contact_id,
        "person_id": r.person_id,
        "kind": r.kind,
        "value": value,
        "usable": usable(r),
        "consent_since": r.consent_since.isoformat() if r.consent_since else None,
        "consent_method": r.consent_method,
        "withdrawn_on": r.withdrawn_on.isoformat() if r.withdrawn_on else None,
        "merged_into": r.merged_into,
        "erased": r.erased_at is not None,
    }


def _submission(r: Any, entries: int | None = None) -> dict[str, Any]:
    return {
        "id": r.submission_id,
        "org_id": r.org_id,
        "parent_id": r.parent_id,
        "at": r.at.isoformat(),
        "recorded_at": r.recorded_at.isoformat(),
        "entries": r.entries if entries is None else entries,
    }
