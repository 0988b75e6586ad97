"""One full flow through the real Slack app — help and admin menus, an idea with a thread comment and a vote, a poll
answered with comments, questions answered from a document by the LLM stand-in (and one with personal data) — with
hostile text everywhere a person or a document can put it and distinctive secrets in every setting. Then:

- nothing anyone typed, no document and no LLM output reached Slack as a mention or a link;
- no log record (DEBUG and up, in this process and in a ``kiun serve`` process) and no database row holds a token,
  the signing secret, ``KIUN_SECRET_KEY`` or the OpenAI key; poll comments are only in ``poll_answers``; personal
  data typed into a question is stored and logged only redacted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.core import Core
from bot.app.logs import JsonFormatter
from bot.features.qa import privacy
from bot.features.qa.ingest import add_bytes
from bot.models import Base, PollRun
from bot.platforms.slack.client import make_client
from bot.platforms.slack.directory import SlackDirectory
from tests.conftest import ADMIN, make_settings
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.signing import SlackSender
from tests.fakes.slack_api import FakeSlackAPI
from tests.integration.ideas_helpers import drain, full_idea, ideas
from tests.integration.processes import serve_http
from tests.integration.slack_harness import Kiun, start_kiun, wait_until
from tests.polls_support import get_run

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-1111-2222-FLOWBOTTOKEN",
    "SLACK_APP_TOKEN": "xapp-1-A1-3333-FLOWAPPTOKEN",
    "SLACK_SIGNING_SECRET": "flow-signing-secret-5f3c9a",
    "KIUN_SECRET_KEY": "flow-secret-key-7d1e0b42aa",
    "OPENAI_API_KEY": "sk-flow-openai-key-9c8b7a",
}
EVIL = ["<!channel>", "<!here>", "<!everyone>", "<@UEVIL>", "<http://evil.example|click>", "<!subteam^SEVIL>"]
HOSTILE = " ".join(EVIL)
PEOPLE = [f"U{n:04d}" for n in range(1, 11)]  # ten: poll comments show from ten answers
COMMENTS = {user: f"匿名コメント{n}号 {HOSTILE}" for n, user in enumerate(PEOPLE, 1)}


def my_number() -> str:
    return next(f"12345678901{c}" for c in range(10) if privacy.valid_my_number(f"12345678901{c}"))


PII = ["090-1234-5678", "taro.yamada@example.jp", my_number()]
DOCUMENT = f"""# 会議運営ガイド

