"""``kiun content export|import|log`` as the DX office runs them (the real CLI entry point, the test database)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import delete

from bot.app.core import Core
from bot.cli import main
from bot.content import store
from bot.content.models import ContentLog, ContentVersion
from bot.db.session import transaction
from bot.features.lessons.catalogue import catalogue
from bot.features.lessons.facts import build_facts
from tests.conftest import ADMIN
from tests.content_fixtures import FACT, LESSON, TABLE, content_fixture  # noqa: F401 - the content fixture

CITY_SECOND = LESSON.format(id="second", title="市のレッスン")
CITY_ONLY = LESSON.format(id="city", title="市だけのレッスン")
CURRICULUM = "order:\n  - first\n  - second\n  - third\n  - city\n"
CITY_FACT = FACT.format(id="city-fact", text="市の人口のデータです。").replace("projection.csv", "city.csv")
CITY_TABLE = TABLE.replace("テスト出典", "市の住民基本台帳").replace("83", "85")


@pytest.fixture
def cli(core: Core, content: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``kiun ARGS…``; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", core.settings.database_url)
    monkeypatch.setenv("KIUN_LOG_LEVEL", "WARNING")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def publish_city_content(core: Core) -> dict[tuple[str, str], str]:
    bodies = {
        ("lesson", "second"): CITY_SECOND,
        ("lesson", "city"): CITY_ONLY,
        ("curriculum", "curriculum"): CURRICULUM,
        ("fact", "city-fact"): CITY_FACT,
        ("data", "city.csv"): CITY_TABLE,
    }
    with transaction(core.sessions) as session:
        for (kind, key), body in bodies.items():
            name = {"lesson": f"{key}.md", "fact": f"{key}.yml"}.get(kind, key)
            store.add_version(session, kind, key, name, body, ADMIN, state=store.PUBLISHED)
    return bodies


def served_bodies(core: Core) -> dict[tuple[str, str], str | None]:
    with core.sessions() as session:
        return {key: version.body for key, version in store.served(session).items()}


def forget_content(core: Core) -> None:
    """As on a new installation: no versions, no audit log."""
    with transaction(core.sessions) as session:
        session.execute(delete(ContentVersion))
        session.execute(delete(ContentLog))


def files_in(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in root.rglob("*") if p.is_file()}


def test_export_then_import_round_trips(cli, core: Core, tmp_path: Path) -> None:
    bodies = publish_city_content(core)
    code, out, _ = cli("content", "export", str(tmp_path / "backup"))
    assert code == 0
    assert (
        "wrote lessons/02-second.md  (lesson second, v1)" in out and "wrote data/city.csv  (data city.csv, v1)" in out
    )
    assert "kiun: wrote 5 file(s), 5 of them the city's own" in out
    exported = files_in(tmp_path / "backup")
    assert exported == {
        "lessons/02-second.md": CITY_SECOND,
        "lessons/city.md": CITY_ONLY,
        "lessons/curriculum.yml": CURRICULUM,
        "facts/city-fact.yml": CITY_FACT,
        "data/city.csv": CITY_TABLE,
    }

    forget_content(core)
    code, out, _ = cli("content", "import", str(tmp_path / "backup"), "--user", "yamada")
    assert code == 0, out
    assert "imported   lessons/02-second.md  (lesson second, v1)" in out and "kiun: 5 imported, 0 unchanged" in out
    assert served_bodies(core) == bodies
    with core.sessions() as session:
        log = [(e.user_id, e.action, e.kind, e.key, e.detail) for e in store.log_entries(session)]
    assert ("cli:yamada", "import", "data", "city.csv", "data/city.csv") in log and len(log) == 5
    assert {entry[1] for entry in log} == {"import"}

    assert cli("content", "export", str(tmp_path / "again"))[0] == 0
    assert files_in(tmp_path / "again") == exported
    code, out, _ = cli("content", "import", str(tmp_path / "backup"))
    assert code == 0 and "kiun: 0 imported, 5 unchanged" in out
    assert "unchanged  facts/city-fact.yml  (same as the served file)" in out


def test_export_all_is_a_clean_content_folder_and_a_non_empty_folder_needs_force(
    cli, core: Core, content: Path, tmp_path: Path
) -> None:
    publish_city_content(core)
    target = tmp_path / "tree"
    target.mkdir()
    (target / "notes.txt").write_text("keep", encoding="utf-8")
    code, _, err = cli("content", "export", str(target), "--all")
    assert code == 1 and f"kiun: {target} is not empty; give an empty or new folder, or --force" in err
    code, out, _ = cli("content", "export", str(target), "--all", "--force")
    assert (
        code == 0
        and "wrote lessons/01-first.md  (bundled)" in out
        and "wrote lessons/city.md  (lesson city, v1)" in out
    )
    assert cli("content", "check", "--dir", str(target))[0] == 0
    assert [lesson.title for lesson in catalogue(target).lessons] == [
        "レッスン1",
        "市のレッスン",
        "レッスン3",
        "市だけのレッスン",
    ]
    assert [fact.id for fact in build_facts(target).facts] == ["fact-one", "fact-two", "city-fact"]
    code, _, err = cli("content", "export", str(target / "notes.txt"))
    assert code == 1 and "is not a folder" in err


def test_export_with_nothing_of_the_citys_own_writes_nothing(cli, tmp_path: Path) -> None:
    code, out, _ = cli("content", "export", str(tmp_path / "empty"))
    assert code == 0 and "the city has no content of its own yet; nothing written" in out
    assert list((tmp_path / "empty").iterdir()) == []


def test_import_reports_every_problem_and_stores_nothing(cli, core: Core, tmp_path: Path) -> None:
    folder = tmp_path / "city"
    (folder / "lessons").mkdir(parents=True)
    (folder / "facts").mkdir()
    (folder / "data").mkdir()
    (folder / "lessons" / "02-second.md").write_text(CITY_SECOND.replace("answer: 選択肢B", "answer: 2"), "utf-8")
    (folder / "facts" / "fine.yml").write_text(FACT.format(id="fine", text="正しいデータです。"), "utf-8")
    (folder / "data" / "projection.csv").write_text("# source: 市\n# note: 指数\nyear,other\n2020,100\n", "utf-8")
    (folder / "facts" / "bad.yml").write_bytes(b"id: bad\ntext: \xff\n")
    code, out, err = cli("content", "import", str(folder))
    assert code == 1 and "nothing imported" in err
    assert f"{folder}/lessons/02-second.md:" in out and "not one of the choices" in out
    assert f"{folder}/facts/bad.yml:2: not UTF-8 text" in out
    assert "facts/01-fact-one.yml:" in out  # a bundled fact the new table breaks
    assert served_bodies(core) == {}
    with core.sessions() as session:
        assert store.log_entries(session) == []


def test_import_skips_the_bundled_text_ignores_other_files_and_refuses_two_files_of_one_item(
    cli, core: Core, content: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "city"
    (folder / "lessons").mkdir(parents=True)
    shutil.copy(content / "lessons" / "01-first.md", folder / "lessons" / "01-first.md")
    (folder / "README.md").write_text("notes", encoding="utf-8")
    (folder / "lessons" / "second.md").write_text(CITY_SECOND, encoding="utf-8")
    code, out, _ = cli("content", "import", str(folder))
    assert code == 0
    assert "unchanged  lessons/01-first.md  (same as the bundled file)" in out
    assert "kiun: 1 imported, 1 unchanged, 1 other file(s) ignored" in out
    (folder / "lessons" / "other.md").write_text(CITY_SECOND.replace("本文", "別の本文"), encoding="utf-8")
    (folder / "lessons" / "second.md").write_text(CITY_SECOND.replace("本文", "新しい本文"), encoding="utf-8")
    code, out, _ = cli("content", "import", str(folder))
    assert code == 1 and f"{folder}/lessons/second.md:1: lesson 'second' is also in lessons/other.md" in out


def test_import_needs_a_folder_with_content_files(cli, tmp_path: Path) -> None:
    code, _, err = cli("content", "import", str(tmp_path / "missing"))
    assert code == 1 and "kiun: folder not found" in err
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "memo.txt").write_text("x", encoding="utf-8")
    code, _, err = cli("content", "import", str(tmp_path / "other"))
    assert code == 1 and "kiun: no content files in" in err and "lessons/*.md" in err


@freeze_time("2026-05-01T01:00:00Z")  # 10:00 in Tokyo
def test_log_prints_the_audit_log_in_local_time_and_as_json(cli, core: Core) -> None:
    assert cli("content", "log")[1].strip() == "kiun: the audit log is empty"
    with transaction(core.sessions) as session:
        draft = store.add_version(session, "lesson", "second", "a.md", CITY_SECOND, ADMIN)
        store.publish(session, draft, ADMIN)
        store.revert(session, "lesson", "second", ADMIN, None)
    code, out, _ = cli("content", "log")
    assert code == 0
    assert out.splitlines() == [
        "2026-05-01 10:00:00  U_ADMIN          revert   lesson     second  v2  bundled",
        "2026-05-01 10:00:00  U_ADMIN          publish  lesson     second  v1  ",
    ]
    code, out, _ = cli("content", "log", "--limit", "1", "--json")
    assert [json.loads(line) for line in out.splitlines()] == [
        {
            "at": "2026-05-01T10:00:00+09:00",
            "user": ADMIN,
            "action": "revert",
            "kind": "lesson",
            "key": "second",
            "version": 2,
            "detail": "bundled",
        }
    ]


def test_log_limit_must_be_a_positive_number(cli, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["content", "log", "--limit", "0"])
    assert exit.value.code == 2 and "not a number from 1 to 100000: '0'" in capsys.readouterr().err
