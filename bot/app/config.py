"""Settings from the environment and ``.env`` (pydantic-settings).

Every setting is optional at load time so that ``kiun console`` needs no keys; a command that needs a
setting asks for it with :func:`Settings.require`, which raises :class:`ConfigError` naming the variable.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SLACK_API_DEFAULT = "https://slack.com/api/"
_TOKENS = {"slack_bot_token": ("the bot token", "xoxb-"), "slack_app_token": ("the app-level token", "xapp-")}
TEAMS_OPENID_METADATA_DEFAULT = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TEAMS_LOGIN_DEFAULT = "https://login.microsoftonline.com"
# Microsoft's public-cloud Bot Connector: serviceUrl values are https://smba.trafficmanager.net/teams/ or a regional
# form (…/amer/, …/emea/, …/apac/, …/in/, …); the government clouds (GCC, GCC High, DoD) must be added explicitly.
TEAMS_SERVICE_URLS_DEFAULT = ("https://smba.trafficmanager.net/",)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9_]+$")
_SLACK_CHANNEL = re.compile(r"^[CGD][A-Z0-9_]+$")
_TEAMS_CONVERSATION = re.compile(r"^19:[^\s@]+@(?:thread\.(?:tacv2|skype|v2)|unq\.gbl\.spaces)$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


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


def check_url(value: str) -> str:
    """An ``https://`` URL with a host; ``http://`` only for 127.0.0.1 or localhost (the tests' stand-ins)."""
    parts = urlsplit(value)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise ValueError(f"must be an https:// URL, got {value!r}")
    if parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
        raise ValueError(f"must use https:// (http:// only for 127.0.0.1 or localhost), got {value!r}")
    return value


def parse_service_urls(spec: str) -> tuple[str, ...]:
    """Comma-separated Bot Connector service URL prefixes; a bare host gets its ``/`` so that
    ``https://smba.trafficmanager.net`` cannot match ``https://smba.trafficmanager.net.example``."""
    prefixes = []
    for part in (item.strip() for item in spec.split(",")):
        if not part:
            continue
        check_url(part)
        parts = urlsplit(part)
        if parts.query or parts.fragment:
            raise ValueError(f"a service URL prefix has no query or fragment, got {part!r}")
        prefixes.append(part if parts.path else part + "/")
    if not prefixes:
        raise ValueError("list at least one service URL prefix, e.g. https://smba.trafficmanager.net/")
    return tuple(prefixes)


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
    # Microsoft Teams (docs/teams.md)
    teams_app_id: str | None = Field(None, alias="TEAMS_APP_ID")
    teams_app_password: SecretStr | None = Field(None, alias="TEAMS_APP_PASSWORD")
    teams_tenant_id: str | None = Field(None, alias="TEAMS_TENANT_ID")
    teams_openid_metadata_url: str = Field(TEAMS_OPENID_METADATA_DEFAULT, alias="TEAMS_OPENID_METADATA_URL")
    teams_login_url: str = Field(TEAMS_LOGIN_DEFAULT, alias="TEAMS_LOGIN_URL")
    teams_service_urls: Annotated[tuple[str, ...], NoDecode] = Field(
        TEAMS_SERVICE_URLS_DEFAULT, alias="TEAMS_SERVICE_URLS"
    )
    # The Teams app package (kiun teams package)
    teams_app_name: str = Field("kiun（機運）", min_length=1, max_length=30, alias="TEAMS_APP_NAME")
    teams_bot_domain: str | None = Field(None, alias="TEAMS_BOT_DOMAIN")
    teams_developer_name: str = Field("情報政策課 DX推進係", min_length=1, max_length=32, alias="TEAMS_DEVELOPER_NAME")
    teams_developer_url: str | None = Field(None, alias="TEAMS_DEVELOPER_URL")
    teams_privacy_url: str | None = Field(None, alias="TEAMS_PRIVACY_URL")
    teams_terms_url: str | None = Field(None, alias="TEAMS_TERMS_URL")

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

    @field_validator("kiun_admins")
    @classmethod
    def _admin_ids(cls, value: list[str]) -> list[str]:
        """Slack user ids (U…, W…) or Entra object ids (GUIDs, compared in lower case as Teams sends them)."""
        for admin in value:
            if not (_SLACK_USER.match(admin) or _GUID.match(admin)):
                raise ValueError(f"{admin!r} is neither a Slack user id (U…) nor an Entra object id (a GUID)")
        return [admin.lower() if _GUID.match(admin) else admin for admin in value]

    @field_validator("kiun_lesson_channel", "kiun_ideas_channel", "kiun_poll_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        """A Slack channel id (C…) or a Teams conversation id (19:…@thread.tacv2); empty means not set."""
        if value and not (_SLACK_CHANNEL.match(value) or _TEAMS_CONVERSATION.match(value)):
            raise ValueError(
                f"{value!r} is neither a Slack channel id (C0123456789) nor a Teams conversation id (19:…@thread.tacv2)"
            )
        return value

    @field_validator(
        "teams_app_id",
        "teams_app_password",
        "teams_tenant_id",
        "teams_bot_domain",
        "teams_developer_url",
        "teams_privacy_url",
        "teams_terms_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("teams_app_id", "teams_tenant_id")
    @classmethod
    def _guid(cls, value: str | None) -> str | None:
        if value is not None and not _GUID.match(value.strip()):
            raise ValueError("must be a GUID such as 00000000-0000-0000-0000-000000000000 from Entra ID")
        return value.strip().lower() if value is not None else None

    @field_validator(
        "teams_openid_metadata_url", "teams_login_url", "teams_developer_url", "teams_privacy_url", "teams_terms_url"
    )
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return check_url(value.strip()) if value is not None else None

    @field_validator("teams_service_urls", mode="before")
    @classmethod
    def _service_urls(cls, value: object) -> object:
        return parse_service_urls(value) if isinstance(value, str) else value

    @field_validator("teams_bot_domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        """The host name kiun answers on (e.g. kiun.city.example.jp): no scheme, port or path."""
        if value is not None and not _HOSTNAME.match(value.strip().lower()):
            raise ValueError(f"must be a host name such as kiun.city.example.jp (no scheme or path), got {value!r}")
        return value.strip().lower() if value is not None else None

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

    def require_teams(self) -> None:
        """What ``kiun serve --teams`` needs: the app id, its client secret and the (single) tenant."""
        self.require(
            "TEAMS_APP_ID",
            "TEAMS_APP_PASSWORD",
            "TEAMS_TENANT_ID",
            hint="set it from the Entra ID app registration of the bot (see docs/teams.md, Register the bot)",
        )

    @property
    def teams_privacy(self) -> str | None:
        """The privacy statement's URL: ``TEAMS_PRIVACY_URL``, else the developer's site."""
        return self.teams_privacy_url or self.teams_developer_url

    @property
    def teams_terms(self) -> str | None:
        """The terms of use' URL: ``TEAMS_TERMS_URL``, else the developer's site."""
        return self.teams_terms_url or self.teams_developer_url


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
