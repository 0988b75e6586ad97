"""qa structure: the date a document gives (施行, 改定, …) or its file's, shown with its citations

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("qa_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dated", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("dated_by", sa.String(length=16), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("qa_documents", schema=None) as batch_op:
        batch_op.drop_column("dated_by")
        batch_op.drop_column("dated")
