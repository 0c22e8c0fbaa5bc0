"""Issue 32 through the public API against real NATS and PostgreSQL: the author org's staff take a file off a draft
(`DELETE /materials/{id}/attachments/{attachment_id}`), and its bytes go with it; staff of another part of the union
are refused, as is a second removal and a removal once the material was sent."""

from __future__ import annotations

from typing import Any

from profset_testing import Stack
from profset_testing.api import NEWS, get, post, register, union

PASSWORD = "a long password"


async def user(stack: Stack, h: dict[str, str], username: str, org_id: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "role": "staff", "org_id": org_id}
    reply = await stack.http.post("/api/v1/users", json=body, headers=h)
    assert reply.status_code == 201, reply.text
    return await stack.login(username, PASSWORD)


async def attach(stack: Stack, h: dict[str, str], material: str, name: str, data: bytes) -> str:
    reply = await stack.http.post(
        f"/api/v1/materials/{material}/attachments", files={"file": (name, data, "text/plain")}, headers=h
    )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


def detail(reply: Any) -> tuple[str, str]:
    first = reply.json()["error"]["details"][0]
    return first["field"], first["rule"]


async def test_the_author_orgs_staff_remove_a_file_from_a_draft_and_no_one_else_does(stack: Stack) -> None:
    h, cc, _, p1 = await union(stack)
    t2 = await register(stack, h, name="Т2", level="territorial", parent_id=cc["id"], registered_on="1991-01-01")
    own, stranger = await user(stack, h, "staff.p1", p1["id"]), await user(stack, h, "staff.t2", t2["id"])
    draft = {**NEWS, "org_id": p1["id"], "newsworthy": True}  # sent up to its territorial org (X2) at the end
    material = str((await post(stack, own, "/api/v1/materials", draft))["id"])
    leaflet = await attach(stack, own, material, "листовка.txt", "Собрание в 17:00".encode())
    photo = await attach(stack, own, material, "фото.txt", b"photo")

    refused = await stack.http.delete(f"/api/v1/materials/{material}/attachments/{leaflet}", headers=stranger)
    assert refused.status_code == 403, refused.text
    assert len((await get(stack, own, f"/api/v1/materials/{material}"))["attachments"]) == 2, "refused: nothing removed"

    removed = await stack.http.delete(f"/api/v1/materials/{material}/attachments/{leaflet}", headers=own)
    assert removed.status_code == 200, removed.text
    assert removed.json()["id"] == leaflet
    kept = (await get(stack, own, f"/api/v1/materials/{material}"))["attachments"]
    assert [(f["id"], f["filename"]) for f in kept] == [(photo, "фото.txt")]
    gone = await stack.http.get(f"/api/v1/materials/{material}/attachments/{leaflet}", headers=own)
    assert gone.status_code == 404, "its bytes went with it"

    again = await stack.http.delete(f"/api/v1/materials/{material}/attachments/{leaflet}", headers=own)
    assert again.status_code == 422 and detail(again) == ("attachment_id", "exists"), again.text

    await post(stack, own, f"/api/v1/materials/{material}/send-up", {}, 202)
    sent = await stack.http.delete(f"/api/v1/materials/{material}/attachments/{photo}", headers=own)
    assert sent.status_code == 422 and detail(sent) == ("material_id", "draft"), sent.text
    still = await stack.http.get(f"/api/v1/materials/{material}/attachments/{photo}", headers=own)
    assert still.status_code == 200 and still.content == b"photo", "a sent material keeps its files"
