"""Issue 32 without IO: a file comes off a draft only while it is a draft and only if the draft carries it; the
refusal names the field and the rule."""

from __future__ import annotations

from functools import reduce

import pytest
from exchange.domain.material import NOTHING, Material, decide_remove_attachment, evolve

from contracts.base import Event
from contracts.exchange import (
    AttachmentAdded,
    AttachmentRemoved,
    Content,
    MaterialCascaded,
    MaterialDrafted,
    MaterialRejected,
    MaterialSentUp,
    PublicationRequested,
)
from kit.errors import Refused

LEAFLET = Content(title="Собрание", body="12 марта в 17:00", kind="announcement", for_publication=True)


def added(attachment_id: str, filename: str) -> AttachmentAdded:
    return AttachmentAdded(
        material_id="m", org_id="p1", attachment_id=attachment_id, filename=filename, content_type="text/plain", size=3,
        sha256="0" * 64,
    )  # fmt: skip


def after(events: list[Event], m: Material = NOTHING) -> Material:
    return reduce(evolve, events, m)


def with_files() -> Material:
    return after(
        [MaterialDrafted(material_id="m", org_id="p1", content=LEAFLET), added("a1", "листовка.pdf"), added("a2", "фото.jpg")]
    )


def refusal(m: Material, attachment_id: str) -> tuple[str | None, str]:
    with pytest.raises(Refused) as refused:
        decide_remove_attachment(m, attachment_id, "staff.p1")
    detail = refused.value.details[0]
    return detail.field, detail.rule


def test_a_draft_lets_a_file_it_carries_go_and_keeps_the_others() -> None:
    m = with_files()
    assert m.attachments == (("a1", "листовка.pdf"), ("a2", "фото.jpg"))
    events = decide_remove_attachment(m, "a1", "staff.p1")
    assert events == [AttachmentRemoved(material_id="m", org_id="p1", attachment_id="a1", filename="листовка.pdf", by="staff.p1")]
    assert after(events, m).attachments == (("a2", "фото.jpg"),)


def test_a_file_removed_already_or_never_attached_is_refused_by_its_field() -> None:
    m = with_files()
    gone = after(decide_remove_attachment(m, "a1", "staff.p1"), m)
    assert refusal(gone, "a1") == ("attachment_id", "exists")
    assert refusal(m, "another") == ("attachment_id", "exists")


@pytest.mark.parametrize(
    "step",
    [
        MaterialSentUp(material_id="m", org_id="p1", on="2026-03-01", recipients={"t1": "parent"}, parties={}),
        MaterialCascaded(material_id="m", org_id="p1", cascade_id="c", on="2026-03-01"),
        PublicationRequested(material_id="m", org_id="p1", moderator_id="t1"),
    ],
    ids=["sent up", "cascaded", "submitted for publication"],
)
def test_once_no_longer_a_draft_its_files_stay(step: Event) -> None:
    m = after([step], with_files())
    assert refusal(m, "a1") == ("material_id", "draft")


def test_a_rejected_material_is_a_draft_again_and_lets_a_file_go() -> None:
    m = after(
        [
            PublicationRequested(material_id="m", org_id="p1", moderator_id="t1"),
            MaterialRejected(material_id="m", org_id="p1", moderator_id="t1", reason="Нет даты", decided_by="staff.t1"),
        ],
        with_files(),
    )
    assert [e.attachment_id for e in decide_remove_attachment(m, "a2", "staff.p1") if isinstance(e, AttachmentRemoved)] == ["a2"]


def test_no_material_no_file() -> None:
    assert refusal(NOTHING, "a1") == ("material_id", "exists")
