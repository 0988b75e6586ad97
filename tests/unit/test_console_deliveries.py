"""On the trial set-up (no Slack token) the console prints what lands in the outbox, and its buttons work."""

from __future__ import annotations

from bot.app.core import Core
from bot.chat.reply import Button, Reply, Section
from bot.db.session import transaction
from bot.delivery.outbox import enqueue
from bot.models import OutboxMessage
from tests.addresses import as_channel
from tests.conftest import make_settings
from tests.unit.test_console_dialog import converse


def trial_core(database_url: str) -> Core:
    return Core.create(make_settings(database_url, SLACK_BOT_TOKEN=None, KIUN_IDEAS_CHANNEL="C_IDEAS"))


def test_channel_post_is_printed_and_its_button_can_be_pressed(core: Core, database_url: str) -> None:
    trial = trial_core(database_url)
    try:
        converse(
            trial,
            [
                ("/idea 会議資料をペーパーレスにしたい", "提案 #1"),
                (None, "[C_IDEAS への配信] 新しい提案 #1"),
                (None, "[4] #1 の詳細"),
                ("4", "会議資料をペーパーレスにしたい"),
            ],
        )
        with trial.sessions() as session:
            assert {row.state for row in session.query(OutboxMessage)} == {"sent"}
    finally:
        trial.close()


def test_slack_installation_database_is_never_drained_by_the_console(core: Core) -> None:
    with transaction(core.sessions) as session:
        enqueue(
            session,
            "k1",
            as_channel("C_LESSONS", "slack"),
            Reply(text="本番の投稿", sections=[Section(buttons=[Button(label="x", action_id="x")])]),
        )
    output = converse(core, [("/kiun help", "使い方")])
    assert "本番の投稿" not in output
    with core.sessions() as session:
        assert session.query(OutboxMessage).filter_by(key="k1").one().state == "pending"
