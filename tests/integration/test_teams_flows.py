"""Every kiun feature through the real Teams SDK app over HTTP, with Bot Framework JWTs and the Bot Connector
stand-in: help, home, lessons and quiz, facts with a chart, ideas (form, quick, vote, review with a DM), polls,
Q&A, the report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.common.paths import content_dir
from bot.features.lessons.jobs import post_fact, post_lesson
from bot.features.qa.ingest import add_paths
from bot.models import Idea, IdeaComment, IdeaVote, PollAnswer, PollRun, QuizAnswer
from tests.fakes.teams_connector import Conversation
from tests.integration.teams_harness import (
    ADMIN_AAD,
    TEAM,
    TeamsClient,
    button,
    buttons,
    card_of,
    card_text,
    wait_for,
)


def newest_card(teams: TeamsClient, conversation: str, count: int = 1) -> tuple[dict[str, Any], dict[str, Any]]:
    """The newest activity kiun posted in ``conversation`` (waiting for ``count``) and its card."""
    activity = teams.posted(conversation, count)[-1]
    return activity, card_of(activity)


def test_help_in_the_personal_chat_with_or_without_the_slash(teams: TeamsClient) -> None:
    staff = teams.person()
    teams.say(staff, "kiun help")
    teams.say(staff, "/kiun help")
    teams.say(staff, "ヘルプ")
    answers = teams.posted(teams.chat(staff), 3)
    texts = [card_text(card_of(answer)) for answer in answers]
    assert all("idea" in text and "ask" in text for text in texts)
    assert texts[0] == texts[1] == texts[2]


def test_a_lesson_post_and_its_quiz_answer_update_the_card_in_place(teams: TeamsClient) -> None:
    post_lesson(teams.core, teams.core.local_now(), {})
    assert teams.deliver() == 1
    posted, lesson = newest_card(teams, TEAM)
    quiz = [action for action in buttons(lesson) if action["type"] == "Action.Execute"]
    assert len(quiz) >= 2 and all(action["verb"] == "quiz_answer" for action in quiz)

    staff = teams.person()
    answer = teams.press(staff, quiz[0], teams.in_channel(), posted["id"])
    assert answer["statusCode"] == 200 and answer["type"] == "application/vnd.microsoft.card.adaptive"
    shown = card_text(answer["value"])
    assert card_text(lesson).split("\n")[0] in shown  # the lesson as posted, with the feedback under it
    assert "正解" in shown or "残念" in shown
    again = teams.press(staff, quiz[1], teams.in_channel(), posted["id"])
    assert "回答済み" in card_text(again["value"]) or "あなたの回答" in card_text(again["value"])
    with teams.core.sessions() as session:
        assert session.scalar(select(func.count()).select_from(QuizAnswer)) == 1
    assert len(teams.connector.activities(TEAM)) == 1  # nothing more was posted in the channel


def test_a_re_sent_invoke_is_handled_once(teams: TeamsClient) -> None:
    post_lesson(teams.core, teams.core.local_now(), {})
    teams.deliver()
    posted, lesson = newest_card(teams, TEAM)
    staff = teams.person()
    quiz = [action for action in buttons(lesson) if action["type"] == "Action.Execute"][0]
    value = {"action": {"type": "Action.Execute", "verb": quiz["verb"], "data": quiz["data"]}}
    invoke = teams.activity(
        staff, teams.in_channel(), type="invoke", name="adaptiveCard/action", value=value, replyToId=posted["id"]
    )
    first, second = teams.post(invoke).json(), teams.post(invoke).json()
    assert first["type"] == "application/vnd.microsoft.card.adaptive"
    assert second["type"] == "application/vnd.microsoft.activity.message" and "受け付け済み" in second["value"]
    with teams.core.sessions() as session:
        assert session.scalar(select(func.count()).select_from(QuizAnswer)) == 1


def test_a_fact_carries_its_chart_inside_the_card(teams: TeamsClient) -> None:
    post_fact(teams.core, teams.core.local_now(), {})
    assert teams.deliver() == 1
    _, fact = newest_card(teams, TEAM)
    images = [element for element in _elements(fact) if element.get("type") == "Image"]
    notes = card_text(fact)
    assert images and images[0]["url"].startswith("data:image/png;base64,") or "省略" in notes
    assert "出典" in notes


def test_a_quick_idea_is_posted_to_the_ideas_channel_and_votes_edit_it_for_everyone(teams: TeamsClient) -> None:
    proposer, colleague = teams.person(), teams.person()
    teams.say(proposer, "idea 会議資料をペーパーレスにする")
    _, ack = newest_card(teams, teams.chat(proposer))
    assert "受け付けました" in card_text(ack)
    assert teams.deliver() >= 1
    post, idea_card = newest_card(teams, TEAM)
    assert "会議資料をペーパーレスにする" in card_text(idea_card)

    vote = next(action for action in buttons(idea_card) if action.get("verb") == "idea_vote")
    answer = teams.press(colleague, vote, teams.in_channel(), post["id"])
    assert "会議資料をペーパーレスにする" in card_text(answer["value"])  # the post, with the vote's answer under it
    assert teams.deliver() >= 1  # the channel post's edit (and the colleague's home card)
    edited = card_text(card_of(teams.connector.activity(TEAM, post["id"])))
    assert "1" in edited
    with teams.core.sessions() as session:
        assert session.scalar(select(func.count()).select_from(IdeaVote)) == 1
    puts = teams.connector.calls_to("PUT", f"/activities/{post['id']}")
    assert puts, "the post was edited in place"


def test_the_idea_form_opens_as_a_dialog_with_japanese_errors_then_saves(teams: TeamsClient) -> None:
    staff = teams.person()
    teams.say(staff, "idea")
    _, offer = newest_card(teams, teams.chat(staff))
    opener = button(offer, "フォームを開く")
    assert opener["type"] == "Action.Submit" and opener["data"]["msteams"] == {"type": "task/fetch"}
    opened = teams.open_dialog(staff, opener["data"], teams.personal(staff))
    dialog = opened["task"]["value"]["card"]["content"]
    submit = [action for action in dialog["actions"] if action["type"] == "Action.Submit"][0]
    missing = teams.submit_dialog(staff, {**submit["data"], "title": ""}, teams.personal(staff)).json()
    assert missing["task"]["type"] == "continue"
    assert "入力してください" in card_text(missing["task"]["value"]["card"]["content"])
    values = {"title": "窓口予約をオンラインに", "problem": "電話予約が多い", "proposal": "予約システムを使う"}
    done = teams.submit_dialog(staff, {**submit["data"], **values}, teams.personal(staff))
    assert not done.content or "task" not in done.json()  # the dialog closes
    _, thanks = newest_card(teams, teams.chat(staff), 2)
    assert "窓口予約をオンラインに" in card_text(thanks)
    with teams.core.sessions() as session:
        assert session.scalar(select(Idea.title)) == "窓口予約をオンラインに"


def test_a_review_moves_the_idea_and_the_proposer_hears_in_their_chat(teams: TeamsClient) -> None:
    proposer, admin = teams.person(), teams.person(aad=ADMIN_AAD)
    teams.say(proposer, "idea 申請書の押印を廃止する")
    teams.deliver()
    teams.say(admin, "ideas 1")
    _, detail = newest_card(teams, teams.chat(admin))
    status = next(
        action for action in buttons(detail) if (action.get("data") or {}).get("kiun_action") == "idea_status"
    )
    assert status["type"] == "Action.Submit"  # it opens a form: a dialog
    opened = teams.open_dialog(admin, status["data"], teams.personal(admin))
    dialog = opened["task"]["value"]["card"]["content"]
    submit = [action for action in dialog["actions"] if action["type"] == "Action.Submit"][0]
    teams.submit_dialog(
        admin, {**submit["data"], "status": "reviewing", "reason": "来月の会議で検討します"}, teams.personal(admin)
    )
    teams.deliver()
    news = card_text(teams.posted(teams.chat(proposer), 2)[-1]["attachments"][0]["content"])
    assert "申請書の押印を廃止する" in news and "来月の会議で検討します" in news


def test_a_poll_reaches_the_roster_counts_who_cannot_be_reached_and_keeps_anonymity(teams: TeamsClient) -> None:
    admin = teams.person(aad=ADMIN_AAD)
    staff = [teams.person() for _ in range(5)]
    teams.person(installed=False)
    teams.say(admin, "kiun admin poll start quick-pulse")
    teams.deliver()
    teams.deliver()
    with teams.core.sessions() as session:
        run = session.scalar(select(PollRun))
    assert run is not None and run.state == "open"
    for person in staff[:4]:
        post, poll = newest_card(teams, teams.chat(person))
        choice = next(action for action in buttons(poll) if action.get("verb") == "poll_answer")
        answered = teams.press(person, choice, teams.personal(person), post["id"])
        assert answered["type"] == "application/vnd.microsoft.card.adaptive"
    with teams.core.sessions() as session:
        assert session.scalar(select(func.count(func.distinct(PollAnswer.respondent)))) == 4
    outbox = card_text(card_of(teams.say(admin, "kiun admin outbox")))
    assert "メッセージを届けられない方が1人" in outbox
    closed = card_text(card_of(teams.say(admin, f"kiun admin poll close {run.id}")))
    assert "締め切" in closed or "終了" in closed
    teams.deliver()
    results = card_text(card_of(teams.connector.activities(TEAM)[-1]))
    assert "回答が4件で、5件に届いていません" in results  # 4 answers: no scores, to protect anonymity


def test_questions_get_cited_answers_and_refusals_in_the_chat_and_in_a_channel_thread(teams: TeamsClient) -> None:
    add_paths(teams.core, [content_dir() / "docs"])
    staff = teams.person()
    teams.say(staff, "会議資料はいつまでに共有フォルダへ掲載しますか")
    _, answer = newest_card(teams, teams.chat(staff))
    assert "前日正午" in card_text(answer) and "出典" in card_text(answer)
    teams.say(staff, "来年の花火大会の日程は？")
    _, refusal = newest_card(teams, teams.chat(staff), 2)
    assert "前日正午" not in card_text(refusal)

    response = teams.mention(staff, "会議資料はいつまでに共有フォルダへ掲載しますか")
    assert response.status_code == 200
    in_thread = wait_for(lambda: [a for a in teams.connector.activities(TEAM) if "前日正午" in card_text(card_of(a))])
    assert in_thread


def test_installing_sends_the_home_card_and_it_is_edited_when_something_changes(teams: TeamsClient) -> None:
    staff = teams.person()
    teams.chat(staff)
    assert teams.install(staff).status_code == 200
    teams.deliver()
    home_post, home = newest_card(teams, teams.chat(staff))
    assert "ホーム" in card_text(home) or "kiun" in card_text(home)
    teams.say(staff, "ホーム")
    newest_card(teams, teams.chat(staff), 2)
    teams.say(staff, "idea 庁内チャットのルールを決める")
    teams.deliver()
    edited = teams.connector.activity(teams.chat(staff), home_post["id"])
    assert edited is not None and "庁内チャットのルールを決める" in card_text(card_of(edited))


def test_the_report_is_offered_to_an_admin(teams: TeamsClient) -> None:
    admin = teams.person(aad=ADMIN_AAD)
    coming = teams.say(admin, "kiun admin report")
    assert "レポート" in card_text(card_of(coming))
    teams.deliver()
    report = card_text(card_of(teams.posted(teams.chat(admin), 2)[-1]))
    assert "レポート" in report and "添付" in report  # the summary, and a note that the HTML file is not attached


def _elements(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _elements(value)
    elif isinstance(node, list):
        for item in node:
            found += _elements(item)
    return found


def test_in_a_group_chat_kiun_answers_after_a_mention_in_the_chat_itself(teams: TeamsClient) -> None:
    staff = teams.person()
    chat = "19:groupchat-kiun@thread.v2"
    with teams.connector._lock:
        teams.connector.conversations[chat] = Conversation(chat, "groupChat")
    group = {"id": chat, "conversationType": "groupChat", "tenantId": teams.connector.tenant, "isGroup": True}
    plain = teams.activity(staff, group, text="今日の会議は何時から？")
    assert teams.post(plain).status_code == 200  # not for kiun: no mention
    entity = {"type": "mention", "text": "<at>kiun</at>", "mentioned": {"id": plain["recipient"]["id"], "name": "kiun"}}
    asked = teams.activity(staff, group, text="<at>kiun</at> 会議資料はいつまでに掲載しますか", entities=[entity])
    assert teams.post(asked).status_code == 200
    [answer] = teams.posted(chat, 1)  # a question is answered where it was asked
    assert card_text(card_of(answer)) and ";messageid=" not in answer["conversation"]["id"]
    helped = teams.activity(staff, group, text="<at>kiun</at> kiun help", entities=[entity])
    assert teams.post(helped).status_code == 200
    [help_answer] = teams.posted(teams.chat(staff), 1)  # meant for one person: their 1:1 chat, not the group
    assert "idea" in card_text(card_of(help_answer)) and len(teams.connector.activities(chat)) == 1


def test_a_mention_in_an_idea_posts_thread_is_a_comment(teams: TeamsClient) -> None:
    proposer, colleague = teams.person(), teams.person()
    teams.say(proposer, "idea 会議の議事録を自動で作る")
    teams.deliver()
    post, _ = newest_card(teams, TEAM)
    reply = teams.activity(colleague, teams.in_channel(root=post["id"]), text="<at>kiun</at> 音声認識を試したいです")
    reply["entities"] = [{"type": "mention", "text": "<at>kiun</at>", "mentioned": reply["recipient"]}]
    assert teams.post(reply).status_code == 200
    wait_for(lambda: _comments(teams))
    assert _comments(teams) == ["音声認識を試したいです"]
    assert len(teams.connector.activities(TEAM)) == 1  # stored quietly: nothing posted


def _comments(teams: TeamsClient) -> list[str]:
    with teams.core.sessions() as session:
        return list(session.scalars(select(IdeaComment.text)))
