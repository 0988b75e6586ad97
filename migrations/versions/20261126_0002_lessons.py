"""lessons

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.DateTime(), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_posts")),
        sa.UniqueConstraint("kind", "channel", "item_id", "round", name="uq_content_posts_kind_channel_item_round"),
    )
    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz", sa.String(length=96), nullable=False),
        sa.Column("lesson_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_answers")),
        sa.UniqueConstraint("quiz", "user_id", name="uq_quiz_answers_quiz_user_id"),
    )
    op.create_index("ix_quiz_answers_user_id", "quiz_answers", ["user_id"], unique=False)
    op.create_index("ix_quiz_answers_lesson_id", "quiz_answers", ["lesson_id"], unique=False)
    op.create_table(
        "quiz_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("lesson_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_reviews")),
        sa.UniqueConstraint("user_id", "lesson_id", name="uq_quiz_reviews_user_id_lesson_id"),
    )
    op.create_index("ix_quiz_reviews_state_due_on", "quiz_reviews", ["state", "due_on"], unique=False)
    op.create_table(
        "lesson_views",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("lesson_id", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "lesson_id", name=op.f("pk_lesson_views")),
    )
    op.create_table(
        "review_settings",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_review_settings")),
    )


def downgrade() -> None:
    op.drop_table("review_settings")
    op.drop_table("lesson_views")
    op.drop_index("ix_quiz_reviews_state_due_on", table_name="quiz_reviews")
    op.drop_table("quiz_reviews")
    op.drop_index("ix_quiz_answers_lesson_id", table_name="quiz_answers")
    op.drop_index("ix_quiz_answers_user_id", table_name="quiz_answers")
    op.drop_table("quiz_answers")
    op.drop_table("content_posts")
