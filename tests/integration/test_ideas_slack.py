"""Ideas through the real Bolt app over HTTP with signed requests: propose (form and quick), similar ideas,
votes, thread comments, the review workflow with DMs, refusals, retries and a Slack outage."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.chat.i18n import t
from bot.db.session import transaction
from bot.db.types import utcnow
from bot.features.ideas import actions as act
from bot.features.ideas import store
from bot.features.ideas.rules import IdeaFields
from bot.models import IdeaComment, IdeaVote, OutboxMessage
from tests.conftest import ADMIN
from tests.integration import slack_expectations as expect
from tests.integration.ideas_helpers import (
    blocks_text,
    drain,
    events,
    full_idea,
    ideas,
    modal_values,
    outbox_rows,
)
from tests.integration.slack_harness import wait_until


def ack(response) -> str:
    body = response.json()
    return body["text"] + json.dumps(body.get("blocks", []), ensure_ascii=False)


def buttons(response_or_params) -> list[tuple[str, str]]:
    body = response_or_params.json() if hasattr(response_or_params, "json") else response_or_params
    blocks = body.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return [
        (element["action_id"], element["value"])
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def dms(kiun, user: str) -> list[str]:
    return [
        blocks_text(c.params) for c in kiun.slack_api.calls_to("chat.postMessage") if c.params["channel"] == f"D{user}"
    ]


def propose(kiun, user: str = "U_A", **overrides) -> int:
    """Submit the proposal modal and return the new idea's number."""
    before = len(ideas(kiun.core))
    assert kiun.sender().view_submission("idea_submit", full_idea(**overrides), user_id=user).body == ""
    wait_until(lambda: len(ideas(kiun.core)) > before)
    return ideas(kiun.core)[-1].id


def move(kiun, idea_id: int, status: str, reason: str = "", user: str = ADMIN, expected: str | None = None):
    """Submit the status form as ``user`` (``expected``: the status the form was opened at)."""
    expected = expected or next(i.status for i in ideas(kiun.core) if i.id == idea_id)
    values = modal_values(status=status, reason=reason)
    return kiun.sender().view_submission("idea_status", values, user_id=user, private_metadata=f"{idea_id}:{expected}")


# -- proposing -----------------------------------------------------------------------------------------------------
def test_idea_without_text_opens_the_form_and_explains_anonymity(kiun, sender):
    assert sender.command("/idea").status == 200
    view = kiun.slack_api.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "idea_submit"
    inputs = {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}
    assert list(inputs) == ["title", "problem", "proposal", "effect", "hours", "department", "category", "anonymous"]
    assert inputs["title"]["element"]["max_length"] == 80 and inputs["proposal"]["element"]["max_length"] == 3000
    categories = [o["text"]["text"] for o in inputs["category"]["element"]["options"]]
    assert categories == ["ペーパーレス", "窓口", "生成AI", "ローコード", "データ活用", "業務見直し", "その他"]
    assert "総務部" in [o["text"]["text"] for o in inputs["department"]["element"]["options"]]
    hint = inputs["anonymous"]["hint"]["text"]
    assert "DX推進係を含めどなたにも表示されません" in hint and "お知らせするためだけに" in hint


def test_modal_submission_saves_posts_numbered_and_confirms_by_dm(kiun):
    idea_id = propose(kiun, user="U_A")
    [dm] = [call.params for call in kiun.slack_api.wait_for("chat.postMessage")]
    expect.idea_received_dm(dm, "U_A")
    [idea] = ideas(kiun.core)
    assert (idea.id, idea.department, idea.category, idea.hours_saved, idea.status) == (
        1,
        "somu",
        "paperless",
        6,
        "received",
    )
    assert events(kiun.core, idea_id) == [(None, "received", "")]
    assert drain(kiun.core) == 1
    post = kiun.slack_api.calls_to("chat.postMessage")[-1].params
    assert post["channel"] == "C_IDEAS"
    text = blocks_text(post)
    for fragment in (
        "#1 会議資料をペーパーレスにする",
        "<@U_A>",
        "総務部",
        "ペーパーレス",
        "現状の課題",
        "受付",
        "月6時間",
    ):
        assert fragment in text
    assert ("idea_vote", act.IdeaVote(idea=1).payload) in buttons(post)
    assert ("idea_show", act.IdeaShow(idea=1).payload) in buttons(post)


