"""qa document versions: each accepted upload or ``kiun docs add`` of a document, with the file itself

Documents indexed before this revision get a version 1 without the file (``data`` NULL).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qa_document_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("passages", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["qa_documents.id"],
            name=op.f("fk_qa_document_versions_document_id_qa_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_document_versions")),
        sa.UniqueConstraint("document_id", "number", name="uq_qa_document_versions_document_id_number"),
    )
    op.execute(
        "INSERT INTO qa_document_versions"
        " (document_id, number, filename, sha256, size, added_by, created_at, passages, pages, data)"
        " SELECT id, 1, substr(source, 1, 200), sha256, size, added_by, updated_at, chunk_count, NULL, NULL"
        " FROM qa_documents"
    )


def downgrade() -> None:
    op.drop_table("qa_document_versions")
