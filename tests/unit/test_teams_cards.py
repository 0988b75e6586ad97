"""Teams cards from the features' real replies: valid Adaptive Cards 1.5 (checked with the Teams SDK's models),
typed text that stays text under a CommonMark parser, mentions, dialogs with the core's Japanese errors, the size
fallback, and buttons and forms that come back to the router as the same typed actions."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from microsoft_teams.api import TaskModuleResponse

from bot.app.core import Core
from bot.chat.address import User
from bot.chat.i18n import t
from bot.chat.markup import channel, literal, person
from bot.chat.reply import Form, Input, Option, Reply, Section
from bot.chat.request import Request
from bot.chat.router import Router
from bot.features import build_router
from bot.features.ideas import store
from bot.features.ideas.rules import IdeaFields
from bot.features.lessons.facts import build_facts
from bot.features.lessons.views import fact_reply
from bot.features.polls.views import poll_message
from bot.platforms.teams.cards import (
    MESSAGE_LIMIT,
    PAYLOAD_LIMIT,
    attachment,
    card,
    dialog,
    fit_card,
    fits,
    form_values,
    home_card,
    payload_size,
    size,
    submitted,
    submitted_form,
    task_message,
    task_response,
)
from bot.platforms.teams.render import ZERO_WIDTH_SPACE, TeamsRenderer
from tests.conftest import ADMIN
from tests.content_fixtures import content_fixture  # noqa: F401 - the content fixture
from tests.fakes.adaptive_cards import card_problems
from tests.polls_support import USERS, answer_rows, open_for

STAFF = "29:1staff-AbC_d"
COMMONMARK = MarkdownIt("commonmark")
NASTY = "<!channel> **至急** _全員_ [詳細](https://evil.example/x) <at>全員</at> `rm` &amp; ~~消~~ \\"


@pytest.fixture(scope="module")
def router() -> Router:
    return build_router()


def ask(core: Core, router: Router, user: str = STAFF, **request: object) -> Reply:
    return router.dispatch(core, Request(User(platform="teams", id=user), lang="ja", **request))  # type: ignore[arg-type]


def texts(content: dict) -> list[str]:
    """Every TextBlock's text and every fact of a card, in order."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(node["text"])
            for fact in node.get("facts", []):
                found.extend([fact["title"], fact["value"]])
            for key, value in node.items():
                if key not in ("data", "msteams", "facts"):
                    walk(value)

    walk(content["body"])
    return found


def elements(content: dict, kind: str) -> list[dict]:
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("type") == kind:
                found.append(node)
            for key, value in node.items():
                if key != "data":
                    walk(value)

    walk(content)
    return found


def shown(markdown: str) -> str:
    """What a CommonMark reader shows for ``markdown``, as HTML (Teams' Markdown is a subset of it)."""
    return COMMONMARK.render(markdown.replace("\r", "\n"))


def visible(markdown: str) -> str:
    """The text a reader sees: the HTML without tags, entities decoded, zero-width spaces gone."""
    return html.unescape(re.sub(r"<[^>]+>", "", shown(markdown))).replace(ZERO_WIDTH_SPACE, "")


def press(core: Core, router: Router, action: dict, user: str = STAFF) -> Reply:
    """What Teams sends back for a pressed card action, through submitted() into the router."""
    name, value = submitted(action["data"])
    assert action.get("verb", name) == name
    return ask(core, router, user, kind="action", action_id=name, value=value)


# --- markup → Teams Markdown ---------------------------------------------------------------------------------


def test_markup_becomes_teams_markdown() -> None:
    markup = (
        "**提案 #12** _受付_ [詳細](https://example.org/a_b)\n"
        "本文の行\n\n"
        "- 項目1\n- 項目2 `/kiun help`\n"
        "> 引用した文\n"
        f"{channel('19:abc@thread.tacv2')} へ"
    )
    rendered = TeamsRenderer(channels=lambda cid: "DX推進" if cid.startswith("19:") else None).render(markup)
    assert rendered == (
        "**提案 #12** _受付_ [詳細](https://example.org/a_b)\n\n本文の行\n\n- 項目1\r- 項目2 **/kiun help**\n\n"
        "│ 引用した文\n\n#DX推進 へ"
    )
    page = shown(rendered)
    assert '<strong>提案 #12</strong> <em>受付</em> <a href="https://example.org/a_b">詳細</a>' in page
    assert "<ul>\n<li>項目1</li>\n<li>項目2 <strong>/kiun help</strong></li>\n</ul>" in page
    assert "<code>" not in page and "<blockquote>" not in page and "<h1>" not in page


