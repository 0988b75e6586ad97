"""``router.subcommand(word, handler)``: features add ``/kiun <word> …`` without editing the /kiun handler."""

from __future__ import annotations

from bot.chat.reply import Reply
from bot.chat.request import Request
from bot.chat.router import Router
from bot.features import build_router
from bot.features.admin import handlers as kiun_module
from tests.addresses import as_user


def command(router: Router, text: str) -> Reply:
    return router.dispatch(None, Request(as_user("U1"), kind="command", command="kiun", text=text))


def test_subcommands_get_the_rest_of_the_text() -> None:
    seen: list[str] = []
    router = Router()
    kiun_module.register(router)
    router.subcommand("lessons", lambda core, request: seen.append(request.text) or Reply(text="ok"))
    assert command(router, "lessons  a b").text == "ok"
    assert command(router, "lessons").text == "ok"
    assert seen == ["a b", ""]
    assert "`/kiun lessons`" in command(router, "lesons").text  # listed among the valid commands


def test_lesson_words_are_registered() -> None:
    router = build_router()
    assert {"lesson", "lessons", "review"} <= set(router.subcommands)
    assert {"lesson", "schedule"} <= set(router.admin_commands)
