"""/kiun through the router: help, unknown sub-commands, admin-only actions, closed days."""

from __future__ import annotations

from datetime import date

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.reply import Reply
from bot.chat.request import Request
from bot.features import build_router
from bot.models import CalendarOverride

ROUTER = build_router()


def kiun(core: Core, text: str, admin: bool = False, lang: str = "ja") -> Reply:
    request = Request(
        "U_ADMIN" if admin else "U_STAFF", kind="command", command="kiun", text=text, is_admin=admin, lang=lang
    )
    return ROUTER.dispatch(core, request)


def body(reply: Reply) -> str:
    return "\n".join([reply.text, *(section.text for section in reply.sections)])


def test_help_in_japanese_lists_commands(core: Core) -> None:
    reply = kiun(core, "help")
    assert reply.ephemeral
    assert "使い方" in reply.text
    for command in ("/idea", "/ideas", "/ask", "/kiun help"):
        assert command in body(reply)
    assert "管理コマンド" not in body(reply)
    assert "管理コマンド" in body(kiun(core, "", admin=True))


def test_help_in_english(core: Core) -> None:
    assert kiun(core, "help", lang="en").text == "How to use kiun"


def test_unknown_subcommand_lists_valid_ones(core: Core) -> None:
    reply = kiun(core, "hlep me")
    assert "「hlep me」は分かりませんでした" in reply.text
    assert "/kiun help" in reply.text


def test_over_long_unknown_text_is_shortened(core: Core) -> None:
    assert "…" in kiun(core, "x" * 500).text
    assert len(kiun(core, "x" * 500).text) < 200


def test_admin_commands_refuse_staff_politely(core: Core) -> None:
    reply = kiun(core, "admin closed add 2026-12-28")
    assert "管理者" in reply.text
    with core.sessions() as session:
        assert session.get(CalendarOverride, date(2026, 12, 28)) is None


def test_admin_closed_days_round_trip(core: Core) -> None:
    assert "休業日にしました" in kiun(core, "admin closed add 2026-12-28 仕事納め", admin=True).text
    assert "開庁日として" in kiun(core, "admin closed open 2026-11-23", admin=True).text
    listing = body(kiun(core, "admin closed list", admin=True))
    assert "2026-12-28（月） 休業 仕事納め" in listing
    assert "2026-11-23（月） 開庁" in listing
    calendar = core.calendar()
    assert not calendar.is_business_day(date(2026, 12, 28))
    assert calendar.is_business_day(date(2026, 11, 23))  # 勤労感謝の日, opened by an admin
    assert "取り消しました" in kiun(core, "admin closed remove 2026-12-28", admin=True).text
    assert "設定がありません" in kiun(core, "admin closed remove 2026-12-28", admin=True).text


def test_admin_closed_bad_date(core: Core) -> None:
    assert "YYYY-MM-DD" in kiun(core, "admin closed add 12/28", admin=True).text
    assert "YYYY-MM-DD" in kiun(core, "admin closed add", admin=True).text


def test_unknown_admin_subcommand(core: Core) -> None:
    reply = kiun(core, "admin reboot", admin=True)
    assert "「admin reboot」は分かりませんでした" in reply.text


def test_unknown_button_and_form_are_answered(core: Core) -> None:
    action = ROUTER.dispatch(core, Request("U1", kind="action", action_id="nope"))
    assert "古いか" in action.text
    form = ROUTER.dispatch(core, Request("U1", kind="form", callback_id="nope"))
    assert form.text == action.text == t("error.unknown_action")  # one message for both


def test_handler_failure_becomes_polite_reply(core: Core) -> None:
    from bot.chat.router import Router

    router = Router()

    def boom(_core: Core, _request: Request) -> Reply:
        raise RuntimeError("secret detail")

    router.command("boom", boom)
    reply = router.dispatch(core, Request("U1", kind="command", command="boom"))
    assert "問題が発生しました" in reply.text
    assert "secret detail" not in reply.text