def test_typed_text_cannot_become_markup_or_a_mention() -> None:
    rendered = TeamsRenderer().render(
        "提案: " + literal(NASTY + "\n1. 番号\n- ダッシュ\n# 見出し\n> 引用\n    字下げ\n---")
    )
    page = shown(rendered)
    assert all(tag not in page for tag in ("<a ", "<strong>", "<em>", "<code>", "<del>", "<ol>", "<ul>", "<h1>"))
    assert all(tag not in page for tag in ("<blockquote>", "<pre>", "<hr"))
    assert "<at>" not in rendered and "<!channel>" not in rendered  # nothing Teams would turn into a mention
    assert [line for line in visible(rendered).split("\n") if line] == [
        "提案: " + NASTY,
        "1. 番号",
        "- ダッシュ",
        "# 見出し",
        "> 引用",
        "字下げ",
        "---",
    ]


@given(st.text(alphabet=st.sampled_from("*_[]()<>`~\\#-+!&;:/.1 \nあahtmp"), max_size=40))
def test_any_typed_text_reads_back_unchanged(text: str) -> None:
    lines = [" ".join(line.split()) for line in text.split("\n") if line.strip()]
    rendered = TeamsRenderer().render(literal(text))
    page = shown(rendered)
    assert not re.search(r"<(?!/?p>)", page), page  # no element but paragraphs
    read = [" ".join(line.split()) for line in visible(rendered).split("\n") if line.strip()]
    assert read == lines


def test_people_are_mentioned_with_their_names() -> None:
    names = {"29:a": "山田 太郎", "29:b": "山田 太郎", "29:c": "*佐藤* <b>"}
    renderer = TeamsRenderer(names=names.get)
    rendered = renderer.render(f"{person('29:a')} と {person('29:b')} と {person('29:c')}、また {person('29:a')}")
    assert rendered == "<at>山田 太郎</at> と <at>山田 太郎 (29:b)</at> と <at>佐藤 b</at>、また <at>山田 太郎</at>"
    assert renderer.mentions == [
        {"type": "mention", "text": "<at>山田 太郎</at>", "mentioned": {"id": "29:a", "name": "山田 太郎"}},
        {
            "type": "mention",
            "text": "<at>山田 太郎 (29:b)</at>",
            "mentioned": {"id": "29:b", "name": "山田 太郎 (29:b)"},
        },
        {"type": "mention", "text": "<at>佐藤 b</at>", "mentioned": {"id": "29:c", "name": "佐藤 b"}},
    ]
    unnamed = TeamsRenderer()
    assert (
        unnamed.render(person(STAFF)) == "<at>29:1staff-AbC d</at>" and unnamed.mentions[0]["mentioned"]["id"] == STAFF
    )


# --- replies from the features ----------------------------------------------------------------------------------


def test_lesson_quiz_card_and_an_answer_through_the_router(core: Core, content: Path, router: Router) -> None:
    reply = ask(core, router, kind="command", command="kiun", text="lesson")
    content_card = card(reply, "ja")
    assert card_problems(content_card) == []
    first = content_card["body"][0]
    assert first == {
        "type": "TextBlock",
        "text": "今週のDXミニレッスン（1/3）: レッスン1",
        "wrap": True,
        "weight": "Bolder",
    }
    assert [element["type"] for element in content_card["body"][1:]] == ["Container"] * len(reply.sections)
    [quiz] = [a for a in elements(content_card, "ActionSet") if a["actions"][0]["verb"] == "quiz_answer"]
    assert [action["title"] for action in quiz["actions"]] == ["A. 選択肢A", "B. 選択肢B", "C. 選択肢C"]
    assert all(action["type"] == "Action.Execute" for action in quiz["actions"])
    assert quiz["actions"][0]["data"] == {"kiun_action": "quiz_answer", "value": reply.buttons()[0].value}
    assert "残念、正解は「選択肢B」です。" in press(core, router, quiz["actions"][0]).text
    assert "このクイズには回答済みです" in press(core, router, quiz["actions"][1]).text
    assert content_card["msteams"] == {"width": "Full"}


