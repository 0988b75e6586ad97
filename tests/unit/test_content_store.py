"""The city's content versions: the served tree, placement over the bundled files, checks of new versions."""

from __future__ import annotations

from pathlib import Path

from bot.app.core import Core
from bot.content import store, tree
from bot.content.models import ContentVersion
from bot.db.session import transaction
from bot.features.content.checks import check_new
from bot.features.lessons.catalogue import catalogue
from bot.features.lessons.facts import build_facts
from tests.content_fixtures import FACT, LESSON, content_fixture  # noqa: F401 - the content fixture

CITY_LESSON = LESSON.format(id="second", title="市のレッスン")


def publish(core: Core, kind: str, key: str, filename: str, body: str | None) -> ContentVersion:
    with transaction(core.sessions) as session:
        return store.add_version(session, kind, key, filename, body, "U_ADMIN", state=store.PUBLISHED)


def test_nothing_published_serves_the_bundled_folder(core: Core, content: Path) -> None:
    assert tree.content_root(core.engine) == content


def test_a_city_lesson_takes_the_place_of_the_bundled_one_with_its_id(core: Core, content: Path) -> None:
    publish(core, "lesson", "second", "my-lesson.md", CITY_LESSON)
    root = tree.content_root(core.engine)
    assert root != content and (root / "lessons" / "02-second.md").read_text(encoding="utf-8") == CITY_LESSON
    assert [lesson.title for lesson in catalogue(root).lessons] == ["レッスン1", "市のレッスン", "レッスン3"]
    assert tree.content_root(core.engine) == root  # built once per change
    assert (content / "lessons" / "02-second.md").read_text(encoding="utf-8") != CITY_LESSON  # bundled untouched


def test_a_new_fact_is_added_and_a_revert_brings_back_the_bundled_file(core: Core, content: Path) -> None:
    fact = FACT.format(id="city-fact", text="市のデータです。")
    publish(core, "fact", "city-fact", "../../etc/city fact.yml", fact)
    assert [f.id for f in build_facts(tree.content_root(core.engine)).facts] == ["fact-one", "fact-two", "city-fact"]
    with transaction(core.sessions) as session:
        store.revert(session, "fact", "city-fact", "U_ADMIN", None)
    assert [f.id for f in build_facts(tree.content_root(core.engine)).facts] == ["fact-one", "fact-two"]
    with core.sessions() as session:
        versions = store.history(session, "fact", "city-fact")
        assert [(v.number, v.body is None, v.note) for v in versions] == [(2, True, "bundled"), (1, False, "")]
        assert [entry.action for entry in store.log_entries(session)] == ["revert"]


def test_a_draft_is_not_served_until_published(core: Core, content: Path) -> None:
    with transaction(core.sessions) as session:
        draft = store.add_version(session, "lesson", "second", "a.md", CITY_LESSON, "U_ADMIN")
    assert tree.content_root(core.engine) == content
    with transaction(core.sessions) as session:
        version = session.get(ContentVersion, draft.id)
        store.publish(session, version, "U_ADMIN")
        store.publish(session, version, "U_ADMIN")  # twice: once
    assert catalogue(tree.content_root(core.engine)).get("second").title == "市のレッスン"
    with core.sessions() as session:
        assert [entry.action for entry in store.log_entries(session)] == ["publish"]


def test_check_new_reports_what_the_new_version_breaks_under_its_own_name(core: Core, content: Path) -> None:
    broken = CITY_LESSON.replace("answer: 選択肢B", "answer: 2")
    with core.sessions() as session:
        checked = check_new(session, [tree.Item("lesson", "second", "市のレッスン.md", broken)])
        [problem] = checked.problems
        assert problem.file == Path("市のレッスン.md") and "not one of the choices" in problem.message
        # a data table that the facts no longer can draw from is refused too, named relative to the folder
        table = "# source: 市\n# note: 指数\nyear,other\n2020,100\n"
        problems = check_new(session, [tree.Item("data", "projection.csv", "projection.csv", table)]).problems
        assert {p.file for p in problems} == {Path("facts/01-fact-one.yml"), Path("facts/02-fact-two.yml")}
        assert check_new(session, [tree.Item("lesson", "second", "ok.md", CITY_LESSON)]).problems == []
