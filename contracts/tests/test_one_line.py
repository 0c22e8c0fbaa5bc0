"""Titles and names of commands are one line of printable text; stored events are read as they were written."""

import pytest
from pydantic import ValidationError

from contracts import decode_event
from contracts.exchange import DraftMaterial, MaterialDrafted, RegisterParty
from contracts.people import AdmitMember
from contracts.registry import ChangeOrg, RegisterOrg

BREAKING = ["\n", "\r", "\u2028", "\u2029", "\x85", "\x1b", "\t", "\x7f", "\x0b"]


@pytest.mark.parametrize("ch", BREAKING)
def test_a_title_or_a_name_with_a_control_character_is_refused_naming_the_field_and_the_rule(ch: str) -> None:
    for model, fields, name in (
        (DraftMaterial, {"org_id": "o", "body": "b", "kind": "news"}, "title"),
        (RegisterOrg, {"level": "central"}, "name"),
        (ChangeOrg, {"org_id": "o"}, "name"),
        (RegisterParty, {"kind": "media", "email": "m@example.org"}, "name"),
        (AdmitMember, {"org_id": "o"}, "full_name"),
    ):
        with pytest.raises(ValidationError) as refused:
            model.model_validate({**fields, name: f"Имя{ch}Фамилия"})
        assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [((name,), "one_line")]


def test_a_line_break_at_either_end_is_trimmed_and_other_text_is_taken() -> None:
    assert RegisterOrg(name="\n ППО «Верфь» 😀\n", level="central").name == "ППО «Верфь» 😀"  # type: ignore[arg-type]


def test_a_stored_event_with_a_control_character_in_its_title_is_still_read() -> None:
    content = {"title": "Старый\nзаголовок", "body": "b", "kind": "news"}
    event = decode_event(MaterialDrafted.ce_type(), {"material_id": "m", "org_id": "o", "content": content})
    assert isinstance(event, MaterialDrafted) and event.content.title == "Старый\nзаголовок"