def test_form_errors_stay_in_place_and_nothing_is_saved(kiun, sender):
    values = full_idea(title="あ" * 81, problem="  ", proposal="い" * 3001, hours="-3", department="no-such")
    response = sender.view_submission("idea_submit", values)
    body = response.json()
    assert body["response_action"] == "errors"
    assert body["errors"] == {
        "title": t("error.too_long", length=81, limit=80),
        "problem": t("error.required"),
        "proposal": t("error.too_long", length=3001, limit=3000),
        "hours": t("idea.error.hours", limit=10000),
        "department": t("error.invalid_option"),
    }
    assert ideas(kiun.core) == [] and not kiun.slack_api.calls_to("chat.postMessage")


def test_quick_idea_answers_with_a_details_button_that_opens_the_filled_form(kiun, sender):
    response = sender.command("/idea", "窓口の待ち時間を減らす\n受付番号をスマホに通知します。", user_id="U_A")
    assert "提案 #1「窓口の待ち時間を減らす」を受け付けました" in ack(response)
    assert ("idea_details", act.IdeaDetails(idea=1).payload) in buttons(response)
    [idea] = ideas(kiun.core)
    assert (idea.title, idea.proposal, idea.problem) == ("窓口の待ち時間を減らす", "受付番号をスマホに通知します。", "")
    sender.block_action("idea_details", "1", user_id="U_A")  # as posted before typed actions
    view = kiun.slack_api.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "idea_edit" and view["private_metadata"] == act.IdeaEdit(idea=1).payload
    title = next(b for b in view["blocks"] if b.get("block_id") == "title")
    assert title["element"]["initial_value"] == "窓口の待ち時間を減らす"
    edited = full_idea(title="窓口の待ち時間を減らす", category="counter", department="shimin")
    assert (
        sender.view_submission("idea_edit", edited, user_id="U_A", private_metadata=view["private_metadata"]).body == ""
    )
    wait_until(lambda: ideas(kiun.core)[0].category == "counter")
    assert ideas(kiun.core)[0].department == "shimin"
    assert [row.replaces for row in outbox_rows(kiun.core, "idea:1:post")] == [None, "idea:1:post"]
    sender.block_action("idea_details", "1", user_id="U_B")  # not the proposer
    assert kiun.wait_responses(1)[0]["text"] == t("idea.error.not_yours")


def test_empty_idea_gets_help(kiun, sender):
    for text in ("。。", "help", "　！"):
        assert ack(sender.command("/idea", text)).startswith(t("idea.help_title"))
    assert ideas(kiun.core) == []


def test_quick_idea_over_the_limit_keeps_the_text(kiun, sender):
    text = "申請書の押印を廃止する\n" + "押印のために窓口へ来ていただく負担をなくします。" * 130
    body = ack(sender.command("/idea", text))
    assert "本文が長すぎます" in body and "押印のために窓口へ来ていただく負担をなくします。" * 3 in body
    assert ideas(kiun.core) == []


def test_mentions_and_links_in_ideas_are_shown_literally(kiun, sender):
    propose(kiun, title="<!channel> 至急 <@U999> <https://evil.example|ここ>", proposal="<!here> & <#C1>")
    drain(kiun.core)
    [channel_post] = [c.params for c in kiun.slack_api.calls_to("chat.postMessage") if c.params["channel"] == "C_IDEAS"]
    post = blocks_text(channel_post)  # the channel post, not a DM that may arrive after it
    for raw in ("<!channel>", "<@U999>", "<https://", "<!here>", "<#C1>"):
        assert raw not in post
    assert "&lt;!channel&gt; 至急 &lt;@U999&gt;" in post and "&lt;!here&gt; &amp; &lt;#C1&gt;" in post
    detail = ack(sender.command("/ideas", "1"))
    assert "<!channel>" not in detail and "&lt;!channel&gt;" in detail


def test_the_same_slash_command_delivered_twice_creates_one_idea(kiun, sender):
    form = {
        "token": "legacy",
        "team_id": "T1",
        "channel_id": "C_GENERAL",
        "user_id": "U_A",
        "command": "/idea",
        "text": "庁内の申請をローコードで電子化する",
        "api_app_id": "A1",
        "response_url": f"{kiun.slack_api.base_url}/commands/retry",
        "trigger_id": "trigger.same",
    }
    first = sender.post(urlencode(form), "application/x-www-form-urlencoded")
    again = sender.post(urlencode(form), "application/x-www-form-urlencoded", headers={"X-Slack-Retry-Num": "1"})
    assert "提案 #1" in ack(first) and "#1" in ack(again)
    assert len(ideas(kiun.core)) == 1 and len(outbox_rows(kiun.core, "idea:")) == 1
    assert events(kiun.core, 1) == [(None, "received", "")]