def test_idea_card_keeps_a_proposers_text_as_text_and_counts_the_vote(core: Core, router: Router) -> None:
    store.create_idea(core, "29:proposer", IdeaFields(title=NASTY[:80], proposal=NASTY + "\n- 箇条書きではありません"))
    reply = ask(core, router, kind="command", command="ideas", text="1")
    content_card = card(reply, "ja")
    assert card_problems(content_card) == []
    every = "\n\n".join(texts(content_card))
    page = shown(every)
    assert 'href="https://evil.example' not in page and "<strong>至急</strong>" not in page
    [proposer] = content_card["msteams"]["entities"]  # the proposer, a real mention; the typed <at> is text
    assert proposer["mentioned"] == {"id": "29:proposer", "name": "29:proposer"}
    assert "<at>" not in every.replace(proposer["text"], "") and "<!channel>" not in every
    assert "<!channel> **至急** _全員_ [詳細](https://evil.example/x) <at>全員</at>" in visible(every)
    [vote] = [a for a in elements(content_card, "Action.Execute") if a["verb"] == "idea_vote"]
    assert vote["data"] == {"kiun_action": "idea_vote", "value": '{"idea":1,"add":false}'}
    assert "に投票しました（現在 1票）" in press(core, router, vote).text


def test_poll_question_card_splits_eleven_buttons_and_an_answer_counts(core: Core, router: Router) -> None:
    run = open_for(core, USERS)
    content_card = card(poll_message(run, "ja"), "ja")
    assert card_problems(content_card) == []
    rows = [a["actions"] for a in elements(content_card, "ActionSet")]
    assert all(len(row) <= 6 for row in rows)
    recommend = [action for row in rows for action in row if '"question":"recommend"' in action["data"]["value"]]
    assert [action["title"] for action in recommend] == [str(v) for v in range(11)]
    likert = next(action for row in rows for action in row if '"question":"relevance"' in action["data"]["value"])
    assert "回答" in press(core, router, likert, user=USERS[0]).text
    assert len(answer_rows(core, run.id)) == 1


def test_fact_card_carries_its_chart_inside_as_a_data_uri(content: Path) -> None:
    fact = build_facts().facts[0]
    reply = fact_reply(fact, "ja")
    content_card = fit_card(reply, "ja")
    assert card_problems(content_card) == []
    [image] = elements(content_card, "Image")
    prefix = "data:image/png;base64,"
    assert image["url"].startswith(prefix) and base64.b64decode(image["url"][len(prefix) :]) == reply.image.data
    assert image["altText"] == fact.text and image["msteams"] == {"allowExpand": True}
    message = {"type": "message", "attachments": [attachment(content_card)]}
    assert size(message) < MESSAGE_LIMIT and payload_size(message) > len(image["url"])
    doubled = reply.image.model_copy(update={"data": reply.image.data * 2})
    bigger = {"type": "message", "attachments": [attachment(card(reply.model_copy(update={"image": doubled}), "ja"))]}
    assert card_problems(bigger["attachments"][0]["content"]) == []
    assert size(bigger) == size(message)  # Teams leaves base64 images out of the message size
    grown = len(base64.b64encode(doubled.data)) - len(base64.b64encode(reply.image.data))
    assert payload_size(bigger) - payload_size(message) == grown  # the request still carries it


def test_help_card_shows_commands_bold_without_backticks(core: Core, router: Router) -> None:
    content_card = card(ask(core, router, kind="command", command="kiun", text="help"), "ja")
    assert card_problems(content_card) == []
    every = "\n".join(texts(content_card))
    assert "`" not in every and "**/kiun help**" in every
    assert "<code>" not in shown(every)


def test_home_card_has_a_header_and_the_home_tab_content(core: Core, content: Path, router: Router) -> None:
    reply = ask(core, router, kind="command", command="home")
    home = home_card(reply, "ja")
    assert card_problems(home) == []
    header = home["body"][0]
    assert header["style"] == "emphasis" and header["items"][0]["text"] == t("teams.home.header", "ja")
    assert texts(home)[1].startswith("**ようこそ、kiun（機運）へ**")  # the first section, under the header
    assert "ようこそ、kiun（機運）へ" not in texts(home)  # no summary TextBlock repeating it
    # the buttons that open a form ask Teams for a dialog; the others answer in place
    assert [action["data"]["kiun_action"] for action in elements(home, "Action.Submit")][:2] == ["idea_new", "home_ask"]
    assert [action["verb"] for action in elements(home, "Action.Execute")][:1] == ["kiun_help"]
    assert fit_card(reply, "ja", home=True) == home


# --- forms as dialogs --------------------------------------------------------------------------------------------


