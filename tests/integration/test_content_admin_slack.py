"""``/kiun admin content`` over the real Bolt app and the Slack stand-in: what is the city's own, an item's history,
and reverting to an earlier version, to the bundled file, or withdrawing (each changing what is served)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.app.core import Core
from bot.chat.i18n import t
from bot.content import store
from bot.content.models import ContentLog
from bot.db.session import transaction
from bot.features.content.admin import ContentRevert
from bot.platforms.slack.blocks import MAX_MESSAGE_BLOCKS
from tests.conftest import ADMIN
from tests.content_fixtures import LESSON, TABLE, content_fixture  # noqa: F401 - the content fixture

CITY_A = LESSON.format(id="second", title="市のレッスンA")
CITY_B = LESSON.format(id="second", title="市のレッスンB")
ILLUSTRATIVE = "# source: 例\n# note: 例示の指数\n# illustrative: yes\nyear,total\n2020,100\n2035,83\n"


def add(
    core: Core, kind: str, key: str, body: str | None, state: str = store.PUBLISHED, name: str = "", by: str = ADMIN
) -> None:
    with transaction(core.sessions) as session:
        version = store.add_version(session, kind, key, name or f"{key}.md", body, by, state=store.DRAFT)
        if state == store.PUBLISHED:
            store.publish(session, version, by)
        elif state == store.DISCARDED:
            store.discard(session, version, ADMIN)


def text_of(body: dict[str, Any]) -> str:
    return body["text"] + json.dumps(body.get("blocks", []), ensure_ascii=False)


def buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for block in body.get("blocks", []) if block["type"] == "actions" for e in block["elements"]]


def button(body: dict[str, Any], label: str) -> dict[str, Any]:
    return next(e for e in buttons(body) if e["text"]["text"] == label)


def served_title(sender, lesson_id: str) -> str:
    return text_of(sender.command("/kiun", f"lesson {lesson_id}").json())


def press(kiun, sender, element: dict[str, Any], user_id: str = ADMIN) -> dict[str, Any]:
    count = len(kiun.responses())
    assert sender.block_action(element["action_id"], element["value"], user_id=user_id).status == 200
    return kiun.wait_responses(count + 1)[count]


def test_overview_says_what_is_the_citys_own_and_which_tables_are_illustrative(content: Path, kiun, sender) -> None:
    (content / "data" / "example.csv").write_text(ILLUSTRATIVE, encoding="utf-8")
    add(kiun.core, "lesson", "second", CITY_A)
    add(kiun.core, "poll", "city-poll", "id: city-poll\n", by="cli:yamada")  # imported with kiun content import
    body = sender.command("/kiun", "admin content", user_id=ADMIN).json()
    text = text_of(body)
    assert "*レッスン* — 市の版 1件・同梱 3件" in text and "`second` — 市の版 v1（<@U_ADMIN>、" in text
    assert "`city-poll` — 市の版 v1（yamada（CLI）、" in text
    assert "*データ表* — 市の版 0件・同梱 2件" in text
    assert "`example.csv` は例示データです。市の数字に差し替えてください" in text
    assert "projection.csv` は例示" not in text
    assert button(body, "second の履歴")["value"] == '{"kind":"lesson","key":"second"}'
    tables = text_of(press(kiun, sender, button(body, "データ表の一覧")))
    assert "`example.csv` — 同梱の内容" in tables and "`example.csv` は例示データです" in tables
    # the city's own table replaces the illustrative one: the line goes
    add(kiun.core, "data", "example.csv", ILLUSTRATIVE.replace("# illustrative: yes\n", ""), name="example.csv")
    history = text_of(sender.command("/kiun", "admin content データ表 example.csv", user_id=ADMIN).json())
    assert "いま配信中: 市の版 v1" in history and "例示データ" not in history
    assert len(body["blocks"]) < MAX_MESSAGE_BLOCKS and "表示しきれません" not in text


def test_non_admins_are_refused_typed_and_by_button(content: Path, kiun, sender) -> None:
    add(kiun.core, "lesson", "second", CITY_A)
    typed = sender.command("/kiun", "admin content レッスン second").json()
    assert typed["text"] == t("error.not_admin")
    pressed = ContentRevert(kind="lesson", key="second", to=0).button("x").model_dump()
    answer = press(kiun, sender, {"action_id": pressed["action_id"], "value": pressed["value"]}, user_id="U_STAFF")
    assert answer["text"] == t("error.not_admin")
    assert "市のレッスンA" in served_title(sender, "second")
    with kiun.core.sessions() as session:
        assert len(store.history(session, "lesson", "second")) == 1


def test_revert_to_an_earlier_version_then_to_bundled_changes_the_lesson_served(content: Path, kiun, sender) -> None:
    add(kiun.core, "lesson", "second", CITY_A)
    add(kiun.core, "lesson", "second", CITY_B)
    assert "市のレッスンB" in served_title(sender, "second")
    history = sender.command("/kiun", "admin content レッスン second", user_id=ADMIN).json()
    text = text_of(history)
    assert "いま配信中: 市の版 v2" in text and "v2 配信中 — <@U_ADMIN>" in text and "v1 公開 — <@U_ADMIN>" in text
    assert [e["text"]["text"] for e in buttons(history)] == ["この版に戻す", "同梱の内容に戻す"]

    answer = press(kiun, sender, button(history, "この版に戻す"))
    assert "レッスン `second` を v1 の内容に戻しました（新しい版 v3）。いま配信中: 市の版 v3" in text_of(answer)
    assert "v3 配信中 — <@U_ADMIN>" in text_of(answer) and "v1 に戻しました" in text_of(answer)
    assert "市のレッスンA" in served_title(sender, "second")

    answer = press(kiun, sender, button(answer, "同梱の内容に戻す"))
    assert "レッスン `second` を同梱の内容に戻しました（v4）。いま配信中: 同梱の内容（v4 で戻しました" in text_of(
        answer
    )
    served = served_title(sender, "second")
    assert "レッスン2" in served and "市のレッスン" not in served
    with kiun.core.sessions() as session:
        log = [(e.action, e.version, e.detail) for e in session.scalars(select(ContentLog).order_by(ContentLog.id))]
    assert log[-2:] == [("revert", 3, "v1"), ("revert", 4, "bundled")]

    to_bundled = ContentRevert(kind="lesson", key="second", to=0)
    again = press(kiun, sender, {"action_id": to_bundled.name, "value": to_bundled.payload})
    assert "その内容はすでに配信中です" in again["text"]


def test_a_version_that_no_longer_fits_is_refused_with_its_problems(content: Path, kiun, sender) -> None:
    broken = "# source: 市\n# note: 指数\nyear,other\n2020,100\n"
    add(kiun.core, "data", "projection.csv", broken, state=store.DISCARDED, name="projection.csv")
    add(kiun.core, "data", "projection.csv", TABLE.replace("83", "80"), name="projection.csv")
    history = sender.command("/kiun", "admin content データ表 projection.csv", user_id=ADMIN).json()
    assert "v1 取り消し" in text_of(history) and "v2 配信中" in text_of(history)
    answer = press(kiun, sender, button(history, "この版に戻す"))
    text = answer["text"]
    assert text.startswith("データ表 `projection.csv` を v1 に戻せません。いまの他のコンテンツと合わない点があります")
    assert "facts/01-fact-one.yml" in text and "facts/02-fact-two.yml" in text
    with kiun.core.sessions() as session:
        assert store.served(session)[("data", "projection.csv")].number == 2
        assert store.log_entries(session, 1)[0].action == "refuse"


def test_the_citys_own_lesson_is_withdrawn(content: Path, kiun, sender) -> None:
    add(kiun.core, "lesson", "city", LESSON.format(id="city", title="市だけのレッスン"))
    assert "市だけのレッスン" in served_title(sender, "city")
    history = sender.command("/kiun", "admin content lesson city", user_id=ADMIN).json()
    assert [e["text"]["text"] for e in buttons(history)] == ["取り下げる"]
    answer = press(kiun, sender, button(history, "取り下げる"))
    assert "レッスン `city` を取り下げました（v2）。いまは配信していません。" in text_of(answer)
    assert "取り下げ済み" in text_of(answer)
    assert "市だけのレッスン" not in served_title(sender, "city")
    after = sender.command("/kiun", "admin content lesson city", user_id=ADMIN).json()
    assert [e["text"]["text"] for e in buttons(after)] == ["この版に戻す"]  # only going back to v1 is left


def test_unknown_kind_key_word_and_version_get_polite_answers(content: Path, kiun, sender) -> None:
    def ask(text: str) -> str:
        return sender.command("/kiun", f"admin content {text}", user_id=ADMIN).json()["text"]

    assert ask("ニュース") == (
        "「ニュース」という種類はありません。使える種類: `レッスン`、`データ`、`データ表`、`アンケート`、`同義語`、"
        "`カリキュラム`（例: `/kiun admin content レッスン`）"
    )
    assert ask("レッスン nope") == "レッスン「nope」は見つかりませんでした。あるもの: `first`、`second`、`third`"
    assert ask("レッスン second more") == "「more」は分かりませんでした。使い方: `/kiun admin content [種類] [ID]`"
    assert ask("同義語 other").startswith("同義語「other」は見つかりませんでした")
    stale = ContentRevert(kind="lesson", key="second", to=7)
    answer = press(kiun, sender, {"action_id": stale.name, "value": stale.payload})
    assert answer["text"].startswith("レッスン `second` には戻せる v7 がありません")
    bad = press(kiun, sender, {"action_id": "content_revert", "value": '{"kind":"news","key":"x","to":0}'})
    assert bad["text"] == t("error.unknown_action")


def test_a_long_list_is_paged(content: Path, kiun, sender) -> None:
    for number in range(20):
        add(kiun.core, "lesson", f"city-{number:02d}", LESSON.format(id=f"city-{number:02d}", title="市"))
    first = sender.command("/kiun", "admin content レッスン", user_id=ADMIN).json()
    assert "*レッスン*（1/2ページ・全 23件）" in text_of(first) and "city-11" in text_of(first)
    assert "city-12" not in text_of(first)
    second = press(kiun, sender, button(first, "次へ"))
    assert "（2/2ページ・全 23件）" in text_of(second) and "city-19" in text_of(second)
    assert [e["text"]["text"] for e in buttons(second)][-1] == "前へ"
    overview = sender.command("/kiun", "admin content", user_id=ADMIN).json()
    assert "ほか 15件 — `/kiun admin content レッスン` で一覧を表示します" in text_of(overview)
    assert len(overview["blocks"]) < MAX_MESSAGE_BLOCKS
