"""The console as a person uses it: dialogs of (line typed, fragment expected in the answer), in order."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest

from bot.app.config import Settings
from bot.app.core import Core
from bot.chat.actions import Action
from bot.chat.reply import Form, Input, Option, Reply
from bot.chat.request import Request
from bot.chat.router import Router
from bot.features import build_router
from bot.platforms.console import run_console
from tests.conftest import make_settings

Dialog = Sequence[tuple[str | None, str]]


def transcript(core: Core, lines: Sequence[str], admin: bool = False, router: Router | None = None) -> str:
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    stdout = io.StringIO()
    assert run_console(core, router or build_router(), "U_STAFF", admin, stdin=stdin, stdout=stdout) == 0
    return stdout.getvalue()


def converse(core: Core, dialog: Dialog, admin: bool = False, router: Router | None = None) -> str:
    """Type each line (None types nothing) and expect each fragment after the previous one."""
    output = transcript(core, [line for line, _ in dialog if line is not None], admin, router)
    position = 0
    for line, fragment in dialog:
        found = output.find(fragment, position)
        assert found >= 0, f"after {line!r} expected {fragment!r} in:\n{output[position:]}"
        position = found + len(fragment)
    return output


def test_help_in_japanese_without_slack_markup(core: Core) -> None:
    output = converse(
        core,
        [
            (None, "kiun コンソールです（ユーザー: U_STAFF）"),
            ("/kiun help", "kiun（機運）の使い方"),
            (None, "• /idea 提案 — 業務改善のアイデアを提案します"),
        ],
    )
    assert "`" not in output and "*" not in output
    assert "管理コマンド" not in output
    assert output.count("kiun（機運）の使い方") == 1  # the summary is not repeated above its own section


def test_admin_sees_admin_help(core: Core) -> None:
    converse(core, [(None, "、管理者）"), ("/kiun", "管理コマンド（DX推進係）")], admin=True)


def test_configured_admin_is_admin_without_flag(core: Core) -> None:
    stdout = io.StringIO()
    run_console(core, build_router(), "U_ADMIN", False, stdin=io.StringIO("/kiun admin outbox\n"), stdout=stdout)
    assert "配信待ち 0件" in stdout.getvalue()


def test_unknown_commands_get_a_hint(core: Core) -> None:
    converse(
        core,
        [
            ("/kiun hlep", "「hlep」は分かりませんでした。使えるコマンド: /kiun help、/kiun admin"),
            ("/foo bar", "/foo というコマンドはありません。使えるコマンド: "),
            (None, "/kiun"),
            ("/", "/ というコマンドはありません。"),
        ],
    )


def test_full_width_slash_and_upper_case_command(core: Core) -> None:
    converse(core, [("／KIUN　help", "kiun（機運）の使い方"), ("/kiun\tadmin", "DX推進係（管理者）のみ")])


def test_message_then_numbered_button(core: Core) -> None:
    converse(
        core,
        [
            ("こんにちは", "メッセージありがとうございます。DXについての質問を書いていただければ"),
            (None, "[1] 使い方を見る"),
            ("1", "kiun（機運）の使い方"),
        ],
    )


def test_full_width_number_presses_the_button(core: Core) -> None:
    converse(core, [("hello", "[1] 使い方を見る"), ("１", "kiun（機運）の使い方")])


@pytest.mark.parametrize("number", ["0", "2", "99999999999999999999"])
def test_bad_numbers_are_explained(core: Core, number: str) -> None:
    converse(
        core,
        [("hello", "[1] 使い方を見る"), (number, f"{int(number)} 番のボタンはありません。"), ("1", "の使い方")],
    )


def test_number_before_any_button(core: Core) -> None:
    converse(core, [("1", "1 番のボタンはありません。")])


def test_buttons_belong_to_the_latest_reply(core: Core) -> None:
    """Help has no buttons, so after it the earlier [1] is gone."""
    converse(core, [("hello", "[1] 使い方を見る"), ("1", "の使い方"), ("1", "1 番のボタンはありません。")])


def test_blank_lines_and_stray_input_never_end_the_session(core: Core) -> None:
    output = transcript(core, ["", "   ", "\t", "x" * 10_000, "\x00\x1b[2J", "/kiun help"])
    assert "kiun（機運）の使い方" in output


def test_failing_handler_gives_polite_reply_and_session_goes_on(core: Core) -> None:
    router = build_router()

    def broken(core: Core, request: Request) -> Reply:
        raise RuntimeError("boom")

    router.command("broken", broken, listed=False)
    output = converse(
        core, [("/broken", "申し訳ありません。処理中に問題が発生しました。"), ("/kiun help", "の使い方")], router=router
    )
    assert "boom" not in output and "Traceback" not in output


def test_english_locale(database_url: str) -> None:
    settings: Settings = make_settings(database_url, KIUN_LOCALE="en")
    core = Core.create(settings)
    try:
        output = converse(core, [(None, "kiun console (user: U_STAFF)"), ("/kiun help", "How to use kiun")])
    finally:
        core.close()
    assert "使い方" not in output


# -- forms ------------------------------------------------------------------------------------------------------


class SampleIdea(Action):
    name = "test_idea"
    ref: str


class SampleForm(Action):
    name = "f"


class IdeaForm:
    """A tiny form feature for the tests: /form opens it; the handler rejects titles containing NG."""

    FORM = SampleIdea(ref="meta-1").form(
        title="**テスト提案**",
        submit_label="送信",
        intro="現場の改善案を教えてください。",
        inputs=[
            Input(name="title", label="タイトル", max_length=10),
            Input(
                name="kind",
                label="種類",
                kind="select",
                options=[Option(value="paper", label="紙の削減"), Option(value="time", label="時間の短縮")],
            ),
            Input(name="hours", label="削減時間", kind="number", hint="1か月あたりの時間です"),
            Input(name="public", label="公開する", kind="checkbox"),
            Input(name="detail", label="詳細", kind="multiline", optional=True),
            Input(name="team", label="課", initial="DX推進係"),
        ],
    )

    def __init__(self) -> None:
        self.submissions: list[Request] = []
        self.router = build_router()
        self.router.command("form", lambda core, request: Reply(text="フォーム", form=self.FORM), listed=False)
        self.router.form(SampleIdea, self.submit)
        self.actions: list[SampleIdea] = []

    def submit(self, core: Core, request: Request, action: SampleIdea) -> Reply:
        self.submissions.append(request)
        self.actions.append(action)
        if "NG" in request.values["title"]:
            return Reply(text="入力を確認してください", errors={"title": "NGは使えません。"})
        return Reply(text=f"受け付けました: {request.values['title']}")


def test_form_round_trip_with_local_and_handler_validation(core: Core) -> None:
    feature = IdeaForm()
    output = converse(
        core,
        [
            ("/form", "【テスト提案】（Ctrl-D で中止）"),
            (None, "現場の改善案を教えてください。"),
            (None, "タイトル: "),
            ("", "入力してください。"),  # required
            ("とても長いタイトルの提案です", "入力が長すぎます（14文字）。10文字以内にしてください。"),
            ("NG案", "[1] 紙の削減\n  [2] 時間の短縮"),
            ("3", "選択肢の中から選んでください。"),
            ("時間の短縮", "1か月あたりの時間です\n削減時間: "),
            ("たくさん", "数字で入力してください。"),
            ("１２", "公開する (y/n): "),
            ("maybe", "選択肢の中から選んでください。"),
            ("y", "（複数行を入力できます。空行で入力を終えます）\n詳細（任意）: "),
            ("一行目", ""),
            ("二行目", ""),
            ("", "課 [DX推進係]: "),
            ("", "タイトル: NGは使えません。\nタイトル: "),  # only the wrong field is asked again
            ("良い案", "受け付けました: 良い案"),
        ],
        router=feature.router,
    )
    after_error = output.split("NGは使えません。", 1)[1]
    assert "種類" not in after_error and "削減時間" not in after_error and "課" not in after_error
    assert [request.values["title"] for request in feature.submissions] == ["NG案", "良い案"]
    final = feature.submissions[-1]
    assert final.kind == "form" and final.callback_id == "test_idea" and feature.actions[-1] == SampleIdea(ref="meta-1")
    assert final.platform == "console" and final.user_id == "U_STAFF" and final.lang == "ja"
    assert final.values == {
        "title": "良い案",
        "kind": "time",
        "hours": "12",
        "public": "true",
        "detail": "一行目\n二行目",
        "team": "DX推進係",
    }


def test_optional_fields_may_stay_empty(core: Core) -> None:
    feature = IdeaForm()
    dialog = [("/form", "タイトル: "), ("案", ""), ("1", ""), ("2", ""), ("n", ""), ("", ""), ("", "受け付けました")]
    converse(core, dialog, router=feature.router)
    values = feature.submissions[0].values
    assert values["detail"] == "" and values["public"] == "" and values["kind"] == "paper"


def test_end_of_input_mid_form_cancels_it(core: Core) -> None:
    feature = IdeaForm()
    dialog = [("/form", "タイトル: "), ("案", "種類: "), (None, "入力を中止しました。")]
    output = converse(core, dialog, router=feature.router)
    assert feature.submissions == []
    assert output.rstrip().endswith("入力を中止しました。")


def test_error_for_a_field_the_form_does_not_have_is_shown_not_prompted(core: Core) -> None:
    router = build_router()
    form = SampleForm().form(title="T", submit_label="OK", inputs=[Input(name="a", label="A")])
    router.command("form", lambda core, request: Reply(text="", form=form), listed=False)
    failed = Reply(text="保存できませんでした。", errors={"other": "後でお試しください。"})
    router.form(SampleForm, lambda core, request, action: failed)
    output = converse(core, [("/form", "A: "), ("x", "保存できませんでした。\n\n後でお試しください。")], router=router)
    assert output.count("A: ") == 1


def test_unknown_form_callback_is_polite(core: Core) -> None:
    router = Router()
    form = Form(callback_id="gone", title="T", submit_label="OK", inputs=[Input(name="a", label="A")])
    router.command("form", lambda core, request: Reply(text="", form=form), listed=False)
    converse(core, [("/form", "A: "), ("x", "このボタンまたはフォームは古いか、もう使えません。")], router=router)