def test_idea_form_dialog_shows_the_cores_japanese_errors_and_then_saves(core: Core, router: Router) -> None:
    form = ask(core, router, kind="command", command="idea", text="").form
    assert form is not None
    opened = dialog(form, "ja")
    assert card_problems(opened) == []
    inputs = {element["id"]: element for element in _inputs(opened)}
    assert inputs["title"]["type"] == "Input.Text" and inputs["title"]["maxLength"] == 80
    assert inputs["title"]["isRequired"] is True and inputs["title"]["errorMessage"] == t("error.required", "ja")
    assert inputs["problem"]["isMultiline"] is True
    assert inputs["hours"]["type"] == "Input.Number" and inputs["hours"]["isRequired"] is False
    assert inputs["department"]["type"] == "Input.ChoiceSet" and inputs["department"]["style"] == "filtered"
    assert inputs["anonymous"]["type"] == "Input.Toggle" and inputs["anonymous"]["valueOn"] == "anonymous"
    [submit] = opened["actions"]
    assert submit["type"] == "Action.Submit" and submit["title"] == form.submit_label
    assert submit["data"] == {
        "kiun_form": form.callback_id,
        "metadata": form.metadata,
        "kiun_spec": form.model_dump_json(),
    }
    response = task_response(opened, "アイデアを提案")
    assert TaskModuleResponse.model_validate(response).task.value.card.content == opened

    typed = {
        "title": "会議資料をペーパーレスにする",
        "problem": "毎週200枚を印刷しています。",
        "proposal": "タブレットで配布します。",
    }
    data = {
        **submit["data"],
        **typed,
        "hours": 99999,
        "department": "somu",
        "category": "paperless",
        "anonymous": "anonymous",
    }
    callback_id, metadata = submitted_form(data)
    values = form_values(data, form.inputs)
    reply = ask(core, router, kind="form", callback_id=callback_id, metadata=metadata, values=values)
    assert reply.errors and set(reply.errors) == {"hours"}
    again = dialog(form, "ja", errors=reply.errors, values=values)
    assert card_problems(again) == []
    body = again["body"]
    at = next(i for i, element in enumerate(body) if element.get("id") == "hours")
    error = next(element for element in body[at + 1 :] if element["type"] == "TextBlock" and element.get("color"))
    assert error["color"] == "Attention" and "0から10000までの整数" in error["text"]
    assert {element["id"]: element.get("value") for element in _inputs(again)}["title"] == typed["title"]

    fixed = {**data, "hours": 6}
    saved = ask(
        core, router, kind="form", callback_id=callback_id, metadata=metadata, values=form_values(fixed, form.inputs)
    )
    assert not saved.errors and "提案 #1「会議資料をペーパーレスにする」を受け付けました" in saved.text
    [idea] = store.list_ideas(core, "new", "", 1, STAFF).rows
    assert (idea[0].hours_saved, idea[0].anonymous) == (6, True)
    assert task_message("受け付けました") == {"task": {"type": "message", "value": "受け付けました"}}
    TaskModuleResponse.model_validate(task_message("受け付けました"))


def test_review_reason_dialog_asks_for_the_reason_in_japanese(core: Core, router: Router) -> None:
    store.create_idea(
        core, "29:proposer", IdeaFields(title="窓口_予約_をオンラインに", proposal="予約システムを使います。")
    )
    detail = card(ask(core, router, ADMIN, kind="command", command="ideas", text="1", is_admin=True), "ja")
    [change] = [a for a in elements(detail, "Action.Submit") if a["data"]["kiun_action"] == "idea_status"]
    form = press(core, router, change, user=ADMIN).form
    assert form is not None
    opened = dialog(form, "ja")
    assert card_problems(opened) == []
    assert "窓口_予約_をオンラインに" in visible(opened["body"][0]["text"])  # the title in the intro, as written
    [submit] = opened["actions"]
    data = {**submit["data"], "status": "rejected", "reason": ""}
    callback_id, metadata = submitted_form(data)
    values = form_values(data, form.inputs)
    reply = ask(
        core, router, ADMIN, kind="form", callback_id=callback_id, metadata=metadata, values=values, is_admin=True
    )
    again = dialog(form, "ja", errors=reply.errors, values=values)
    assert card_problems(again) == []
    assert [element["text"] for element in again["body"] if element.get("color") == "Attention"] == [
        "「不採用」にするときは理由を入力してください。提案者にお伝えします。"
    ]
    assert again["body"][-1]["color"] == "Attention" and again["body"][-2]["type"] == "TextBlock"  # under reason


def _inputs(content: dict) -> list[dict]:
    return [element for element in content["body"] if element["type"].startswith("Input.")]