## 資料の共有
会議資料は前日正午までに共有フォルダ（{HOSTILE}）へ掲載します。
印刷は原則として行いません。
"""


@pytest.fixture(scope="module")
def openai_api() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def flow(core: Core, slack_api: FakeSlackAPI, openai_api: FakeOpenAI) -> Iterator[Kiun]:
    openai_api.reset()
    settings = make_settings(
        core.settings.database_url, slack_api.api_url, OPENAI_BASE_URL=openai_api.base_url, **SECRETS
    )
    secret_core = Core(settings, core.engine, core.sessions)
    secret_core.directory = SlackDirectory(make_client(settings))
    running = start_kiun(secret_core, slack_api)
    yield running
    running.stop()


class Recording(SlackSender):
    """A signed-request sender that keeps every answer kiun gave in the HTTP response (acks, form errors)."""

    def __init__(self, kiun: Kiun) -> None:
        super().__init__(f"{kiun.url}/slack/events", SECRETS["SLACK_SIGNING_SECRET"], kiun.slack_api.base_url)
        self.answers: list[str] = []

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        self.answers.append(response.body)
        return response


def run_flow(kiun: Kiun, openai_api: FakeOpenAI) -> list[str]:
    """The flow; returns the HTTP answers kiun gave."""
    sender = Recording(kiun)
    slack = kiun.slack_api
    sender.command("/kiun", "help")
    sender.command("/kiun", "admin jobs", user_id=ADMIN)
    sender.command("/kiun", f"{HOSTILE} 何か")

    # an idea, its channel post, a thread comment, the detail, a vote
    fields = {"title": f"申請書を電子化 {EVIL[0]}", "problem": f"紙が多い {HOSTILE}", "proposal": f"電子申請 {HOSTILE}"}
    assert sender.view_submission("idea_submit", full_idea(**fields), user_id="U_A").body == ""
    wait_until(lambda: ideas(kiun.core))
    sender.command("/idea", f"一行の提案 {HOSTILE}", user_id="U_B")
    drain(kiun.core)
    post_ts = slack.messages["C_IDEAS"][0]["ts"]
    reply = {"type": "message", "channel": "C_IDEAS", "channel_type": "channel", "user": "U_B", "ts": "9.1"}
    sender.event(reply | {"text": f"賛成です {HOSTILE}", "thread_ts": post_ts})
    wait_until(lambda: "賛成です" in json.dumps(sender.command("/ideas", "#1").json(), ensure_ascii=False))
    sender.block_action("idea_vote", "1", user_id="U_C")
    sender.command("/ideas", HOSTILE)

    # questions: the LLM's own answer, a fallback to the document's words, and one with personal data
    add_bytes(kiun.core, "notes/meeting.md", DOCUMENT.encode())
    openai_api.script(f"会議資料は前日正午までに掲載します[1]。{HOSTILE}", "掲載します[9]。")
    question = "会議資料はいつまでに共有フォルダへ掲載しますか"
    for user, text in (("U_A", question), ("U_B", question), ("U_C", f"{PII[0]} と {PII[1]} と {PII[2]} の{question}")):
        before = len(kiun.responses())
        sender.command("/ask", text, user_id=user)
        kiun.wait_responses(before + 1)

    # a poll answered with comments by ten people; the results show them
    slack.members = PEOPLE
    sender.command("/kiun", "admin poll start dx-momentum", user_id=ADMIN)
    with kiun.core.sessions() as session:
        run_id = session.scalar(select(PollRun.id).order_by(PollRun.id.desc()))
    wait_until(lambda: get_run(kiun.core, run_id).state == "open", timeout=20)
    drain(kiun.core)
    for user, text in COMMENTS.items():
        values = {"comment": {"comment": {"type": "plain_text_input", "value": text}}}
        assert (
            sender.view_submission("poll_text", values, user_id=user, private_metadata=f"{run_id}:comment").status
            == 200
        )
    results = sender.command("/kiun", f"admin poll results {run_id}", user_id=ADMIN).json()
    assert "匿名コメント10号" in json.dumps(results, ensure_ascii=False)
    kiun.server.stop(grace=10)  # every listener has finished
    return sender.answers


def sent_to_slack(slack: FakeSlackAPI) -> list[str]:
    """Everything kiun sent to Slack: Web API calls and response_url answers, as JSON text."""
    return [json.dumps(call.params, ensure_ascii=False) for call in slack.calls if call.params]


def log_lines(records: list[logging.LogRecord]) -> str:
    formatter = JsonFormatter()
    return "\n".join(formatter.format(record) for record in records)


def database_rows(core: Core) -> dict[str, str]:
    with core.engine.connect() as connection:
        return {
            table.name: "\n".join(
                json.dumps(dict(row), ensure_ascii=False, default=str)
                for row in connection.execute(table.select()).mappings()
            )
            for table in Base.metadata.sorted_tables
        }


@pytest.mark.slow
def test_full_flow_renders_no_injected_mention_and_keeps_no_secret(
    flow: Kiun, openai_api: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = run_flow(flow, openai_api)

    # injection: every payload to Slack and every HTTP answer, with the hostile text arriving escaped in each feature
    payloads = sent_to_slack(flow.slack_api) + [json.dumps(json.loads(a), ensure_ascii=False) for a in answers if a]
    for token in EVIL:
        offending = [payload for payload in payloads if token in payload]
        assert not offending, (token, offending[:1])
    escaped = "\n".join(payloads)
    for arrived in ("申請書を電子化 &lt;!channel&gt;", "賛成です &lt;!channel&gt;", "掲載します[1]。&lt;!channel&gt;"):
        assert arrived in escaped, arrived
    (quoted,) = [p for p in payloads if "> 会議資料は前日正午までに共有フォルダ（" in p]  # the document's sentence
    assert "&lt;!" in quoted
    assert "匿名コメント10号 &lt;!channel&gt;" in escaped

    # secrets and answers: logs of this process
    logs = log_lines(caplog.records)
    assert len(caplog.records) > 100
    for name, secret in SECRETS.items():
        assert secret not in logs, name
    for text in COMMENTS.values():
        assert text.split()[0] not in logs
    for item in PII:
        assert item not in logs, item

    # … and every table
    tables = database_rows(flow.core)
    everything = "\n".join(tables.values())
    for name, secret in SECRETS.items():
        assert secret not in everything, name
    for text in COMMENTS.values():
        assert [table for table, rows in tables.items() if text.split()[0] in rows] == ["poll_answers"]
    for item in PII:
        assert item not in everything, item
    assert "[電話番号]" in tables["qa_questions"] and "[メールアドレス]" in tables["qa_questions"]


@pytest.mark.slow
def test_a_kiun_process_logs_no_secret_at_debug(core: Core, slack_api: FakeSlackAPI, tmp_path: Path) -> None:
    env = SECRETS | {
        "DATABASE_URL": core.settings.database_url,
        "SLACK_API_URL": slack_api.api_url,
        "KIUN_LOG_LEVEL": "DEBUG",
        "KIUN_WORKERS": "2",
    }
    kiun = serve_http(env, tmp_path / "serve.log")
    try:
        kiun.wait_status("/healthz", 200)
        sender = SlackSender(f"{kiun.url}/slack/events", SECRETS["SLACK_SIGNING_SECRET"], slack_api.base_url)
        assert sender.command("/kiun", "help").status == 200
        assert sender.command("/idea", f"一行の提案 {PII[0]}", user_id="U_A").status == 200
        assert sender.command("/kiun", "help", timestamp=1).status == 401  # a forged or replayed request
        assert kiun.stop() == 0
    finally:
        kiun.kill()
    log = kiun.log()
    assert "DEBUG" in log and "/slack/events" in log
    for name, secret in SECRETS.items():
        assert secret not in log, name
