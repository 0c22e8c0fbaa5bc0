"""The registry service: the union's tree, memberships and people; entry point and wiring."""

from __future__ import annotations

from contracts import officers as o
from contracts import org_facts as f
from contracts import people as p
from contracts import registry as c
from kit.crypto import KeyRing
from kit.projection import Inline
from kit.readcache import ReadCache
from kit.rpc import VerbTable, verbs
from kit.service import Runtime, Service, Wiring
from kit.store import InlineProjection

from .config import RegistrySettings
from .handlers.org_facts import FactHandlers
from .handlers.people import PeopleHandlers
from .handlers.tree import Handlers
from .projections import org_facts as facts_projection
from .projections import tree as tree_projection
from .projections.people import PeopleProjection
from .queries.org_facts import FactQueries
from .queries.people import PeopleQueries
from .queries.tree import NameOrgs, Queries
from .tables import READ_MODELS, ledger, metadata


def wire(rt: Runtime) -> Wiring:
    """The registry's verbs and inline read models."""
    if rt.keyring is None:
        raise RuntimeError("the registry keeps personal data: set REGISTRY_MASTER_KEY")
    tree, queries = Handlers(rt.store), Queries(ReadCache(rt.store, "registry"))
    persons, person_queries = PeopleHandlers(rt.store, rt.keyring), PeopleQueries(rt.store, rt.keyring)
    facts, fact_queries = FactHandlers(rt.store), FactQueries(rt.store)
    commands: VerbTable = {
        "register_org": (c.RegisterOrg, tree.register_org),
        "change_org": (c.ChangeOrg, tree.change_org),
        "dissolve_org": (c.DissolveOrg, tree.dissolve_org),
        "report_headcount": (c.ReportHeadcount, tree.report_headcount),
        "admit_member": (p.AdmitMember, persons.admit_member),
        "register_person": (p.RegisterPerson, persons.register_person),
        "transfer_member": (p.TransferMember, persons.transfer_member),
        "record_leaving": (p.RecordLeaving, persons.record_leaving),
        "erase_person": (p.ErasePerson, persons.erase_person),
        "assign_officer": (o.AssignOfficer, persons.assign_officer),
        "relieve_officer": (o.RelieveOfficer, persons.relieve_officer),
        "record_training": (o.RecordTraining, persons.record_training),
        "form_youth_council": (o.FormYouthCouncil, facts.form_youth_council),
        "disband_youth_council": (o.DisbandYouthCouncil, facts.disband_youth_council),
        "adopt_budget": (f.AdoptBudget, facts.adopt_budget),
        "record_clauses": (f.RecordClauses, facts.record_clauses),
    }
    reads: VerbTable = {
        "get_org": (c.GetOrg, queries.get_org),
        "list_orgs": (c.ListOrgs, queries.list_orgs),
        "name_orgs": (NameOrgs, queries.name_orgs),
        "list_children": (c.ListChildren, queries.list_children),
        "get_subtree": (c.GetSubtree, queries.get_subtree),
        "get_member": (p.GetMember, person_queries.get_member),
        "list_members": (p.ListMembers, person_queries.list_members),
        "list_officers": (o.ListOfficers, person_queries.list_officers),
        "get_officer": (o.GetOfficer, person_queries.get_officer),
        "list_youth_councils": (o.ListYouthCouncils, fact_queries.list_youth_councils),
        "get_budget": (f.GetBudget, fact_queries.get_budget),
        "list_budgets": (f.ListBudgets, fact_queries.list_budgets),
        "get_clauses": (f.GetClauses, fact_queries.get_clauses),
        "list_headcounts": (f.ListHeadcounts, fact_queries.list_headcounts),
    }
    return Wiring(verbs=verbs(commands, reads), inline=inline_projections(rt.keyring), read_models=READ_MODELS)


def inline_projections(keyring: KeyRing) -> list[InlineProjection]:
    """The registry's read models, updated in each append's transaction."""
    people = PeopleProjection(keyring)
    return [
        Inline(tree_projection.apply, reads=False),
        Inline(people.apply, reads=people.reads_keys),
        Inline(facts_projection.apply, reads=False),
    ]


def create_service(settings: RegistrySettings | None = None) -> Service:
    """The registry, ready to start."""
    return Service(settings or RegistrySettings(), metadata, ledger, wire)


def main() -> None:
    """`python -m registry`."""
    create_service().serve()
