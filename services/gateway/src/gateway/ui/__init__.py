"""The staff web UI: server-rendered pages in Russian (English on request) over the same service calls as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from .routes import (
    admin,
    appeals,
    attachments,
    audits,
    auth,
    boards,
    confirm,
    contacts,
    drill,
    exchange,
    kpi,
    members,
    moderation,
    orgs,
    password,
    plans,
    portal,
    resources,
    sheets,
    situations,
)


def install(app: FastAPI) -> None:
    """Adds the UI's pages under /ui, its static files, and `/` leading to it."""
    app.mount("/ui/static", StaticFiles(directory=Path(__file__).parent / "static"), name="ui-static")
    pages = [auth, password, orgs, boards, members, exchange, attachments, sheets, moderation, audits, plans, kpi]
    pages += [contacts, appeals, situations, admin, confirm, drill, resources]
    for module in pages:
        app.include_router(module.router)
    app.include_router(portal.router)  # the member portal, /my/
    app.include_router(auth.missing)  # last: any other /ui address is a page that says so

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        """The site's root is the UI."""
        return RedirectResponse("/ui/", status_code=303)