def test_similar_ideas_are_shown_first_and_can_be_voted_or_submitted_anyway(kiun, sender):
    sender.command(
        "/idea", "会議資料をペーパーレスにする\n紙の会議資料を印刷せずタブレットで配布します。", user_id="U_A"
    )
    hint = sender.command("/idea", "会議資料のペーパーレス化\n毎回の会議資料の印刷をやめます。", user_id="U_B")
    assert ack(hint).startswith(t("idea.similar.title")) and "#1 会議資料をペーパーレスにする" in ack(hint)
    actions = dict(buttons(hint))
    assert actions["idea_vote"] == act.IdeaVote(idea=1, add=True).payload and len(ideas(kiun.core)) == 1
    sender.block_action("idea_vote", actions["idea_vote"], user_id="U_B")
    assert "#1「会議資料をペーパーレスにする」に投票しました（現在 1票）" in kiun.wait_responses(1)[0]["text"]
    sender.block_action("idea_draft", actions["idea_draft"], user_id="U_B")
    assert kiun.wait_responses(2)[1]["text"].startswith("提案 #2「会議資料のペーパーレス化」を受け付けました")
    sender.block_action("idea_draft", actions["idea_draft"], user_id="U_B")  # pressed again: no second idea
    assert kiun.wait_responses(3)[2]["text"].startswith("同じ内容の提案は #2")
    sender.block_action("idea_draft", actions["idea_draft"], user_id="U_C")  # someone else's draft
    assert kiun.wait_responses(4)[3]["text"] == t("idea.error.draft_gone")
    assert [idea.id for idea in ideas(kiun.core)] == [1, 2]


# -- votes and comments --------------------------------------------------------------------------------------------
def votes(kiun) -> list[tuple[int, str]]:
    with kiun.core.sessions() as session:
        return [(v.idea_id, v.user_id) for v in session.scalars(select(IdeaVote).order_by(IdeaVote.id))]


def test_vote_toggles_and_the_channel_post_follows(kiun, sender):
    idea_id = propose(kiun, user="U_A")
    drain(kiun.core)
    ts = kiun.slack_api.messages["C_IDEAS"][0]["ts"]
    sender.block_action("idea_vote", str(idea_id), user_id="U_B", channel_id="C_IDEAS")
    assert "に投票しました（現在 1票）" in kiun.wait_responses(1)[0]["text"]
    assert votes(kiun) == [(1, "U_B")]
    sender.block_action("idea_vote", str(idea_id), user_id="U_B", channel_id="C_IDEAS")
    assert "への投票を取り消しました（現在 0票）" in kiun.wait_responses(2)[1]["text"]
    assert votes(kiun) == []
    sender.block_action("idea_vote", str(idea_id), user_id="U_A", channel_id="C_IDEAS")
    assert kiun.wait_responses(3)[2]["text"] == t("idea.vote.own", number="#1")
    drain(kiun.core)
    [edit] = [call.params for call in kiun.slack_api.calls_to("chat.update")]  # the older edit was superseded
    assert (edit["channel"], edit["ts"]) == ("C_IDEAS", ts) and "👍 投票する（0）" in blocks_text(edit)
    sender.block_action("idea_vote", str(idea_id), user_id="U_C", channel_id="C_IDEAS")
    kiun.wait_responses(4)
    drain(kiun.core)
    assert "👍 投票する（1）" in blocks_text(kiun.slack_api.calls_to("chat.update")[-1].params)
    assert len(kiun.slack_api.calls_to("chat.postMessage")) == 2  # the DM and the post; edits never repost


def test_one_vote_per_person_is_a_database_constraint(core):
    idea, _ = store.create_idea(core, "U_A", IdeaFields(title="押印の廃止", proposal="申請書の押印欄をなくします。"))
    with transaction(core.sessions) as session:
        session.add(IdeaVote(idea_id=idea.id, user_id="U_B"))
    with pytest.raises(IntegrityError), transaction(core.sessions) as session:
        session.add(IdeaVote(idea_id=idea.id, user_id="U_B"))


def comments(kiun) -> list[tuple[int, str, str]]:
    with kiun.core.sessions() as session:
        return [(c.idea_id, c.user_id, c.text) for c in session.scalars(select(IdeaComment).order_by(IdeaComment.id))]


