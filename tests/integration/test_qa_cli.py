"""``kiun docs …`` and ``kiun ask`` as the DX office runs them (the real CLI entry point, the test database)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.app.core import Core
from bot.cli import main
from bot.common.paths import content_dir
from bot.features.qa import answer as qa
from tests.fixtures.qa_files import blank_pdf

SAMPLE = str(content_dir() / "docs")


@pytest.fixture
def cli(core: Core, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run ``kiun ARGS…``; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", core.settings.database_url)
    monkeypatch.setenv("KIUN_LOG_LEVEL", "WARNING")

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_add_reports_each_file_and_unreadable_ones_by_name(cli, tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(blank_pdf())
    code, out, err = cli("docs", "add", SAMPLE, str(scan))
    assert code == 1  # something failed; the rest is in
    assert out.count("added") == 5 and "ai-guideline.md (8 passages" in out
    assert f"failed     {scan}: 文字が取り出せません" in err
    assert "[########################] 6/6 scan.pdf" in err  # the progress bar
    assert "kiun: 5 added, 0 updated, 0 unchanged, 1 failed" in err
    code, out, err = cli("docs", "add", SAMPLE)
    assert code == 0 and out.count("unchanged") == 5


def test_list_remove_and_reindex(cli) -> None:
    cli("docs", "add", SAMPLE)
    code, out, _ = cli("docs", "list")
    assert code == 0 and "みなと川市 生成AI利用ガイドライン" in out and "telework-chat-faq.html" in out
    doc_id = next(line.split()[0] for line in out.splitlines() if "ガイドライン" in line)
    assert cli("docs", "remove", doc_id)[1].startswith(f"kiun: removed {doc_id} みなと川市 生成AI利用ガイドライン")
    code, _, err = cli("docs", "remove", doc_id)
    assert code == 1 and f"no document with id {doc_id}" in err
    code, out, _ = cli("docs", "reindex")
    assert code == 0 and out.strip() == "kiun: 28 passages indexed"


def test_search_json_one_query_and_stdin_lines(cli) -> None:
    cli("docs", "add", SAMPLE)
    code, out, _ = cli("docs", "search", "タブレットの貸出", "--limit", "2", "--json")
    [line] = out.splitlines()
    data = json.loads(line)
    assert code == 0 and data["query"] == "タブレットの貸出" and len(data["results"]) == 2
    first = data["results"][0]
    assert set(first) == {"doc", "title", "section", "page", "date", "score", "text"}
    assert first["doc"].endswith("paperless-meetings.md") and first["section"] == "1. 会議の前に > 1.2 端末の準備"
    code, out, _ = cli("docs", "search", "--json", "--limit", "1", stdin="人口\n\nテレワーク\n")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["query"] for d in lines] == ["人口", "テレワーク"] and all(len(d["results"]) == 1 for d in lines)
    code, _, err = cli("docs", "search")
    assert code == 2 and "give a QUERY" in err


def test_ask_json_shape(cli) -> None:
    cli("docs", "add", SAMPLE)
    code, out, _ = cli("ask", "--json", "生成AIの出力はそのまま市民に送ってよいですか")
    data = json.loads(out)
    assert code == 0 and set(data) == {"answered", "text", "citations", "mode"}
    assert data["answered"] is True and data["mode"] == "extractive" and "*" not in data["text"]
    assert set(data["citations"][0]) == {"doc", "title", "section", "page", "date"}
    refused = json.loads(cli("ask", "--json", "ふるさと納税の返礼品はいつ届きますか")[1])
    assert (refused["answered"], refused["mode"], refused["citations"]) == (False, "refused", [])
    blocked = json.loads(cli("ask", "--json", "090-1234-5678 の件")[1])
    assert blocked["mode"] == "blocked"


def test_gaps_lists_refused_staff_questions(cli, core: Core) -> None:
    cli("docs", "add", SAMPLE)
    qa.ask(core, "ふるさと納税の返礼品はいつ届きますか", "U_STAFF", platform="slack")
    cli("ask", "庁舎の駐車場は何台ですか")  # tried from the CLI: not a gap
    code, out, _ = cli("docs", "gaps")
    assert code == 0 and len(out.splitlines()) == 1 and "refused    ふるさと納税の返礼品はいつ届きますか" in out
