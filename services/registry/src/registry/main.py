"""The registry service: the union's tree, memberships and people; entry point and wiring."""

from __future__ import annotations

from contracts import registry as c
from kit.rpc import Verb
from kit.service import Runtime, Service, Wiring

from .config import RegistrySettings
from .handlers import Handlers
from .projections import tree as tree_projection
from .queries import Queries
from .tables import ledger, metadata


def wire(rt: Runtime) -> Wiring:
    """The registry's verbs and inline read models."""
    handlers, queries = Handlers(rt.store), Queries(rt.engine)
    return Wiring(
        verbs={
            "register_org": Verb(c.RegisterOrg, handlers.register_org, command=True),
            "change_org": Verb(c.ChangeOrg, handlers.change_org, command=True),
            "dissolve_org": Verb(c.DissolveOrg, handlers.dissolve_org, command=True),
            "report_headcount": Verb(c.ReportHeadcount, handlers.report_headcount, command=True),
            "get_org": Verb(c.GetOrg, queries.get_org, command=False),
            "list_orgs": Verb(c.ListOrgs, queries.list_orgs, command=False),
            "list_children": Verb(c.ListChildren, queries.list_children, command=False),
            "get_subtree": Verb(c.GetSubtree, queries.get_subtree, command=False),
        },
        inline=[tree_projection.apply],
    )


def create_service(settings: RegistrySettings | None = None) -> Service:
    """The registry, ready to start."""
    return Service(settings or RegistrySettings(), metadata, ledger, wire)


def main() -> None:
    """`python -m registry`."""
    create_service().serve()
