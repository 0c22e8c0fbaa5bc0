"""Every figure is computed again from history: kpi's ledger re-applied and the other contexts' streams
replayed into emptied facts (real NATS and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from kpi.config import KpiSettings
from kpi.main import create_service as create_kpi
from kpi.offline import rebuild

from kit.rpc import RequestClient
from profset_testing import Keys, eventually, service_settings
from registry.config import RegistrySettings
from registry.main import create_service as create_registry


async def test_a_rebuild_replays_history_into_the_same_figures(database_url: str, nats_server: Any, keys: Keys, nc: Any) -> None:
    shared = service_settings(database_url, nats_server.url, keys)
    client, token = RequestClient(nc), keys.token(service="kpi")

    async def ask(service: str, verb: str, payload: dict[str, Any]) -> Any:
        reply = await client.request(service, verb, payload, token=keys.token(service=service), command_id=None)
        assert reply.ok, reply.error
        return reply.data

    async with create_registry(RegistrySettings(**shared | keys.sealing("registry"))).running():
        cc = await ask("registry", "register_org", {"name": "ЦК", "level": "central", "registered_on": "1990-01-01"})
        body = {"name": "ППО", "level": "primary", "parent_id": cc["id"], "registered_on": "1995-01-01"}
        p = await ask("registry", "register_org", body)
        await ask("registry", "adopt_budget", {"org_id": p["id"], "year": 2025, "total": "1000.00", "information": "70.00"})
        await ask("registry", "report_headcount", {"org_id": p["id"], "members": 80, "as_of": "2025-01-01"})
        query = {"org_id": cc["id"], "period": "2025"}

        async def figures() -> Any:
            reply = await client.request("kpi", "get_kpi", query, token=token)
            return reply.data if reply.ok and reply.data["indicators"]["K2"]["rollup"] == 0.07 else None

        async with create_kpi(KpiSettings(**shared)).running():
            await eventually(figures)
            await ask("kpi", "set_targets", {"org_id": p["id"], "period": "2025", "targets": {"K2": "0.06"}})
            before = await figures()
            busy = await rebuild(KpiSettings(**shared))
            assert busy.own_events == 1 and busy.reset == [], "a running projector's facts are left alone"
        done = await rebuild(KpiSettings(**shared))
        assert done.reset == ["kpi_registry", "kpi_contacts", "kpi_exchange", "kpi_appeals"] and done.busy == []
        async with create_kpi(KpiSettings(**shared)).running():
            assert await eventually(figures) == before
            reply = await client.request("kpi", "get_kpi", {"org_id": p["id"], "period": "2025"}, token=token)
            assert reply.data["indicators"]["K2"] | {"value": 0.07, "target": 0.06, "met": True} == reply.data["indicators"]["K2"]