def thread_reply(ts: str, text: str, channel: str = "C_IDEAS", user: str = "U_B") -> dict:
    return {
        "type": "message",
        "channel": channel,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": "9.1",
        "thread_ts": ts,
    }


def test_thread_replies_on_the_post_are_comments_in_the_detail(kiun, sender):
    propose(kiun, user="U_A")
    drain(kiun.core)
    ts = kiun.slack_api.messages["C_IDEAS"][0]["ts"]

    def channel_posts() -> int:  # the proposer's DM may still arrive: count what goes to the channel only
        return sum(c.params["channel"] == "C_IDEAS" for c in kiun.slack_api.calls_to("chat.postMessage"))

    posts_before = channel_posts()
    sender.event(thread_reply(ts, "<!here> 賛成です。総務課でも試したいです"))
    sender.event(thread_reply("1.000001", "関係ないスレッド"))
    sender.event(thread_reply(ts, "別チャンネルの返信", channel="C_GENERAL"))
    wait_until(lambda: comments(kiun))
    kiun.server.stop()  # every listener has finished
    assert comments(kiun) == [(1, "U_B", "<!here> 賛成です。総務課でも試したいです")]
    assert channel_posts() == posts_before  # the bot stays quiet in the thread
    assert ideas(kiun.core)[0].post_ref == ts


def test_detail_shows_comments_escaped(kiun, sender):
    propose(kiun, user="U_A")
    drain(kiun.core)
    ts = kiun.slack_api.messages["C_IDEAS"][0]["ts"]
    sender.event(thread_reply(ts, "<!here> 賛成です"))
    wait_until(lambda: comments(kiun))
    detail = ack(sender.command("/ideas", "#1", user_id="U_C"))
    assert "💬 1件" in detail and "<@U_B>: &lt;!here&gt; 賛成です" in detail and "<!here>" not in detail


# -- the review workflow -------------------------------------------------------------------------------------------
def test_status_button_opens_the_form_for_admins_and_refuses_others(kiun, sender):
    propose(kiun, user="U_A")
    sender.block_action("idea_status", "1", user_id="U_STAFF")
    assert kiun.wait_responses(1)[0]["text"] == t("idea.error.not_manager")
    sender.block_action("idea_status", "1", user_id=ADMIN)
    view = kiun.slack_api.wait_for("views.open")[0].params["view"]
    assert (
        view["callback_id"] == "idea_status"
        and view["private_metadata"] == act.IdeaStatusForm(idea=1, expected="received").payload
    )
    status = next(b for b in view["blocks"] if b.get("block_id") == "status")
    assert [o["text"]["text"] for o in status["element"]["options"]] == [
        "検討中",
        "採用",
        "一部採用",
        "不採用",
        "差し戻し",
    ]
    forged = move(kiun, 1, "adopted", user="U_STAFF")  # a submission without the right is refused too
    assert forged.body == ""
    wait_until(lambda: any(t("idea.error.not_manager") in text for text in dms(kiun, "U_STAFF")))
    assert ideas(kiun.core)[0].status == "received" and events(kiun.core, 1) == [(None, "received", "")]


