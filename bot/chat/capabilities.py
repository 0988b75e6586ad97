"""What each platform can show, and the one place where the core picks a fallback for what it cannot.

A platform declares its :class:`Capabilities`; handlers never ask which platform they run on. The fallbacks:
an ephemeral reply → the person's direct message; no threads → the reply goes to the thread's channel; no file
upload → a text file's content in the message (any other file: a note naming it); no home view → a personal
home card, posted once and then edited in place (``bot.delivery.home_card``). Forms on a platform without
modals are the platform's own business (the console prompts field by field).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.chat.address import Address, Thread
from bot.chat.i18n import t
from bot.chat.reply import Reply, Section
from bot.chat.request import Request

TEXT_FILE_LIMIT = 3000  # characters of a text file shown in place of an upload


class Capabilities(BaseModel):
    """What a platform supports natively."""

    model_config = ConfigDict(frozen=True)

    ephemeral: bool  # a reply only the person who asked sees, in the conversation they asked in
    home_view: bool  # a per-person home the platform shows when opened (Slack's App Home)
    modal_form: bool
    threads: bool
    file_upload: bool
    message_update: bool  # editing a message after it was posted


def destination(request: Request, reply: Reply) -> Address:
    """Where a reply to ``request`` goes when it does not travel in the platform's answer to the request itself:
    an ephemeral reply (or one asked for outside any conversation) to the person's direct messages, anything
    else to the conversation it was asked in."""
    if reply.ephemeral or request.channel is None:
        return request.user
    return request.thread or request.channel


def fit(to: Address, reply: Reply, capabilities: Capabilities, lang: str) -> tuple[Address, Reply]:
    """``reply`` to ``to`` as a platform with ``capabilities`` can deliver it."""
    if isinstance(to, Thread) and not capabilities.threads:
        to = to.channel
    if reply.file is not None and not capabilities.file_upload:
        file = reply.file
        names = {"title": file.title, "filename": file.filename}
        if file.mime.startswith("text/"):
            body = file.data.decode("utf-8", "replace")[:TEXT_FILE_LIMIT]
            section = Section(text=f"{t('capabilities.file_as_text', lang, **names)}\n{body}")
        else:
            section = Section(text=t("capabilities.file_not_attached", lang, **names))
        reply = reply.model_copy(update={"file": None, "sections": [*reply.sections, section]})
    return to, reply
