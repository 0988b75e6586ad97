"""qa: documents, chunks, lexical index, questions and feedback

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qa_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_documents")),
        sa.UniqueConstraint("source", name=op.f("uq_qa_documents_source")),
    )
    op.create_table(
        "qa_chunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(500), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("embedding", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["qa_documents.id"],
            name=op.f("fk_qa_chunks_document_id_qa_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_chunks")),
        sa.UniqueConstraint("document_id", "ordinal", name="uq_qa_chunks_document_id_ordinal"),
    )
    op.create_table(
        "qa_postings",
        sa.Column("term", sa.String(64), nullable=False),
        sa.Column("chunk_id", sa.Integer(), nullable=False),
        sa.Column("tf", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chunk_id"], ["qa_chunks.id"], name=op.f("fk_qa_postings_chunk_id_qa_chunks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("term", "chunk_id", name=op.f("pk_qa_postings")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_qa_postings_chunk_id", "qa_postings", ["chunk_id"])
    op.create_table(
        "qa_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=True),
        sa.Column("thread_ts", sa.String(32), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_questions")),
    )
    op.create_index("ix_qa_questions_user_id_created_at", "qa_questions", ["user_id", "created_at"])
    op.create_index("ix_qa_questions_channel_id_thread_ts", "qa_questions", ["channel_id", "thread_ts"])
    op.create_table(
        "qa_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["qa_questions.id"],
            name=op.f("fk_qa_feedback_question_id_qa_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_feedback")),
        sa.UniqueConstraint("question_id", "user_id", name="uq_qa_feedback_question_id_user_id"),
    )


def downgrade() -> None:
    op.drop_table("qa_feedback")
    op.drop_index("ix_qa_questions_channel_id_thread_ts", table_name="qa_questions")
    op.drop_index("ix_qa_questions_user_id_created_at", table_name="qa_questions")
    op.drop_table("qa_questions")
    op.drop_index("ix_qa_postings_chunk_id", table_name="qa_postings")
    op.drop_table("qa_postings")
    op.drop_table("qa_chunks")
    op.drop_table("qa_documents")
