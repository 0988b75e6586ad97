"""Block Kit rendering stays within Slack's limits; view submissions parse back; markup rendered as mrkdwn."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.chat.i18n import t
from bot.chat.markup import channel, literal, person
from bot.chat.reply import Button, FieldItem, Form, Input, Option, Reply, Section
from bot.platforms.slack.blocks import (
    errors_response,
    home_view,
    message,
    modal,
    reply_blocks,
    split_text,
    submitted_values,
)
from tests.fakes.slack_api import MAX_BLOCKS_MESSAGE, block_problems, view_problems


@given(st.text(alphabet=st.sampled_from("あa \n"), max_size=9000), st.integers(min_value=5, max_value=3000))
def test_split_text_keeps_every_character_within_the_limit(text, limit):
    chunks = split_text(text, limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)
    assert "".join("".join(chunk.split()) for chunk in chunks) == "".join(text.split())


def test_split_text_cuts_on_line_boundaries():
    lines = [f"{i:04d} " + "行" * 95 for i in range(100)]  # 100 lines of 100 characters
    chunks = split_text("\n".join(lines))
    assert len(chunks) == 4
    assert all(len(chunk) <= 3000 for chunk in chunks)
    assert [line for chunk in chunks for line in chunk.split("\n")] == lines


def test_long_text_becomes_several_valid_sections():
    reply = Reply(text="長文", sections=[Section(text="あ" * 10_000)])
    blocks = reply_blocks(reply)
    assert len(blocks) == 4 and not block_problems(blocks, MAX_BLOCKS_MESSAGE)
    assert "".join(block["text"]["text"] for block in blocks) == "あ" * 10_000


def test_too_many_sections_are_truncated_with_a_note():
    reply = Reply(text="多い", sections=[Section(text=f"項目 {i}") for i in range(200)])
    blocks = reply_blocks(reply)
    assert len(blocks) == 50 and not block_problems(blocks, MAX_BLOCKS_MESSAGE)
    assert blocks[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": t("slack.truncated")}]}
    assert blocks[-2]["text"]["text"] == "項目 48"
    view = home_view(reply)
    assert len(view["blocks"]) == 100 and not view_problems(view)
    assert len(reply_blocks(Reply(text="", sections=[Section(text="x")] * MAX_BLOCKS_MESSAGE))) == 50


def test_fields_and_buttons_are_split_and_labels_cut():
    buttons = [Button(label="とても長いボタン" * 10, action_id="vote", value=str(i)) for i in range(60)]
    fields = [FieldItem(label=f"項目{i}", value="値") for i in range(25)]
    blocks = reply_blocks(Reply(text="x", sections=[Section(text="一覧", fields=fields, buttons=buttons)]))
    assert not block_problems(blocks, MAX_BLOCKS_MESSAGE)
    assert [len(b.get("fields", [])) for b in blocks if b["type"] == "section"] == [10, 10, 5]
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [25, 25, 10]
    first = actions[0]["elements"]
    assert len(first[0]["text"]["text"]) == 75
    assert first[0]["action_id"] == "vote" and first[1]["action_id"] == "vote.1"  # unique, same prefix


def test_plain_reply_and_fallback_text():
    rendered = message(Reply(text="こんにちは"))
    assert rendered == {
        "text": "こんにちは",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "こんにちは"}}],
    }
    assert len(message(Reply(text="長" * 5000))["text"]) == 3000


def form(**overrides) -> Form:
    values = {
        "callback_id": "proposal",
        "title": "業務改善アイデアを提案するための少し長い入力フォームです",
        "submit_label": "この内容で提案を送信します（確認済み）",
        "metadata": "m" * 4000,
        "inputs": [
            Input(name="title", label="タイトル", max_length=80, placeholder="例: 紙の申請をなくす", initial="案"),
            Input(name="dept", label="部署", kind="select", options=[Option(value="d1", label="総務課")], initial="d1"),
            Input(name="agree", label="公開してよい", kind="checkbox", initial="true"),
            Input(name="hours", label="削減時間", kind="number", optional=True, hint="月あたり"),
        ],
    }
    return Form(**(values | overrides))


def test_modal_is_within_limits():
    view = modal(form())
    assert not view_problems(view)
    assert len(view["title"]["text"]) == 24 and view["title"]["text"].endswith("…")
    assert len(view["submit"]["text"]) <= 24 and view["close"]["text"] == t("slack.cancel")
    assert len(view["private_metadata"]) == 3000
    blocks = {block["block_id"]: block for block in view["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "案"
    assert blocks["title"]["element"]["max_length"] == 80
    assert blocks["dept"]["element"]["initial_option"]["value"] == "d1"
    assert blocks["agree"]["element"]["initial_options"][0]["text"]["text"] == "公開してよい"
    assert blocks["hours"]["optional"] is True and blocks["hours"]["hint"]["text"] == "月あたり"
    assert all(block["element"]["action_id"] == name for name, block in blocks.items())


def test_view_submission_values_parse_back():
    view = {
        "state": {
            "values": {
                "title": {"title": {"type": "plain_text_input", "value": "紙をなくす"}},
                "body": {"body": {"type": "plain_text_input", "value": None}},
                "dept": {"dept": {"type": "static_select", "selected_option": {"value": "d1"}}},
                "none": {"none": {"type": "static_select", "selected_option": None}},
                "tags": {"tags": {"type": "checkboxes", "selected_options": [{"value": "ai"}, {"value": "rpa"}]}},
                "hours": {"hours": {"type": "number_input", "value": "12"}},
            }
        }
    }
    assert submitted_values(view) == {
        "title": "紙をなくす",
        "body": "",
        "dept": "d1",
        "none": "",
        "tags": "ai,rpa",
        "hours": "12",
    }
    assert errors_response({"title": "入力してください。"}) == {
        "response_action": "errors",
        "errors": {"title": "入力してください。"},
    }


def test_markup_becomes_mrkdwn_in_every_text_and_plain_text_in_errors_and_hints():
    typed = literal("<!channel> *速報*")
    reply = Reply(
        text=f"**{typed}**",
        sections=[Section(text=f"{person('U1')}: {typed}", fields=[FieldItem(label="**課**", value=channel("C1"))])],
    )
    posted = message(reply)
    assert posted["text"] == "*&lt;!channel&gt; *速報**"
    assert posted["blocks"][0]["text"]["text"] == "<@U1>: &lt;!channel&gt; *速報*"
    assert posted["blocks"][0]["fields"] == [{"type": "mrkdwn", "text": "**課**\n<#C1>"}]
    form = Form(
        callback_id="f",
        title="題",
        submit_label="送信",
        intro=f"[手引き](https://x.jp) {typed}",
        inputs=[Input(name="a", label="件名", hint="`#12` の形で")],
    )
    view = modal(form)
    assert view["blocks"][0]["text"]["text"] == "<https://x.jp|手引き> &lt;!channel&gt; *速報*"
    assert view["blocks"][1]["hint"]["text"] == "#12 の形で"
    assert errors_response({"a": f"**{typed}** は長すぎます"})["errors"] == {"a": "<!channel> *速報* は長すぎます"}
