"""Alembic owns the schema: the migration head must match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.db.migrate import alembic_config
from bot.db.session import make_engine
from bot.models import Base


def test_models_match_migration_head(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
            current = context.get_current_revision()
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ; write an Alembic revision: {diff}"
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert current == head


def test_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
