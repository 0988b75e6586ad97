"""addresses: the outbox stores a typed address; thread and post references sized for any platform

The outbox's ``channel`` (a Slack channel or user id) becomes ``address``, an address as JSON
(bot.chat.address). Existing rows are converted by guessing from the id, which is allowed here only:
``U…``/``W…`` ids are users (a DM), anything else a channel, and a row whose payload carried a ``thread_ts``
becomes a thread of that channel. Rows written before this revision came from Slack (a console trial's rows
too: the console prints any address), so their platform is "slack". ``ideas.post_ts`` becomes ``post_ref``,
``qa_questions.thread_ts`` becomes ``thread_ref``; those, the outbox's ``message_ref`` and the stored channel
ids are widened to 500 characters (Teams conversation ids are long).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PLATFORM = "slack"
WIDE = 500
_outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer()),
    sa.column("channel", sa.String()),
    sa.column("address", sa.Text()),
    sa.column("payload", sa.JSON()),
)


def _address(channel: str, payload: dict) -> dict:
    """The address an old outbox row meant (the guess the module doc describes)."""
    if channel[:1] in ("U", "W"):
        return {"kind": "user", "platform": PLATFORM, "id": channel}
    place = {"kind": "channel", "platform": PLATFORM, "id": channel}
    thread_ts = payload.get("thread_ts")
    return {"kind": "thread", "channel": place, "id": thread_ts} if thread_ts else place


def _channel(address: dict) -> tuple[str, str | None]:
    """An address as the old (channel, thread_ts)."""
    if address["kind"] == "thread":
        return address["channel"]["id"], address["id"]
    return address.get("id") or address.get("ref", ""), None


def _widen(table: str, column: str, old: int, nullable: bool) -> None:
    with op.batch_alter_table(table) as batch:
        batch.alter_column(column, type_=sa.String(WIDE), existing_type=sa.String(old), existing_nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("address", sa.Text(), nullable=True))
        batch.alter_column("message_ref", type_=sa.String(WIDE), existing_type=sa.String(64), existing_nullable=True)
    connection = op.get_bind()
    for row in connection.execute(sa.select(_outbox.c.id, _outbox.c.channel, _outbox.c.payload)).all():
        payload = dict(row.payload or {})
        address = _address(row.channel, payload)
        payload.pop("thread_ts", None)
        values = {"address": json.dumps(address, ensure_ascii=False), "payload": payload}
        connection.execute(sa.update(_outbox).where(_outbox.c.id == row.id).values(**values))
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("address", existing_type=sa.Text(), nullable=False)
        batch.drop_column("channel")

    op.drop_index("ix_ideas_post_ts", table_name="ideas")
    with op.batch_alter_table("ideas") as batch:
        batch.alter_column(
            "post_ts",
            new_column_name="post_ref",
            type_=sa.String(WIDE),
            existing_type=sa.String(64),
            existing_nullable=True,
        )
    op.create_index(op.f("ix_ideas_post_ref"), "ideas", ["post_ref"])

    op.drop_index("ix_qa_questions_channel_id_thread_ts", table_name="qa_questions")
    with op.batch_alter_table("qa_questions") as batch:
        batch.alter_column(
            "thread_ts",
            new_column_name="thread_ref",
            type_=sa.String(WIDE),
            existing_type=sa.String(32),
            existing_nullable=True,
        )
        batch.alter_column("channel_id", type_=sa.String(WIDE), existing_type=sa.String(64), existing_nullable=True)
    op.create_index("ix_qa_questions_channel_id_thread_ref", "qa_questions", ["channel_id", "thread_ref"])

    _widen("content_posts", "channel", 64, False)
    _widen("poll_runs", "channel", 64, False)


def downgrade() -> None:
    narrowed = [("content_posts", "channel", False), ("poll_runs", "channel", False)]
    for table, column, nullable in narrowed:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(64), existing_type=sa.String(WIDE), existing_nullable=nullable)

    op.drop_index("ix_qa_questions_channel_id_thread_ref", table_name="qa_questions")
    with op.batch_alter_table("qa_questions") as batch:
        batch.alter_column(
            "thread_ref",
            new_column_name="thread_ts",
            type_=sa.String(32),
            existing_type=sa.String(WIDE),
            existing_nullable=True,
        )
        batch.alter_column("channel_id", type_=sa.String(64), existing_type=sa.String(WIDE), existing_nullable=True)
    op.create_index("ix_qa_questions_channel_id_thread_ts", "qa_questions", ["channel_id", "thread_ts"])

    op.drop_index(op.f("ix_ideas_post_ref"), table_name="ideas")
    with op.batch_alter_table("ideas") as batch:
        batch.alter_column(
            "post_ref",
            new_column_name="post_ts",
            type_=sa.String(64),
            existing_type=sa.String(WIDE),
            existing_nullable=True,
        )
    op.create_index(op.f("ix_ideas_post_ts"), "ideas", ["post_ts"])

    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("channel", sa.String(64), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(_outbox.c.id, _outbox.c.address, _outbox.c.payload)).all():
        channel, thread_ts = _channel(json.loads(row.address))
        payload = dict(row.payload or {}) | ({"thread_ts": thread_ts} if thread_ts else {})
        connection.execute(
            sa.update(_outbox).where(_outbox.c.id == row.id).values(channel=channel[:64], payload=payload)
        )
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("channel", existing_type=sa.String(64), nullable=False)
        batch.alter_column("message_ref", type_=sa.String(64), existing_type=sa.String(WIDE), existing_nullable=True)
        batch.drop_column("address")