def test_every_transition_is_logged_posted_and_sent_to_the_proposer(kiun, sender):
    first = propose(kiun, user="U_A")
    second = propose(kiun, user="U_A", title="窓口にセルフレジ型の発券機を置く", proposal="番号札を自動で発券します。")
    third = propose(kiun, user="U_A", title="議事録の下書きを生成AIで作る", proposal="録音から下書きを作ります。")
    drain(kiun.core)
    assert move(kiun, first, "reviewing").body == ""
    missing = move(kiun, first, "returned", reason="  ")
    assert missing.json()["errors"] == {"reason": t("idea.error.reason_required", status="差し戻し")}
    assert move(kiun, first, "returned", reason="対象の会議を明記してください。").body == ""
    wait_until(lambda: ideas(kiun.core)[0].status == "returned")
    edited = full_idea(problem="部長会議と課長会議で毎週200枚以上を印刷しています。")
    kiun.sender().view_submission("idea_edit", edited, user_id="U_A", private_metadata=str(first))
    wait_until(lambda: ideas(kiun.core)[0].status == "received")  # revised: back to 受付
    for status, reason in (
        ("reviewing", ""),
        ("adopted", "来月から試行します。"),
        ("done", "印刷が月4,000枚減りました。"),
    ):
        assert move(kiun, first, status, reason=reason).body == ""
        wait_until(lambda status=status: ideas(kiun.core)[0].status == status)
    move(kiun, second, "partial", reason="発券機は本庁舎のみ導入します。")
    move(kiun, third, "rejected", reason="既存の議事録システムの更新で対応します。")
    wait_until(lambda: [i.status for i in ideas(kiun.core)] == ["done", "partial", "rejected"])
    assert events(kiun.core, first) == [
        (None, "received", ""),
        ("received", "reviewing", ""),
        ("reviewing", "returned", "対象の会議を明記してください。"),
        ("returned", "received", ""),
        ("received", "reviewing", ""),
        ("reviewing", "adopted", "来月から試行します。"),
        ("adopted", "done", "印刷が月4,000枚減りました。"),
    ]
    assert ideas(kiun.core)[0].effect_note == "印刷が月4,000枚減りました。"
    done = move(kiun, first, "reviewing")  # nothing follows 実施済
    assert done.json()["errors"] == {"status": t("error.invalid_option")}
    drain(kiun.core)
    status_dms = [text for text in dms(kiun, "U_A") if "ステータスが" in text]
    assert len(status_dms) == 7
    assert "「受付」から「検討中」に変わりました" in status_dms[0]
    assert (
        "「検討中」から「差し戻し」に変わりました" in status_dms[1]
        and "対象の会議を明記してください。" in status_dms[1]
    )
    assert any("「採用」から「実施済」" in text and "印刷が月4,000枚減りました。" in text for text in status_dms)
    assert any("「受付」から「一部採用」" in text and "本庁舎のみ" in text for text in status_dms)
    assert any("「受付」から「不採用」" in text and "既存の議事録システム" in text for text in status_dms)
    edits = [c.params for c in kiun.slack_api.calls_to("chat.update")]
    final = {call["ts"]: blocks_text(call) for call in edits}
    posted = {m["ts"]: m["text"] for m in kiun.slack_api.messages["C_IDEAS"]}
    assert set(final) == set(posted)  # every idea's own post was edited in place
    assert "ステータス: *実施済*" in final[kiun.slack_api.messages["C_IDEAS"][0]["ts"]]


def test_retried_status_submission_changes_once(kiun):
    propose(kiun, user="U_A")
    assert move(kiun, 1, "reviewing", expected="received").body == ""
    wait_until(lambda: ideas(kiun.core)[0].status == "reviewing")
    assert move(kiun, 1, "reviewing", expected="received").body == ""
    wait_until(lambda: any("すでに「検討中」" in text for text in dms(kiun, ADMIN)))
    assert events(kiun.core, 1) == [(None, "received", ""), ("received", "reviewing", "")]
    assert len(outbox_rows(kiun.core, "idea:1:status:")) == 1


def test_champions_manage_their_own_department_only(kiun, sender):
    assert "登録しました" in ack(sender.command("/kiun", "admin champion add <@U_CHAMP|taro> 総務部", user_id=ADMIN))
    assert "すでに" in ack(sender.command("/kiun", "admin champion add U_CHAMP somu", user_id=ADMIN))
    assert "<@U_CHAMP>" in ack(sender.command("/kiun", "admin champion list", user_id=ADMIN))
    assert ack(sender.command("/kiun", "admin champion add U_X 宇宙部", user_id=ADMIN)).startswith(
        "「宇宙部」という部署"
    )
    assert ack(sender.command("/kiun", "admin champion add @taro 総務部", user_id=ADMIN)).startswith("「@taro」")
    refused = ack(sender.command("/kiun", "admin champion add U_X 総務部", user_id="U_CHAMP"))
    assert refused.startswith(t("error.not_admin"))
    ours = propose(kiun, user="U_A", department="somu")
    theirs = propose(
        kiun,
        user="U_A",
        title="観光案内をチャットボットにする",
        problem="観光の問い合わせ電話が繁忙期に集中します。",
        proposal="よくある質問にチャットボットが答えます。",
        department="keizai",
    )
    move(kiun, ours, "reviewing", user="U_CHAMP")
    move(kiun, theirs, "reviewing", user="U_CHAMP")
    wait_until(lambda: ideas(kiun.core)[0].status == "reviewing")
    wait_until(lambda: any(t("idea.error.not_manager") in text for text in dms(kiun, "U_CHAMP")))
    assert ideas(kiun.core)[1].status == "received"
    assert "外しました" in ack(sender.command("/kiun", "admin champion remove U_CHAMP 総務部", user_id=ADMIN))


