"""Alembic, driven from code so ``kiun db upgrade`` works from any directory."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from bot.common.paths import bundled
from bot.db.session import normalise_url


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(bundled("migrations")))
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
