"""The DX office's content from chat over the real Bolt app and the Slack stand-in: an admin DMs a lesson, a fact
with its data table, a poll template or synonyms; kiun checks it like ``kiun content check``, previews it with
公開 / 取り消し, and serves the published version."""

from __future__ import annotations

import json
from itertools import count

from sqlalchemy import func, select

from bot.chat.i18n import t
from bot.content.models import ContentLog, ContentUpload, ContentVersion
from bot.content.tree import content_root
from bot.features.lessons.facts import build_facts
from bot.features.lessons.jobs import post_fact
from bot.features.polls.templates import load_templates, templates_dir
from bot.features.qa import synonyms
from tests.conftest import ADMIN
from tests.integration.ideas_helpers import drain
from tests.integration.slack_harness import Kiun

_files = count(1)

CITY_LESSON = """---
id: why-dx-now
title: 千曲市で今DXが必要な理由
tags: [人口減少]
level: 1
minutes: 3
quiz:
  question: 市の人口は2035年ごろまでにどれくらい減る見込みでしょう。
  choices: [約5%, 約17%, 約40%]
  answer: 約17%
  explanation: 市の人口ビジョンの見込みです。
sources:
  - name: 市 人口ビジョン (2025)
---
市の窓口で、いま起きていることから考えます。
"""

TABLE = """# source: 市 住民基本台帳 (各年10月1日)
# note: 総人口（人）
year,total
2015,62068
2020,59796
2025,57512
"""

FACT = """id: city-population
text: 市の人口は、2015年の62,068人から2025年には57,512人に減りました。
value: 約7
unit: "%減"
source:
  name: 市 住民基本台帳
chart:
  type: line
  title: 市の総人口（人）
  data: city_population.csv
  x: year
  series:
    総人口: total
"""


def share(kiun: Kiun, sender, name: str, data: bytes, user: str = ADMIN, text: str = "", event_id: str | None = None):
    path = f"/files-pri/T1-F{next(_files)}/{name}"
    kiun.slack_api.files[path] = data
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": f"D{user}",
        "user": user,
        "text": text,
        "files": [{"name": name, "size": len(data), "url_private_download": f"{kiun.slack_api.base_url}{path}"}],
    }
    assert sender.event(event, event_id=event_id).status == 200


def posts(kiun: Kiun, n: int) -> list[dict]:
    return [call.params for call in kiun.slack_api.wait_for("chat.postMessage", n)]


def body(payload: dict) -> str:
    blocks = payload.get("blocks", [])
    return payload["text"] + (blocks if isinstance(blocks, str) else json.dumps(blocks, ensure_ascii=False))


def press(sender, post: dict, label: str, user: str = ADMIN):
    blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
    [button] = [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == label]
    return sender.block_action(button["action_id"], button["value"], user_id=user, channel_id=f"D{user}")


def versions(kiun: Kiun) -> list[tuple[str, str, int, str]]:
    with kiun.core.sessions() as session:
        rows = session.scalars(select(ContentVersion).order_by(ContentVersion.id)).all()
        return [(row.kind, row.key, row.number, row.state) for row in rows]


def actions(kiun: Kiun) -> list[str]:
    with kiun.core.sessions() as session:
        return list(session.scalars(select(ContentLog.action).order_by(ContentLog.id)))


def test_a_lesson_is_previewed_published_and_served_in_place_of_the_bundled_one(kiun, sender):
    share(kiun, sender, "lesson.md", CITY_LESSON.encode())
    [preview] = posts(kiun, 1)
    text = body(preview)
    assert preview["channel"] == f"D{ADMIN}"
    assert "プレビュー" in text and "千曲市で今DXが必要な理由" in text and "第1版" in text
    assert t("content.preview.replaces_bundled") in text and "**正解**" not in text and "約17%" in text
    assert versions(kiun) == [("lesson", "why-dx-now", 1, "draft")]
    before = sender.command("/kiun", "lesson why-dx-now").json()
    assert "千曲市で今DXが必要な理由" not in body(before)  # a draft is not served

    assert press(sender, preview, t("content.button.publish")).status == 200
    [answer] = kiun.wait_responses(1)
    assert answer["text"] == t("content.published", kind="レッスン", key="why-dx-now", number=1)
    after = sender.command("/kiun", "lesson why-dx-now").json()
    assert "千曲市で今DXが必要な理由" in body(after)
    press(sender, preview, t("content.button.publish"))  # pressed again: published once
    assert kiun.wait_responses(2)[1]["text"].startswith("レッスン「why-dx-now」の第1版は、すでに公開済み")
    assert actions(kiun) == ["upload", "publish"]


