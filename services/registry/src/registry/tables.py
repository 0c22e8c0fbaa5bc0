"""The registry's schema: its ledger and its read models, each row carrying its valid and recording time."""

from __future__ import annotations

from sqlalchemy import ARRAY, BigInteger, Boolean, Column, Date, DateTime, Index, Integer, MetaData, Numeric, Table, Text, func

from kit.store import Ledger

metadata = MetaData(schema="registry")
ledger = Ledger(metadata)

orgs = Table(
    "orgs",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("level", Text, nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("dissolved_on", Date),
    Column("dissolution_reason", Text),
    Column("dissolution_recorded_at", DateTime(timezone=True)),
)

org_names = Table(
    "org_names",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("effective_on", Date, nullable=False),
    Column("name", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("org_names_lookup", "org_id", "effective_on"),
)

org_parents = Table(
    "org_parents",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("effective_on", Date, nullable=False),
    Column("parent_id", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("org_parents_lookup", "org_id", "effective_on"),
)

headcounts = Table(
    "headcounts",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("members", Integer, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("headcounts_lookup", "org_id", "as_of"),
)

people = Table(
    "people",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("recorded_by", Text, nullable=False, comment="The org that recorded the person"),
    Column("full_name", Text, comment="Sealed with the person's key; null once erased"),
    Column("birth_date", Text, comment="Sealed with the person's key; null once erased"),
    Column("position", Text, comment="Sealed with the person's key; null once erased"),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True)),
    Column("erasure_basis", Text),
    Column("erasure_requested_by", Text),
)

person_search = Table(
    "person_search",
    metadata,
    Column("token", Text, primary_key=True, comment="Keyed digest of a name's word prefix (a blind index)"),
    Column("person_id", Text, primary_key=True),
    Index("person_search_by_person", "person_id"),
)

memberships = Table(
    "memberships",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("effective_on", Date, nullable=False),
    Column("org_id", Text, comment="Null: no longer a member from `effective_on`"),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("memberships_by_org", "org_id"),
    Index("memberships_lookup", "person_id", "effective_on"),
)

officers = Table(
    "officers",
    metadata,
    Column("officer_id", Text, primary_key=True),
    Column("person_id", Text, nullable=False, index=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("council_id", Text),
    Column("role", Text, nullable=False),
    Column("since", Date, nullable=False),
    Column("released", Boolean, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("until", Date),
    Column("relief_reason", Text),
    Column("relieved_recorded_at", DateTime(timezone=True)),
)

trainings = Table(
    "trainings",
    metadata,
    Column("training_id", Text, primary_key=True),
    Column("officer_id", Text, nullable=False, index=True),
    Column("person_id", Text, nullable=False),
    Column("org_id", Text, nullable=False, index=True),
    Column("course", Text),
    Column("provider", Text),
    Column("on", Date, nullable=False),
    Column("hours", Integer),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

youth_councils = Table(
    "youth_councils",
    metadata,
    Column("council_id", Text, primary_key=True),
    Column("org_id", Text, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("formed_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("disbanded_on", Date),
    Column("disbanding_reason", Text),
    Column("disbanded_recorded_at", DateTime(timezone=True)),
)

budgets = Table(
    "budgets",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("total", Numeric(17, 2), nullable=False),
    Column("information", Numeric(17, 2), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

agreement_clauses = Table(
    "agreement_clauses",
    metadata,
    Column("org_id", Text, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("effective_on", Date, nullable=False),
    Column("clauses", ARRAY(Integer), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

READ_MODELS: tuple[Table, ...] = (orgs, org_names, org_parents, headcounts, people, person_search, memberships)
READ_MODELS += (officers, trainings, youth_councils, budgets, agreement_clauses)
"""Every table the registry's events build; a rebuild empties these and replays the ledger."""

import_refs = Table(
    "import_refs",
    metadata,
    Column("kind", Text, primary_key=True, comment="orgs, headcounts, officers or members"),
    Column("ref", Text, primary_key=True, comment="The row's key in the source system"),
    Column("id", Text, nullable=False, comment="What it became here"),
    Column("digest", Text, comment="Digest of an org or headcount row as imported (people's rows keep none)"),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Which source rows an import already brought in, written with their events, so a re-run skips them."""