def test_a_button_that_opens_a_form_asks_teams_for_a_dialog(core: Core, router: Router) -> None:
    reply = ask(core, router, kind="command", command="idea", text="help")
    content_card = card(reply, "ja")
    assert card_problems(content_card) == []
    [new] = elements(content_card, "Action.Submit")
    assert new["data"]["msteams"] == {"type": "task/fetch"} and new["style"] == "positive"
    opened = press(core, router, new)
    assert opened.form is not None and card_problems(dialog(opened.form, "ja")) == []


def test_form_values_read_like_slacks_submitted_values() -> None:
    inputs = [
        Input(name="anon", label="匿名", kind="checkbox", options=[Option(value="anonymous", label="匿名にする")]),
        Input(name="agree", label="同意", kind="checkbox"),
        Input(
            name="tags",
            label="分野",
            kind="checkbox",
            options=[Option(value="ai", label="AI"), Option(value="rpa", label="RPA")],
        ),
        Input(name="hours", label="時間", kind="number"),
        Input(name="note", label="メモ", optional=True),
    ]
    data = {"kiun_form": "f", "metadata": "{}", "anon": "true", "agree": "false", "tags": "ai,rpa", "hours": 12.0}
    assert form_values(data, inputs) == {"anon": "anonymous", "agree": "", "tags": "ai,rpa", "hours": "12", "note": ""}
    assert form_values({"anon": "", "hours": 1.5, "agree": True}, inputs)["hours"] == "1.5"
    assert form_values({"anon": "", "agree": True}, inputs)["agree"] == "true"
    assert form_values({"metadata": "x", "title": "題", "n": None}) == {"title": "題", "n": ""}
    toggle = next(
        e
        for e in _inputs(dialog(Form(callback_id="f", title="t", submit_label="s", inputs=inputs), "ja"))
        if e["id"] == "anon"
    )
    assert (toggle["valueOn"], toggle["valueOff"], toggle["value"]) == ("anonymous", "", "")


def test_dialog_refuses_input_names_the_card_data_uses() -> None:
    form = Form(callback_id="f", title="t", submit_label="s", inputs=[Input(name="metadata", label="x")])
    with pytest.raises(ValueError, match="reserved"):
        dialog(form, "ja")


def test_submitted_reads_only_kiuns_own_data() -> None:
    assert submitted({"kiun_action": "idea_vote", "value": '{"idea":1}', "extra": 1}) == ("idea_vote", '{"idea":1}')
    assert submitted({"kiun_action": "poll_show"}) == ("poll_show", "")
    for foreign in (None, "x", {}, {"kiun_action": ""}, {"kiun_action": 3}, {"kiun_action": "a", "value": {"x": 1}}):
        assert submitted(foreign) is None
    assert submitted_form({"kiun_form": "idea_submit", "metadata": "{}", "title": "x"}) == ("idea_submit", "{}")
    assert submitted_form({"kiun_action": "idea_vote"}) is None and submitted_form([]) is None


# --- size ----------------------------------------------------------------------------------------------------------


def test_an_image_too_large_for_teams_becomes_a_note(content: Path) -> None:
    reply = fact_reply(build_facts().facts[0], "ja")
    huge = reply.model_copy(
        update={"image": reply.image.model_copy(update={"data": reply.image.data + b"\0" * PAYLOAD_LIMIT})}
    )
    assert not fits(card(huge, "ja")) and card_problems(card(huge, "ja")) == []
    fitted = fit_card(huge, "ja")
    assert fits(fitted) and card_problems(fitted) == [] and elements(fitted, "Image") == []
    note = TeamsRenderer().render(t("teams.image_too_large", "ja", title=literal(reply.image.title)))
    assert note in texts(fitted) and reply.image.title in visible(note)


def test_a_reply_too_long_for_teams_is_cut_with_a_note_and_keeps_its_mentions_consistent() -> None:
    sections = [Section(text=f"{person('29:p' + str(i))} **項目 {i}** " + "長い文章です。" * 60) for i in range(40)]
    reply = Reply(text="長い一覧", sections=sections)
    assert not fits(card(reply, "ja")) and card_problems(card(reply, "ja")) == []
    fitted = fit_card(reply, "ja")
    assert fits(fitted) and card_problems(fitted) == []
    assert texts(fitted)[-1] == t("teams.truncated", "ja") and 1 < len(fitted["body"]) < 41
    assert {m["mentioned"]["id"] for m in fitted["msteams"]["entities"]} < {f"29:p{i}" for i in range(40)}
    one = fit_card(Reply(text="一つ", sections=[Section(text="あ" * 40_000)]), "ja")
    assert fits(one) and card_problems(one) == [] and texts(one)[-1] == t("teams.truncated", "ja")
