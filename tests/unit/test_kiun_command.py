"""/kiun through the router: help, unknown sub-commands, admin-only actions, closed days."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.reply import Reply
from bot.chat.request import Request
from bot.features import build_router
from bot.models import CalendarOverride
from bot.scheduling.calendar import BusinessCalendar
from tests.addresses import as_user

ROUTER = build_router()


def kiun(core: Core, text: str, admin: bool = False, lang: str = "ja") -> Reply:
    request = Request(
        as_user("U_ADMIN" if admin else "U_STAFF"), kind="command", command="kiun", text=text, is_admin=admin, lang=lang
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


COMMANDS_HELP = """**コマンド**
• `/kiun help` — この使い方を表示します
• `/idea 提案` — 業務改善のアイデアを提案します（本文なしで入力フォームが開きます）
• `/ideas` — 提案の一覧・検索です
• `/ask 質問` — 市の文書にもとづいてDXの質問に答えます
• `/kiun lesson` — 最新のDXミニレッスンとクイズを表示します
• `/kiun lessons` — あなたの学習の記録（見たレッスン・正答率・続けて回答した週）
• `/kiun review off` / `on` — 復習クイズのDMを停止・再開します
• `/kiun poll` — いま回答できるパルスアンケートを表示します（匿名です）
• `/kiun admin …` — DX推進係向けの管理メニューです"""


def test_help_is_generated_from_what_is_registered(core: Core) -> None:
    sections = [section.text for section in kiun(core, "help", admin=True).sections]
    assert sections[1] == COMMANDS_HELP  # as it was written by hand before
    admin_menu = sections[3].split("\n")
    assert admin_menu[0] == "**管理コマンド**（DX推進係）"
    words = [line.removeprefix("• `/kiun admin ").split()[0].rstrip("`") for line in admin_menu[1:]]
    assert list(dict.fromkeys(words)) == list(ROUTER.admin_commands)  # every admin word, in registration order
    assert admin_menu.count("• `/kiun admin closed list` — 管理者が設定した休業日・開庁日") == 1
    assert body(kiun(core, "admin", admin=True)) == f"{sections[3]}\n{sections[3]}"  # text and section


def test_help_follows_the_router_and_refuses_an_undescribed_command(core: Core) -> None:
    from bot.chat.router import Router
    from bot.features.admin import handlers as admin

    router = Router()
    admin.register(router)
    router.subcommand("poll", lambda core, request: Reply(text="poll"))
    router.command("hidden", lambda core, request: Reply(text=""), listed=False)
    request = Request(as_user("U_STAFF"), kind="command", command="kiun", text="help")
    commands = router.dispatch(core, request).sections[1].text.split("\n")
    assert [line.split(" — ")[0] for line in commands[1:]] == ["• `/kiun help`", "• `/kiun poll`", "• `/kiun admin …`"]
    for register in (router.command, router.subcommand, router.admin):
        with pytest.raises(ValueError, match="missing from messages.yml"):
            register("reboot", lambda core, request: Reply(text=""))


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
    calendar = BusinessCalendar.current(core)
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
    action = ROUTER.dispatch(core, Request(as_user("U1"), kind="action", action_id="nope"))
    assert "古いか" in action.text
    form = ROUTER.dispatch(core, Request(as_user("U1"), kind="form", callback_id="nope"))
    assert form.text == action.text == t("error.unknown_action")  # one message for both


def test_handler_failure_becomes_polite_reply(core: Core) -> None:
    from bot.chat.router import Router

    router = Router()

    def boom(_core: Core, _request: Request) -> Reply:
        raise RuntimeError("secret detail")

    router.command("boom", boom, listed=False)
    reply = router.dispatch(core, Request(as_user("U1"), kind="command", command="boom"))
    assert "問題が発生しました" in reply.text
    assert "secret detail" not in reply.text
