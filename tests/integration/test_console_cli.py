"""The installed ``kiun`` command as a person runs it: scripted console, help, and configuration errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

KIUN = str(Path(sys.executable).with_name("kiun"))
SETTINGS_PREFIXES = ("SLACK_", "TEAMS_", "KIUN_", "OPENAI_", "DATABASE_URL")


def run_kiun(args: list[str], cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``kiun`` in ``cwd`` (no .env there) with only the given settings in its environment."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(SETTINGS_PREFIXES)}
    clean.update(env)
    return subprocess.run(
        [KIUN, *args], input=stdin, capture_output=True, text=True, cwd=cwd, env=clean, timeout=120, check=False
    )


def test_scripted_console_answers_help_in_japanese(tmp_path: Path) -> None:
    database = tmp_path / "console.db"
    result = run_kiun(["console"], tmp_path, "/kiun help\n", DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode == 0, result.stderr
    assert "kiun（機運）の使い方" in result.stdout
    assert "/idea 提案" in result.stdout
    assert "Traceback" not in result.stderr
    assert database.exists()


def test_console_uses_the_embedded_default_database(tmp_path: Path) -> None:
    result = run_kiun(["console", "--user", "U_X", "--admin"], tmp_path, "/kiun admin outbox\n")
    assert result.returncode == 0, result.stderr
    assert "（ユーザー: U_X、管理者）" in result.stdout
    assert "配信待ち 0件" in result.stdout
    assert (tmp_path / "kiun.db").exists()


@pytest.mark.parametrize("args", [["--help"], ["console", "--help"], ["serve", "--help"], ["jobs", "next", "--help"]])
def test_help_exits_zero(tmp_path: Path, args: list[str]) -> None:
    result = run_kiun(args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: kiun" in result.stdout


def test_invalid_locale_stops_with_one_line(tmp_path: Path) -> None:
    result = run_kiun(["console"], tmp_path, "/kiun help\n", KIUN_LOCALE="fr")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "KIUN_LOCALE" in lines[0], result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "kiun.db").exists()


def test_http_serve_without_signing_secret_stops_with_one_line(tmp_path: Path) -> None:
    result = run_kiun(["serve", "--http", "--port", "9"], tmp_path, SLACK_BOT_TOKEN="xoxb-test")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SLACK_SIGNING_SECRET" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_stops_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "kiun.db"
    result = run_kiun(["jobs", "list"], tmp_path, DATABASE_URL=f"sqlite:///{missing}")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DATABASE_URL" in lines[0], result.stderr


def test_settings_come_from_dot_env_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KIUN_LOCALE=en\n", encoding="utf-8")
    result = run_kiun(["console"], tmp_path, "/kiun help\n", DATABASE_URL=f"sqlite:///{tmp_path / 'en.db'}")
    assert result.returncode == 0, result.stderr
    assert "How to use kiun" in result.stdout
