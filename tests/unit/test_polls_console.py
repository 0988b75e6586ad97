"""Polls on the console: an admin starts a poll, answers it (buttons and the comment form) and sees results."""

from __future__ import annotations

import io

from bot.app.core import Core
from bot.features import build_router
from bot.platforms.console import run_console
from tests.conftest import make_settings


def converse(core: Core, lines: list[str], expected: list[str]) -> str:
    stdout = io.StringIO()
    stdin = io.StringIO("".join(f"{line}\n" for line in lines))
    run_console(core, build_router(), "U_ADMIN", True, stdin=stdin, stdout=stdout)
    output, position = stdout.getvalue(), 0
    for fragment in expected:
        found = output.find(fragment, position)
        assert found >= 0, f"expected {fragment!r} in:\n{output[position:]}"
        position = found + len(fragment)
    return output


def test_answer_a_named_poll_with_buttons_and_the_form_and_see_results(core: Core) -> None:
    output = converse(
        core,
        [
            "/kiun admin poll start training-signup",
            "/kiun poll",
            "2",  # Q1: 日程によっては参加したい
            "1",  # ほかの質問・回答の変更 → the poll again
            "4",  # Q2: 生成AI
            "1",
            "8",  # Q3: 書く・直す → the form
            "午後の回だと参加しやすいです",
            "",
            "/kiun admin poll close 1",
            "/kiun admin poll results 1",
        ],
        [
            "（#1）を開始しました",
            "記名式です。",
            "[8] 書く・直す",
            "回答を受け付けました（1/3問）",
            "回答済み 1/3問",
            "回答を受け付けました（2/3問）",
            "研修への要望があればどうぞ",
            "全3問の回答を受け付けました",
            "（#1）を締め切りました",
            "参加希望（第1回）の結果",
            "日程によっては参加したい 1件",
            "生成AI 1件",
            "• 午後の回だと参加しやすいです",
            "回答者（記名式）: @U_ADMIN",
        ],
    )
    assert "*" not in output


def test_anonymous_results_stay_hidden_with_one_answer_and_the_trial_key_is_announced(
    database_url: str, core: Core
) -> None:
    settings = make_settings(database_url, KIUN_SECRET_KEY="", KIUN_POLL_CHANNEL="")
    trial = Core.create(settings)
    try:
        converse(
            trial,
            ["/kiun admin poll start quick-pulse", "/kiun poll", "5", "/kiun admin poll close 1", "/kiun poll"],
            [
                "このコンソールでは試用の鍵",
                "（#1）を開始しました",
                "匿名です。",
                "全1問の回答を受け付けました",
                "ひとことパルス（第1回）の結果",
                "回答が1件で、5件に届いていません",
                "いま回答できるアンケートはありません。",
            ],
        )
    finally:
        trial.close()
