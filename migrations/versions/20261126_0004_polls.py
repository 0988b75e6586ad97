"""polls

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poll_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=True),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_runs")),
    )
    op.create_index(op.f("ix_poll_runs_poll"), "poll_runs", ["poll"], unique=False)
    op.create_table(
        "poll_recipients",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["poll_runs.id"], name=op.f("fk_poll_recipients_run_id_poll_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "token", name=op.f("pk_poll_recipients")),
    )
    op.create_table(
        "poll_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=32), nullable=False),
        sa.Column("respondent", sa.String(length=64), nullable=False),
        sa.Column("value_int", sa.Integer(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["poll_runs.id"], name=op.f("fk_poll_answers_run_id_poll_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_answers")),
        sa.UniqueConstraint("run_id", "question", "respondent", name="uq_poll_answers_run_question_respondent"),
    )
    op.create_index(op.f("ix_poll_answers_run_id"), "poll_answers", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_poll_answers_run_id"), table_name="poll_answers")
    op.drop_table("poll_answers")
    op.drop_table("poll_recipients")
    op.drop_index(op.f("ix_poll_runs_poll"), table_name="poll_runs")
    op.drop_table("poll_runs")
