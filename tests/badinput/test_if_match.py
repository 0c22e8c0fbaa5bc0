"""A malformed `If-Match` is refused naming the header and the rule `if_match`, never ignored with the edit applied
(the tester's F2: `"garbage"`, `W/"1"` and `"-1"` let a member leave); a stale version still gets 409."""

from __future__ import annotations

import pytest

from gateway.api.preconditions import version_of
from gateway.errors import ApiError
from profset_testing import Stack
from profset_testing.api import admit, get, register, union

MALFORMED = ['"garbage"', 'W/"1"', '"-1"', "-1", '"1.5"', '"1", "2"', '"1', "1 2", "", '""', "9" * 30]


@pytest.mark.parametrize("header", MALFORMED)
def test_a_malformed_if_match_is_refused_naming_the_header(header: str) -> None:
    with pytest.raises(ApiError) as refused:
        version_of(header)
    assert [(d.field, d.rule) for d in refused.value.error.details] == [("If-Match", "if_match")]


@pytest.mark.parametrize(("header", "version"), [('"7"', 7), ("7", 7), (' "0" ', 0), ("*", None), (None, None)])
def test_a_version_as_the_etag_gives_it_is_read(header: str | None, version: int | None) -> None:
    assert version_of(header) == version


async def test_a_leaving_or_transfer_with_a_malformed_if_match_is_refused_and_the_member_stays(stack: Stack) -> None:
    h, _, t, p = await union(stack)
    p2 = await register(stack, h, name="ППО-2", level="primary", parent_id=t["id"], registered_on="1996-01-01")
    person = await admit(stack, h, p["id"], full_name="Кузнецова Мария", since="2010-01-01")
    edits = [("leaving", {"reason": "по собственному желанию"}), ("transfer", {"org_id": p2["id"]})]
    for header in ('"garbage"', 'W/"1"', '"-1"'):
        for edit, body in edits:
            answer = await stack.http.post(f"/api/v1/members/{person}/{edit}", json=body, headers={**h, "If-Match": header})
            assert answer.status_code == 422, (edit, header, answer.status_code, answer.text)
            details = answer.json()["error"]["details"]
            assert [(d["field"], d["rule"]) for d in details] == [("If-Match", "if_match")], answer.text
    record = await get(stack, h, f"/api/v1/members/{person}")
    assert (record["org_id"], record["member"], len(record["history"])) == (p["id"], True, 1), "neither left nor moved"
    for stale in ('"0"', '"99999"'):
        answer = await stack.http.post(f"/api/v1/members/{person}/leaving", json=edits[0][1], headers={**h, "If-Match": stale})
        assert answer.status_code == 409, (stale, answer.text)
    etag = (await stack.http.get(f"/api/v1/members/{person}", headers=h)).headers["ETag"]
    left = await stack.http.post(f"/api/v1/members/{person}/leaving", json=edits[0][1], headers={**h, "If-Match": etag})
    assert left.status_code == 200, left.text
