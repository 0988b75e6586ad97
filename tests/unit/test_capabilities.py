"""Addresses, and the fallbacks the core picks for what a platform cannot do (bot.chat.capabilities)."""

from __future__ import annotations

from sqlalchemy import select

from bot.app.core import Core
from bot.chat.address import ADDRESS, Channel, Conversation, Thread, User, label
from bot.chat.capabilities import Capabilities, destination
from bot.chat.i18n import t
from bot.chat.reply import File, Reply, Section
from bot.chat.request import Request
from bot.db.session import transaction
from bot.delivery.home_card import install_home_refresh
from bot.delivery.outbox import Sender, enqueue
from bot.features import build_router
from bot.models import OutboxMessage

TEAMS = "teams"
PERSON = User(platform=TEAMS, id="29:person")
ROOM = Channel(platform=TEAMS, id="19:room@thread.tacv2")
THREAD = Thread(channel=ROOM, id="1700000000001")
BARE = Capabilities(
    ephemeral=False, home_view=False, modal_form=True, threads=False, file_upload=False, message_update=True
)


class Recording:
    """A transport of a platform with :data:`BARE` capabilities; records where each message went."""

    capabilities = BARE

    def __init__(self) -> None:
        self.sent: list[tuple[object, Reply]] = []

    def send(self, to, reply: Reply) -> str:
        self.sent.append((to, reply))
        return f"ref-{len(self.sent)}"

    def update(self, to, ref: str, reply: Reply) -> str:
        self.sent.append((to, reply))
        return ref


def test_addresses_round_trip_through_json_with_their_kind() -> None:
    stored = Conversation(platform=TEAMS, ref='{"conversation": {"id": "a:1"}, "serviceUrl": "https://x"}')
    for address in (PERSON, ROOM, THREAD, stored):
        assert ADDRESS.validate_json(ADDRESS.dump_json(address)) == address
    assert ADDRESS.validate_python({"kind": "user", "platform": "slack", "id": "U1"}) == User(platform="slack", id="U1")
    assert (THREAD.platform, label(THREAD), label(PERSON)) == (TEAMS, ROOM.id, PERSON.id)


def test_a_reply_goes_to_the_conversation_or_to_the_person() -> None:
    in_thread = Request(PERSON, channel=ROOM, thread=THREAD)
    in_room = Request(PERSON, channel=ROOM)
    in_form = Request(PERSON, kind="form")
    shared, private = Reply(text="x", ephemeral=False), Reply(text="x")
    assert destination(in_thread, shared) == THREAD
    assert destination(in_room, shared) == ROOM
    assert destination(in_room, private) == PERSON  # ephemeral elsewhere: the person's direct messages
    assert destination(in_form, shared) == PERSON
    assert (in_room.user_id, in_room.channel_id, in_room.platform, in_form.channel_id) == (
        PERSON.id,
        ROOM.id,
        TEAMS,
        None,
    )


def test_sender_falls_back_to_the_channel_and_to_text_where_the_platform_cannot(core: Core) -> None:
    csv = File(filename="ideas.csv", title="提案一覧", mime="text/csv", data="番号,件名\n1,紙を減らす\n".encode())
    png = File(filename="chart.png", title="グラフ", mime="image/png", data=b"\x89PNG")
    with transaction(core.sessions) as session:
        enqueue(session, "k1", THREAD, Reply(text="回答", sections=[Section(text="本文")], file=csv))
        enqueue(session, "k2", PERSON, Reply(text="画像", file=png))
    transport = Recording()
    assert Sender(core, transport, rate_per_second=1000).drain() == 2
    (first_to, first), (second_to, second) = transport.sent
    assert first_to == ROOM and first.file is None
    assert [section.text for section in first.sections] == [
        "本文",
        "ファイル「提案一覧」（ideas.csv）はここでは添付できないため、内容を本文でお送りします。\n番号,件名\n1,紙を減らす\n",
    ]
    assert second_to == PERSON and second.file is None
    assert second.sections[-1].text == t("capabilities.file_not_attached", "ja", title="グラフ", filename="chart.png")
    assert second.sections[-1].text.startswith("ファイル「グラフ」（chart.png）はここでは添付できないため")
    with core.sessions() as session:
        assert session.get(OutboxMessage, 1).address == THREAD  # the row keeps what was asked for


def home_rows(core: Core) -> list[tuple[str, str | None, object]]:
    with core.sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(row.key, row.replaces, row.address) for row in rows]


def test_without_a_home_view_the_home_is_a_card_posted_once_then_edited(core: Core) -> None:
    assert install_home_refresh(core, build_router(), TEAMS, BARE) is not None
    core.home_changed(PERSON.id)
    core.home_changed(PERSON.id)
    (first, edit) = home_rows(core)
    assert first == (f"home-card:{TEAMS}:{PERSON.id}", None, PERSON)
    assert edit[0].startswith(f"home-card:{TEAMS}:{PERSON.id}:") and edit[1:] == (first[0], PERSON)
    transport = Recording()
    Sender(core, transport, rate_per_second=1000).drain()
    assert [to for to, _ in transport.sent] == [PERSON, PERSON]  # posted, then edited in place
    assert all(not reply.ephemeral and reply.sections for _, reply in transport.sent)


def test_a_home_view_is_republished_and_a_platform_with_neither_is_left_alone(core: Core) -> None:
    seen: list[str] = []
    with_view = BARE.model_copy(update={"home_view": True})
    assert install_home_refresh(core, build_router(), "slack", with_view, seen.append) == seen.append
    core.home_changed("U1")
    assert seen == ["U1"] and home_rows(core) == []
    core.on_home_changed.clear()
    neither = BARE.model_copy(update={"message_update": False})
    assert install_home_refresh(core, build_router(), TEAMS, neither) is None
    assert core.on_home_changed == []
