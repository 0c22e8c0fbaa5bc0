"""Which channel a printed sheet points to, and which notice board a posted sheet refreshes (pure, no IO)."""

from __future__ import annotations

from datetime import date

import pytest
from contacts.domain.channels import Resource
from contacts.domain.sheets import Running, board_for, chosen_closed, decide_choice, decide_posting, link_of

from contracts.contacts import ChannelKind, ChannelRefreshed, SheetChannelSelected, SheetPosted
from kit.errors import Refused

DAY = date(2026, 5, 12)
SITE = Running("site", "p", "website", "Сайт", "https://verf.example", date(2019, 1, 1))
CHAT = Running("chat", "p", "chat", "Чат", "https://t.me/verf", date(2024, 1, 1))
LIST = Running("list", "p", "mailing_list", "Рассылка", None, date(2018, 1, 1))
BOARD = Running("board", "p", "notice_board", "Стенд", None, date(2010, 1, 1))


def test_a_sheet_points_to_the_chosen_channel_else_a_chat_first_else_nothing() -> None:
    assert link_of(None, [SITE, CHAT, LIST, BOARD]) == CHAT
    assert link_of("site", [SITE, CHAT]) == SITE
    assert link_of("closed-since", [SITE]) == SITE, "a chosen channel no longer running falls back"
    assert link_of(None, [LIST, BOARD]) is None, "a list without a URL and a board give no QR code"


def test_a_sheet_falls_back_only_to_a_channel_for_members_or_the_public_and_says_when_the_chosen_one_closed() -> None:
    chairs = Running("chairs", "p", "chat", "Чат председателей", "https://t.me/chairs", date(2010, 1, 1), "chairs")
    activists = Running("activists", "p", "chat", "Актив", "https://t.me/active", date(2010, 1, 1), "activists")
    public = Running("public", "p", "social_page", "Страница", "https://vk.com/verf", date(2020, 1, 1), "public")
    assert link_of(None, [chairs, activists, public]) == public, "a private chat's link never goes on a members' board"
    assert link_of(None, [chairs, activists]) is None
    assert link_of("chairs", [chairs, public]) == chairs, "the org's own choice stands"
    assert chosen_closed("gone", [public]) and not chosen_closed("public", [public]) and not chosen_closed(None, [public])


def test_only_a_running_electronic_channel_with_a_url_can_be_chosen() -> None:
    assert decide_choice("p", "chat", [CHAT]) == [SheetChannelSelected(org_id="p", channel_id="chat")]
    assert decide_choice("p", None, []) == [SheetChannelSelected(org_id="p", channel_id=None)]
    for channel, running in (("board", [BOARD]), ("list", [LIST]), ("gone", [CHAT])):
        with pytest.raises(Refused) as refused:
            decide_choice("p", channel, running)
        assert refused.value.details[0].field == "channel_id"


def test_a_posted_sheet_refreshes_the_oldest_board_and_names_the_material() -> None:
    newer = Running("board-2", "p", "notice_board", "Стенд 2", None, date(2020, 1, 1))
    assert board_for([newer, BOARD, CHAT], None, DAY) == "board"
    assert board_for([newer, BOARD], "board-2", DAY) == "board-2"
    with pytest.raises(Refused, match="no notice board"):
        board_for([CHAT], None, DAY)
    resource = Resource("board", "p", date(2010, 1, 1), kind=ChannelKind.NOTICE_BOARD)
    assert decide_posting(resource, DAY, "m1", DAY) == [
        ChannelRefreshed(channel_id="board", org_id="p", at=DAY, material_id="m1"),
        SheetPosted(channel_id="board", org_id="p", at=DAY, material_id="m1"),
    ]
    with pytest.raises(Refused, match="after today"):
        decide_posting(resource, date(2026, 5, 13), "m1", DAY)