def test_anonymous_ideas_never_show_the_proposer_but_still_notify_them(kiun, sender):
    propose(kiun, user="U_ANON", anonymous="yes")
    drain(kiun.core)
    post = blocks_text(kiun.slack_api.calls_to("chat.postMessage")[-1].params)
    assert "匿名" in post and "U_ANON" not in post
    assert "U_ANON" not in ack(sender.command("/ideas", "1", user_id=ADMIN))
    move(kiun, 1, "returned", reason="効果の見込みを追記してください。")
    wait_until(lambda: outbox_rows(kiun.core, "idea:1:status:"))
    edited = full_idea(anonymous="yes", effect="印刷費が年間30万円減ります。")
    kiun.sender().view_submission("idea_edit", edited, user_id="U_ANON", private_metadata="1")
    wait_until(lambda: ideas(kiun.core)[0].status == "received")
    history = ack(sender.command("/ideas", "1", user_id=ADMIN))
    assert "U_ANON" not in history and "受付（匿名）" in history  # the resubmission does not reveal who did it
    drain(kiun.core)
    [dm] = [text for text in dms(kiun, "U_ANON") if "ステータスが" in text]
    assert "「差し戻し」" in dm and "効果の見込みを追記してください。" in dm


def test_channel_post_is_retried_through_the_outbox_when_slack_is_down(kiun, sender):
    kiun.slack_api.fail("chat.postMessage", status=503, times=3)
    response = sender.command("/idea", "公用車の予約をオンラインにする", user_id="U_A")
    assert "提案 #1「公用車の予約をオンラインにする」を受け付けました" in ack(response)
    assert drain(kiun.core) == 0
    [row] = outbox_rows(kiun.core, "idea:1:post")
    assert (row.state, row.attempts) == ("pending", 1) and "slack: internal_error" in row.last_error
    assert len(ideas(kiun.core)) == 1
    for _ in range(3):
        with transaction(kiun.core.sessions) as session:  # time passes: the retry is due
            session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        drain(kiun.core)
    [row] = outbox_rows(kiun.core, "idea:1:post")
    assert row.state == "sent" and kiun.slack_api.messages["C_IDEAS"][0]["ts"] == row.message_ref


# -- listing -------------------------------------------------------------------------------------------------------
def test_ideas_lists_pages_filters_and_searches(kiun, sender):
    titles = [f"改善案その{n}：{'申請の電子化' if n % 2 else '窓口の予約'}" for n in range(1, 11)]
    for n, title in enumerate(titles, 1):
        dept = "keizai" if n <= 3 else "somu"
        store.create_idea(kiun.core, f"U{n}", IdeaFields(title=title, proposal=f"内容{n}です。", department=dept))
    for voter in ("U_V1", "U_V2"):
        store.vote(kiun.core, 4, voter)
    store.vote(kiun.core, 7, "U_V1")
    store.change_status(kiun.core, 2, ADMIN, "adopted", "")
    first = sender.command("/ideas")
    assert "新着の提案（10件・1/2ページ）" in ack(first) and "#10 " in ack(first) and "#2 " not in ack(first)
    assert ("idea_list", act.IdeaList(view="new", page=2).payload) in buttons(first)
    sender.block_action("idea_list", act.IdeaList(view="new", page=2).payload)
    page2 = kiun.wait_responses(1)[0]
    assert "（10件・2/2ページ）" in page2["text"] and "#1 " in blocks_text(page2)
    top = ack(sender.command("/ideas", "人気"))
    assert top.index("#4 ") < top.index("#7 ") < top.index("#10 ")
    assert "（1件" in ack(sender.command("/ideas", "自分", user_id="U3"))
    adopted = ack(sender.command("/ideas", "採用"))
    assert "ステータス「採用」の提案（1件" in adopted and "#2 " in adopted
    assert "経済部の提案（3件" in ack(sender.command("/ideas", "経済部"))
    assert "「電子化」の検索結果（5件" in ack(sender.command("/ideas", "電子化"))
    assert "「窓口 その10」の検索結果（1件" in ack(sender.command("/ideas", "窓口 その10"))
    assert ack(sender.command("/ideas", "99")).startswith(t("idea.error.not_found"))
    assert "該当する提案はまだありません" in ack(sender.command("/ideas", "存在しない言葉"))
