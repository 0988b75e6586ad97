"""teams: the outbox row's platform (each platform's sender claims its own rows) and Teams conversation references

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_outbox_platform_state", ["platform", "state"], unique=False)
    outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("address", sa.Text), sa.column("platform"))
    bind = op.get_bind()
    for row_id, address in bind.execute(sa.select(outbox.c.id, outbox.c.address)).all():
        value = json.loads(address)
        where = (value.get("channel") or {}) if value.get("kind") == "thread" else value
        platform = where.get("platform")
        bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(platform=platform))
    op.create_table(
        "teams_people",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("chat_id", sa.String(length=300), nullable=True),
        sa.Column("reachable", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_teams_people")),
    )
    op.create_table(
        "teams_conversations",
        sa.Column("conversation_id", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=300), nullable=True),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_teams_conversations")),
    )


def downgrade() -> None:
    op.drop_table("teams_conversations")
    op.drop_table("teams_people")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_platform_state")
        batch_op.drop_column("platform")
