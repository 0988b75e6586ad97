"""Revision 0012 (document versions): documents indexed before it get a version 1 without the file."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command

from bot.db.migrate import alembic_config, upgrade
from bot.db.session import make_engine, make_sessionmaker
from bot.models import QaDocumentVersion
from tests.unit.test_migration_addresses import old_database  # noqa: F401 - the fixture

NOW = datetime(2026, 12, 1, 0, 0)


def test_existing_documents_get_a_first_version_and_downgrade_drops_the_table(request: pytest.FixtureRequest) -> None:
    url: str = request.getfixturevalue("old_database")  # an empty database of its own
    upgrade(url, "0011")
    engine = make_engine(url)
    documents = sa.Table("qa_documents", sa.MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        connection.execute(
            documents.insert().values(
                id=7,
                source="content/docs/dx-plan.md",
                title="DX推進計画",
                kind="md",
                sha256="a" * 64,
                size=1200,
                chunk_count=9,
                added_by="cli",
                dated=None,
                dated_by="",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    engine.dispose()
    upgrade(url)

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        [version] = session.scalars(sa.select(QaDocumentVersion)).all()
        assert (version.document_id, version.number, version.filename, version.sha256, version.size) == (
            7,
            1,
            "content/docs/dx-plan.md",
            "a" * 64,
            1200,
        )
        assert (version.added_by, version.created_at.replace(tzinfo=None), version.passages, version.data) == (
            "cli",
            NOW,
            9,
            None,
        )
    engine.dispose()
    command.downgrade(alembic_config(url), "0011")
    engine = make_engine(url)
    assert "qa_document_versions" not in sa.inspect(engine).get_table_names()
    engine.dispose()