def test_a_data_table_then_its_fact_are_previewed_with_the_chart_and_served(kiun, sender):
    share(kiun, sender, "city_population.csv", TABLE.encode("cp932"), text="データ")  # as Excel saves it
    [table_preview] = posts(kiun, 1)
    assert "総人口（人）" in body(table_preview) and t("content.preview.table_unused") in body(table_preview)
    press(sender, table_preview, t("content.button.publish"))
    kiun.wait_responses(1)

    share(kiun, sender, "population.yml", FACT.encode())
    fact_preview = posts(kiun, 2)[1]
    assert "57,512人" in body(fact_preview) and t("content.preview.new") in body(fact_preview)
    [chart] = kiun.slack_api.wait_for("files.completeUploadExternal")
    assert chart.params["channel_id"] == f"D{ADMIN}"
    press(sender, fact_preview, t("content.button.publish"))
    kiun.wait_responses(2)
    fact = build_facts(content_root(kiun.core.engine)).get("city-population")
    assert fact is not None and fact.chart.series == {"総人口": (62068.0, 59796.0, 57512.0)}
    assert fact.chart.source == "市 住民基本台帳 (各年10月1日)"


CITY_PROJECTION = """# 出典：千曲市 人口ビジョン（2025年改訂）,,
# url: https://www.city.chikuma.lg.jp/,,
"# 説明：2020年を100とした指数（市の独自推計、各年10月1日）",,
,,
year,total_index,working_age_index
2020,100,100
2025,96.0,93.1
2030,91.8,86.0
2035,87.5,79.4
"""


def test_the_citys_own_population_table_works_out_the_bundled_facts_and_ends_the_illustrative_warning(kiun, sender):
    overview = body(sender.command("/kiun", "admin content", user_id=ADMIN).json())
    assert "`population_projection.csv` は例示データです" in overview
    # as Excel saves it (Shift_JIS; the notes typed in cells A1-A3)
    share(kiun, sender, "population_projection.csv", CITY_PROJECTION.encode("cp932"), text="データ")
    [preview] = posts(kiun, 1)
    shown = body(preview)  # the first fact drawn from it, as it will look: the city's numbers, worked out
    assert "2035年ごろまでに、市の人口は約13%減ると見込まれています" in shown and "8.8人" in shown
    assert "千曲市 人口ビジョン（2025年改訂）" in shown and "例示データ" not in shown
    press(sender, preview, t("content.button.publish"))
    kiun.wait_responses(1)

    post_fact(kiun.core, kiun.core.local_now(), {})
    assert drain(kiun.core) == 1
    post = next(p for p in posts(kiun, 2) if p["channel"] == "C_LESSONS")
    assert "約13%減" in body(post) and "<https://www.city.chikuma.lg.jp/|千曲市 人口ビジョン（2025年改訂）>" in body(
        post
    )
    uploads = kiun.slack_api.wait_for("files.completeUploadExternal", 2)
    [chart] = [json.loads(c.params["files"])[0] for c in uploads if c.params["channel_id"] == "C_LESSONS"]
    assert chart["title"].endswith("（出典: 千曲市 人口ビジョン（2025年改訂））")
    working = build_facts(content_root(kiun.core.engine)).get("working-age-2035")
    assert working is not None and working.figure() == "約21%減（2035年）" and not working.illustrative
    overview = body(sender.command("/kiun", "admin content", user_id=ADMIN).json())
    assert "例示データ" not in overview


def test_an_invalid_file_of_each_kind_is_refused_with_file_and_line_and_nothing_stored(kiun, sender):
    broken = {
        "lesson.md": CITY_LESSON.replace("answer: 約17%", "answer: 2").encode(),
        "population.yml": FACT.replace("data: city_population.csv", "data: missing.csv").encode(),
        "table.csv": b"# source: x\nyear,total\n2020,1\n",
        "population_projection.csv": b"# source: x\nyear,total_index,working_age_index\n2020,100,100\n",
        "survey.yml": "title: 調査\nquestions:\n  - id: q1\n    type: stars\n    text: どうですか\n".encode(),
        "synonyms.yml": "groups:\n  - [テレワーク, 在宅勤務]\n  - [在宅勤務, 自宅]\n".encode(),
    }
    for name, data in broken.items():
        share(kiun, sender, name, data)
    replies = {post["text"].split(":")[0]: body(post) for post in posts(kiun, len(broken))}  # in any order
    assert set(replies) == set(broken)
    assert "lesson.md:10: 'answer' が選択肢のどれとも一致しません" in replies["lesson.md"]  # in Japanese
    assert "保存していません" in replies["lesson.md"]
    assert "population.yml:" in replies["population.yml"] and "missing.csv" in replies["population.yml"]
    assert "table.csv:1:" in replies["table.csv"]
    bundled = replies["population_projection.csv"]  # the bundled facts draw from it: their problems count too
    assert "facts/01-population-2035.yml:" in bundled and "population_projection.csv:1:" in bundled
    assert "/tmp" not in bundled and "kiun-check" not in bundled
    assert "survey.yml:4:" in replies["survey.yml"] and "stars" in replies["survey.yml"]
    assert "synonyms.yml:" in replies["synonyms.yml"] and "在宅勤務" in replies["synonyms.yml"]
    assert versions(kiun) == [] and actions(kiun) == ["refuse"] * len(broken)
    with kiun.core.sessions() as session:
        assert session.scalar(select(func.count(ContentUpload.id))) == 0


