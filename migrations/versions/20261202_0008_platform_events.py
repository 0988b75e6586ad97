"""platform events: slack_events becomes platform_events (any platform's event ids, up to 200 characters)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("slack_events", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_events_received_at")
    op.rename_table("slack_events", "platform_events")
    with op.batch_alter_table("platform_events", schema=None) as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.String(64), type_=sa.String(200), existing_nullable=False)
        batch_op.create_index("ix_platform_events_received_at", ["received_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE platform_events RENAME CONSTRAINT pk_slack_events TO pk_platform_events")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE platform_events RENAME CONSTRAINT pk_platform_events TO pk_slack_events")
    with op.batch_alter_table("platform_events", schema=None) as batch_op:
        batch_op.drop_index("ix_platform_events_received_at")
        batch_op.alter_column("event_id", existing_type=sa.String(200), type_=sa.String(64), existing_nullable=False)
    op.rename_table("platform_events", "slack_events")
    with op.batch_alter_table("slack_events", schema=None) as batch_op:
        batch_op.create_index("ix_slack_events_received_at", ["received_at"], unique=False)
