"""Settings from the environment and ``.env`` (pydantic-settings).

Every setting is optional at load time so that ``kiun console`` needs no keys; a command that needs a
setting asks for it with :func:`Settings.require`, which raises :class:`ConfigError` naming the variable.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SLACK_API_DEFAULT = "https://slack.com/api/"
_TOKENS = {"slack_bot_token": ("the bot token", "xoxb-"), "slack_app_token": ("the app-level token", "xapp-")}


class ConfigError(Exception):
    """A missing or invalid setting; the message is one line naming the variable and what to do."""


def parse_year_end(spec: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Parse ``MM-DD..MM-DD`` (e.g. ``12-29..01-03``); an empty string or ``none`` means no closure."""
    spec = spec.strip()
    if spec.lower() in ("", "none"):
        return None
    try:
        start, end = (part.strip() for part in spec.split(".."))
        sm, sd = (int(x) for x in start.split("-"))
        em, ed = (int(x) for x in end.split("-"))
        date(2000, sm, sd), date(2000, em, ed)  # noqa: B018 - validates month/day (2000 is a leap year)
    except ValueError as exc:
        raise ValueError(f"expected MM-DD..MM-DD such as 12-29..01-03, got {spec!r}") from exc
    return (sm, sd), (em, ed)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    slack_bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(SLACK_API_DEFAULT, alias="SLACK_API_URL")
    database_url: str = Field("sqlite:///kiun.db", alias="DATABASE_URL")
    kiun_admins: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="KIUN_ADMINS")
    kiun_timezone: str = Field("Asia/Tokyo", alias="KIUN_TIMEZONE")
    kiun_locale: str = Field("ja", alias="KIUN_LOCALE")
    kiun_secret_key: str | None = Field(None, alias="KIUN_SECRET_KEY")
    kiun_lesson_channel: str | None = Field(None, alias="KIUN_LESSON_CHANNEL")
    kiun_ideas_channel: str | None = Field(None, alias="KIUN_IDEAS_CHANNEL")
    kiun_poll_channel: str | None = Field(None, alias="KIUN_POLL_CHANNEL")
    openai_api_key: str | None = Field(None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, alias="OPENAI_BASE_URL")
    kiun_llm_model: str = Field("gpt-4o-mini", alias="KIUN_LLM_MODEL")
    # Document Q&A
    kiun_llm_timeout: float = Field(30.0, gt=0, le=300, alias="KIUN_LLM_TIMEOUT")
    kiun_embedding_model: str | None = Field(None, alias="KIUN_EMBEDDING_MODEL")
    kiun_qa_daily_limit: int = Field(30, ge=0, alias="KIUN_QA_DAILY_LIMIT")
    kiun_qa_contact: str = Field("情報政策課 DX推進係", alias="KIUN_QA_CONTACT")
    # Operations
    kiun_year_end_closed: str = Field("12-29..01-03", alias="KIUN_YEAR_END_CLOSED")
    kiun_catchup_grace_minutes: int = Field(360, ge=0, alias="KIUN_CATCHUP_GRACE_MINUTES")
    kiun_send_rate: float = Field(5.0, gt=0, alias="KIUN_SEND_RATE")
    kiun_workers: int = Field(8, ge=1, le=64, alias="KIUN_WORKERS")
    kiun_log_format: str = Field("text", alias="KIUN_LOG_FORMAT")
    kiun_log_level: str = Field("INFO", alias="KIUN_LOG_LEVEL")

    @field_validator("slack_bot_token", "slack_app_token")
    @classmethod
    def _token_in_its_place(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Each Slack token has its prefix; one in the other's place stops start-up, saying which goes where."""
        name = str(info.field_name)
        what, prefix = _TOKENS[name]
        if value and not value.startswith(prefix):
            other = next(field for field in _TOKENS if field != name)
            other_what, other_prefix = _TOKENS[other]
            hint = f"; {other_what} ({other_prefix}…) goes in {other.upper()}" if value.startswith(other_prefix) else ""
            raise ValueError(f"must be {what} ({prefix}…){hint}")
        return value

    @field_validator("kiun_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("kiun_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Tokyo)") from exc
        return value

    @field_validator("kiun_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in ("ja", "en"):
            raise ValueError("must be ja or en")
        return value

    @field_validator("kiun_log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError("must be text or json")
        return value

    @field_validator("kiun_year_end_closed")
    @classmethod
    def _year_end_format(cls, value: str) -> str:
        parse_year_end(value)
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.kiun_timezone)

    def require(self, *names: str, hint: str = "") -> None:
        """Raise ConfigError for the first of the given environment variables that is not set."""
        for name in names:
            if not getattr(self, name.lower()):
                what = hint or "set it in the environment or in .env (see README, Configuration)"
                raise ConfigError(f"{name} is not set: {what}")


def load_settings(**overrides: Any) -> Settings:
    """Load settings, turning a validation error into a one-line ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        name = Settings.model_fields[field].alias if field in Settings.model_fields else field.upper()
        message = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name} is invalid: {message}") from None
