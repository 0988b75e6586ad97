"""Console rendering of neutral replies, and the console transport for scheduled deliveries."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app.core import Core
from bot.chat.reply import Button, FieldItem, Image, Reply, Section
from bot.chat.router import Router
from bot.delivery.outbox import Transport
from bot.platforms.console import ConsoleTransport, render_reply, run_console
from tests.addresses import as_channel

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def test_sections_fields_and_numbered_buttons_across_sections() -> None:
    reply = Reply(
        text="提案 #12",
        sections=[
            Section(text="**提案 #12** 紙の申請をなくす", fields=[FieldItem(label="**課**", value="市民課")]),
            Section(fields=[FieldItem(label="状態", value="検討中")], buttons=[Button(label="賛成", action_id="vote")]),
            Section(buttons=[Button(label="コメント", action_id="c"), Button(label="閉じる", action_id="x")]),
        ],
    )
    text, buttons = render_reply(reply, "ja")
    assert text == "提案 #12 紙の申請をなくす\n課: 市民課\n\n状態: 検討中\n[1] 賛成\n\n[2] コメント\n[3] 閉じる"
    assert [button.action_id for button in buttons] == ["vote", "c", "x"]


def test_summary_shown_when_sections_do_not_contain_it() -> None:
    text, buttons = render_reply(Reply(text="**保存しました**", sections=[Section(text="詳細です")]), "ja")
    assert text == "保存しました\n\n詳細です" and buttons == []
    assert render_reply(Reply(text="だけ"), "en")[0] == "だけ"


def test_image_is_named_and_saved_to_a_file(core: Core, tmp_path: Path) -> None:
    image = Image(title="人口の推移", alt_text="グラフ", filename="../population.png", data=PNG)
    assert (
        render_reply(Reply(text="グラフ", image=image), "ja")[0] == "グラフ\n\n[画像: 人口の推移 (../population.png)]"
    )

    router = Router()
    router.command("chart", lambda core, request: Reply(text="グラフです", image=image), listed=False)
    out = io.StringIO()
    run_console(core, router, "U_STAFF", False, stdin=io.StringIO("/chart\n/chart\n"), stdout=out)
    paths = [line.split("(", 1)[1].rstrip(")]") for line in out.getvalue().splitlines() if line.startswith("[画像: ")]
    assert len(paths) == 2 and paths[0] != paths[1]
    for path in map(Path, paths):
        assert path.read_bytes() == PNG and path.name.endswith("-population.png")
        assert path.parent.name.startswith("kiun-console-")
    for path in map(Path, paths):
        path.unlink()
    Path(paths[0]).parent.rmdir()


def test_errors_in_a_final_reply_are_listed() -> None:
    text, _ = render_reply(Reply(text="確認してください", errors={"x": "**x** は必須です"}), "ja")
    assert text == "確認してください\n\nx は必須です"


def test_console_transport_prints_deliveries() -> None:
    out = io.StringIO()
    transport: Transport = ConsoleTransport(out, lang="ja")
    first = transport.send(
        as_channel("C_LESSONS"), Reply(text="今週のDXミニレッスン", sections=[Section(text="**第1回** 紙を減らす")])
    )
    second = transport.send(as_channel("C_POLLS"), Reply(text="アンケート"))
    assert first != second
    assert (
        out.getvalue()
        == "[C_LESSONS への配信] 今週のDXミニレッスン\n\n第1回 紙を減らす\n[C_POLLS への配信] アンケート\n"
    )
    english = io.StringIO()
    ConsoleTransport(english, lang="en").send(as_channel("C1"), Reply(text="Lesson"))
    assert english.getvalue() == "[delivered to C1] Lesson\n"
