"""The App Home view (Slack's Home tab); later issues add each person's ideas, polls and progress."""

from __future__ import annotations

from bot.core import Core
from bot.handlers import Request, Router
from bot.handlers.kiun import help_button
from bot.i18n import t
from bot.replies import Reply, Section


def register(router: Router) -> None:
    router.command("home", home)


def home(core: Core, request: Request) -> Reply:
    lang = request.lang
    sections = [
        Section(text=f"*{t('home.title', lang)}*\n{t('home.body', lang)}", buttons=[help_button(lang)]),
        Section(text=t("help.commands", lang)),
    ]
    if request.is_admin:
        sections.append(Section(text=t("help.admin", lang)))
    return Reply(text=t("home.title", lang), sections=sections)