def test_staff_uploads_oversize_files_and_wrong_formats_get_a_clear_answer(kiun, sender):
    share(kiun, sender, "lesson.md", CITY_LESSON.encode(), user="U_STAFF")
    share(kiun, sender, "big.csv", b"year,total\n" + b"2020,1\n" * 200_000)
    share(kiun, sender, "plan.pdf", b"%PDF-1.4", text="レッスン")
    share(kiun, sender, "photo.png", b"\x89PNG")
    share(kiun, sender, "binary.md", b"---\x00\x01\x02", text="レッスン")
    texts = sorted(post["text"] for post in posts(kiun, 5))
    assert texts[0].startswith("big.csv: ファイルが大きすぎます（1.3 MB）。データ表のファイルは 1 MB まで")
    assert texts[2].startswith("photo.png: この形式のファイルは受け付けていません")
    assert texts[3].startswith("plan.pdf: レッスンのファイルは .md の形式です")
    assert texts[1].startswith("binary.md: 文字コードを読み取れませんでした")
    assert texts[4] == t("content.upload.admin_only")
    assert versions(kiun) == []
    with kiun.core.sessions() as session:
        assert session.scalar(select(func.count(ContentUpload.id))) == 0


def test_kiun_asks_what_an_unclear_file_is_and_takes_the_answer(kiun, sender):
    share(kiun, sender, "notes.md", "# 公用車の予約\n前日までに予約します。".encode(), text="これ お願いします")
    [document] = posts(kiun, 1)
    assert t("content.upload.unknown_word", word="これ") in body(document)  # a Markdown file without front matter
    assert t("docs.upload.accepted", name="notes.md") in body(document)
    share(kiun, sender, "memo.yml", "title: 窓口の調査\n".encode())
    asked = posts(kiun, 2)[1]
    assert asked["text"] == t("content.upload.ask", name="memo.yml")
    press(sender, asked, "アンケート")
    refused = posts(kiun, 3)[2]["text"]
    assert refused.startswith("memo.yml: 問題が") and "questions" in body(posts(kiun, 3)[2])
    press(sender, asked, "アンケート")  # the upload was handled: a second press finds nothing
    assert kiun.wait_responses(1)[0]["text"] == t("content.upload.gone")


def test_a_poll_template_and_the_synonyms_are_previewed_then_published_or_discarded(kiun, sender):
    poll = (
        "title: 窓口アンケート\nintro: 窓口のデジタル化について伺います。\nanonymous: true\nquestions:\n"
        "  - id: useful\n    type: likert5\n    text: オンライン申請は役に立っていると思う\n"
    )
    share(kiun, sender, "madoguchi.yml", poll.encode(), text="アンケート")
    [poll_preview] = posts(kiun, 1)
    assert "窓口アンケート" in body(poll_preview) and "オンライン申請は役に立っている" in body(poll_preview)
    press(sender, poll_preview, t("content.button.publish"))
    kiun.wait_responses(1)
    assert "madoguchi" in load_templates(templates_dir(content_root(kiun.core.engine)))

    words = "groups:\n  - [テレワーク, 在宅勤務, リモートワーク]\n  - [押印, ハンコ, はんこ]\n"
    share(kiun, sender, "synonyms.yml", words.encode())
    synonyms_preview = posts(kiun, 2)[1]
    assert "2グループ" in body(synonyms_preview)
    press(sender, synonyms_preview, t("content.button.discard"))
    assert kiun.wait_responses(2)[1]["text"] == t("content.discarded", kind="同義語", key="synonyms", number=1)
    served = synonyms.groups(synonyms.synonyms_path(content_root(kiun.core.engine)))
    assert len(served) > 2  # the bundled list is still served
    assert versions(kiun) == [("poll", "madoguchi", 1, "published"), ("synonyms", "synonyms", 1, "discarded")]


def test_a_retried_delivery_previews_once_and_staff_cannot_publish(kiun, sender):
    share(kiun, sender, "lesson.md", CITY_LESSON.encode(), event_id="Ev1")
    share(kiun, sender, "lesson.md", CITY_LESSON.encode(), event_id="Ev1")
    [preview] = posts(kiun, 1)
    press(sender, preview, t("content.button.publish"), user="U_STAFF")
    assert kiun.wait_responses(1)[0]["text"] == t("error.not_admin")
    assert versions(kiun) == [("lesson", "why-dx-now", 1, "draft")]
