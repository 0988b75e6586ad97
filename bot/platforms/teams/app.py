"""The Teams app: the Teams SDK's ``App`` with kiun's handlers, turning activities into Requests for the router.

The SDK validates each activity's JWT (Bot Framework's keys, ``aud`` = the app id, ``serviceurl`` = the
activity's service URL) before a handler runs; kiun refuses, before that, any activity whose service URL is
outside ``TEAMS_SERVICE_URLS`` (:class:`GuardedAdapter`), so the bot's token is never sent elsewhere.

The SDK's handlers are coroutines; kiun's core is synchronous: every database or router call runs on a sized
thread pool (``KIUN_WORKERS`` threads; answers that may wait for the LLM on a pool of their own), never on the
event loop. Messages are answered after the HTTP response (Teams re-sends an activity it got no answer to within
15 s), invokes (card buttons, dialogs) within it. Every activity is handled once (``platform_events``), so a
re-sent invoke never votes twice.

- Messages: in the 1:1 chat the words of Slack's commands (``kiun help``, ``idea …``, ``ask …``; a leading slash
  is optional), ``help``/``ヘルプ``, ``home``/``ホーム``; anything else is a question for Q&A. In a channel or group
  chat the same after an @mention, answered in the post's thread (a group chat has none: in the chat); an
  @mention in the thread of a post in the ideas channel is a comment on that idea.
- Card buttons (``Action.Execute``): the router's answer replaces the card for the person who pressed it (the
  card as kiun posted it, with the answer under it); what changes for everyone (an idea's vote count) is edited
  through the outbox.
- Dialogs (``task/fetch``, ``task/submit``): a button that opens a form, and the form's submission, with the
  same validation and errors as Slack's modals.
- Files attached in the 1:1 chat (:mod:`~bot.platforms.teams.files`) are downloaded and routed with their words
  (the router's files handler: the DX office's content); a pasted image alone gets a hint. Channels and group chats
  do not take files.
- Installation: the references are stored and the person gets their home card.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fastapi import Request as HttpRequest
from fastapi import Response
from fastapi.responses import JSONResponse
from microsoft_teams.api import InvokeResponse
from microsoft_teams.apps import App
from microsoft_teams.apps.http import FastAPIAdapter
from microsoft_teams.apps.http.adapter import HttpMethod, HttpRouteHandler
from microsoft_teams.apps.http.adapter import HttpRequest as SdkRequest
from sqlalchemy import select

from bot.app import logs
from bot.app.core import Core
from bot.app.metrics import Metrics
from bot.chat.address import Address
from bot.chat.capabilities import destination
from bot.chat.i18n import t
from bot.chat.markup import plain
from bot.chat.reply import Button, Form, Reply, Section
from bot.chat.request import Kind, Request, without_nul
from bot.chat.router import Router
from bot.db.session import ping, transaction
from bot.delivery.events import first_delivery
from bot.delivery.home_card import HomeCard
from bot.delivery.models import OutboxMessage, OutboxState
from bot.delivery.outbox import PermanentDeliveryError, TransientDeliveryError, UncertainDeliveryError, enqueue
from bot.platforms.teams import cards, files, references
from bot.platforms.teams.connector import BotToken, allowed, cloud
from bot.platforms.teams.references import Seen
from bot.platforms.teams.transport import PLATFORM, TeamsTransport, channel, thread, user

log = logging.getLogger(__name__)

T = TypeVar("T")

MESSAGES_PATH = "/api/messages"
SLOW_THREADS_PER_WORKER = 4
_MENTION = re.compile(r"<at[^>]*>.*?</at>", re.S)
_TAG = re.compile(r"<[^>]+>")
ALIASES = {"help": ("kiun", "help"), "ヘルプ": ("kiun", "help"), "ホーム": ("home", "")}
CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
OPEN_COMMAND = "teams_open_command"  # a button offering a command's form (Teams opens dialogs only from buttons)


class GuardedAdapter(FastAPIAdapter):
    """The SDK's FastAPI adapter, refusing (401) an activity whose service URL is outside the allow-list and
    answering 400 to a body that is not a JSON object, before the SDK sees it; plus ``/healthz`` and ``/metrics``."""

    def __init__(self, core: Core, metrics: Metrics, **options: Any) -> None:
        super().__init__(**options)
        self.core, self.metrics = core, metrics
        self.app.get("/healthz")(self._healthz)
        self.app.get("/metrics")(self._metrics)

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        async def guarded(request: HttpRequest) -> Response:
            try:
                body = await request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return self._count("messages", JSONResponse({"error": "the body is not a JSON object"}, 400))
            if not allowed(self.core.settings, body.get("serviceUrl")):
                log.warning("teams: refused an activity from service URL %r", str(body.get("serviceUrl"))[:200])
                return self._count("messages", JSONResponse({"error": "Unauthorized"}, 401))
            result = await handler(SdkRequest(body=body, headers=dict(request.headers)))
            content = result.get("body")
            response = Response(status_code=result["status"])
            if content is not None:
                response = JSONResponse(content, status_code=result["status"])
            return self._count("messages", response)

        if method != "POST":
            raise ValueError(f"unsupported method {method}")
        self.app.post(path)(guarded)

    async def _healthz(self) -> Response:
        healthy = await asyncio.to_thread(ping, self.core.engine)
        body = {"status": "ok"} if healthy else {"status": "unavailable"}
        return self._count("healthz", JSONResponse(body, 200 if healthy else 503))

    async def _metrics(self) -> Response:
        data, content_type = self.metrics.render()
        return self._count("metrics", Response(data, media_type=content_type))

    def _count(self, route: str, response: Response) -> Response:
        self.metrics.http_requests.labels(route, str(response.status_code)).inc()
        return response


def build_app(
    core: Core,
    router: Router,
    metrics: Metrics,
    transport: TeamsTransport,
    adapter: GuardedAdapter,
    *,
    executor: ThreadPoolExecutor,
    slow: ThreadPoolExecutor,
    notify: Callable[[], None] | None = None,
) -> App:
    """The SDK app for ``core`` with kiun's handlers (see the module doc); ``notify`` wakes this process's outbox
    sender after something was queued."""
    settings = core.settings
    app = App(
        client_id=settings.teams_app_id,
        tenant_id=settings.teams_tenant_id,
        token=BotToken(settings),  # type: ignore[arg-type]  # an async callable (scope, tenant) -> str, as the SDK takes
        cloud=cloud(settings),
        http_server_adapter=adapter,
        messaging_endpoint=MESSAGES_PATH,
        dangerously_allow_unauthenticated_requests=False,
        state=False,
        telemetry={"agent365": False},
    )
    handlers = Handlers(core, router, metrics, transport, executor, slow, notify or (lambda: None))
    app.on_message(handlers.message)
    app.on_card_action(handlers.card_action)
    app.on_dialog_open(handlers.dialog_open)
    app.on_dialog_submit(handlers.dialog_submit)
    app.on_install_add(handlers.installed)
    app.on_conversation_update(handlers.conversation_update)
    return app


def _raw(activity: Any) -> dict[str, Any]:
    """The activity as Teams sent it (camelCase JSON)."""
    return activity.model_dump(by_alias=True, exclude_none=True, mode="json")


def command_words(text: str) -> tuple[str, str, str]:
    """A message without its mentions and markup, its first word (lower case, a leading slash dropped) and the
    rest."""
    clean = " ".join(_TAG.sub(" ", _MENTION.sub(" ", text)).replace("&nbsp;", " ").split())
    word, _, rest = clean.partition(" ")
    return clean, word.lstrip("/").lower(), rest


class Handlers:
    """The SDK handlers; each runs kiun's synchronous work on the pools."""

    def __init__(
        self,
        core: Core,
        router: Router,
        metrics: Metrics,
        transport: TeamsTransport,
        executor: ThreadPoolExecutor,
        slow: ThreadPoolExecutor,
        notify: Callable[[], None],
    ) -> None:
        self.core, self.router, self.metrics, self.transport = core, router, metrics, transport
        self.executor, self.slow, self.notify = executor, slow, notify
        self.lang = core.settings.kiun_locale
        self.home_card = HomeCard(core, router, PLATFORM)

    async def _run(self, fn: Callable[..., T], *args: Any, pool: ThreadPoolExecutor | None = None) -> T:
        return await asyncio.get_running_loop().run_in_executor(pool or self.executor, fn, *args)

    # -- activities ------------------------------------------------------------------------------------
    async def message(self, ctx: Any) -> None:
        raw = _raw(ctx.activity)
        if not await self._run(self._first, raw):
            return
        self.slow.submit(self._outcome, "event", self._message, raw)

    async def card_action(self, ctx: Any) -> InvokeResponse[Any]:
        raw = _raw(ctx.activity)
        body = await self._run(self._outcome, "action", self._card_action, raw)
        return InvokeResponse(status=200, body=body)

    async def dialog_open(self, ctx: Any) -> InvokeResponse[Any]:
        raw = _raw(ctx.activity)
        body = await self._run(self._outcome, "action", self._dialog_open, raw)
        return InvokeResponse(status=200, body=body)

    async def dialog_submit(self, ctx: Any) -> InvokeResponse[Any]:
        raw = _raw(ctx.activity)
        body = await self._run(self._outcome, "form", self._dialog_submit, raw)
        return InvokeResponse(status=200, body=body)

    async def installed(self, ctx: Any) -> None:
        raw = _raw(ctx.activity)
        if await self._run(self._first, raw):
            await self._run(self._outcome, "event", self._installed, raw)

    async def conversation_update(self, ctx: Any) -> None:
        """The bot added to a team or chat (members added include the bot): remember where it is."""
        raw = _raw(ctx.activity)
        bot = (raw.get("recipient") or {}).get("id")
        if any(member.get("id") == bot for member in raw.get("membersAdded") or []):
            await self._run(self._outcome, "event", lambda raw: references.remember(self.core, Seen.of(raw)), raw)

    # -- the synchronous work --------------------------------------------------------------------------
    def _first(self, raw: dict[str, Any]) -> bool:
        """Remember the references of ``raw``; False when this activity was handled before (a re-delivery)."""
        seen = Seen.of(raw)
        key = f"teams:{seen.channel_id}:{raw.get('id') or uuid.uuid4().hex}"
        if not first_delivery(self.core, key[:200]):
            log.info("teams: activity %s already handled; ignoring this delivery", raw.get("id"))
            self.metrics.requests.labels("event", "duplicate").inc()
            return False
        references.remember(self.core, seen)
        return True

    def _message(self, raw: dict[str, Any]) -> None:
        seen = Seen.of(raw)
        personal = seen.kind == "personal"
        value = raw.get("value") if isinstance(raw.get("value"), dict) else None
        if value and cards.submitted(value):  # an Action.Submit from an older card comes as a message
            self._card_action(raw | {"value": {"action": {"data": value}}}, first=True)
            return
        clean, word, rest = command_words(raw.get("text") or "")
        here = channel(seen.channel_id)
        if personal and (attached := files.attached(raw)):  # files for the DX office's content (words: their kind)
            with files.downloaded_files(self.core.settings, attached, self.lang) as values:
                request = self._request("message", seen, channel=here, text=clean, values=values)
                self._send(here, self._dispatch(request), raw)
            return
        if personal and not clean and files.pasted_images(raw):
            self._send(here, Reply(text=t("teams.file.pasted_image", self.lang)), raw)
            return
        if not clean or (not personal and not self._mentioned(raw)):
            return
        within = thread(seen.channel_id, self._root(raw)) if seen.kind == "channel" else None  # chats have no threads
        command, text = ALIASES.get(word, (word, rest))
        if command in self.router.commands:
            request = self._request("command", seen, channel=here, thread=within, command=command, text=text)
            if command == "home":
                self._send(request.user, self._dispatch(request).model_copy(update={"ephemeral": False}), raw)
                return
            reply = self._dispatch(request)
            to = destination(request, reply)
        elif (
            within is not None
            and within.id != raw.get("id")
            and seen.channel_id == self.core.settings.kiun_ideas_channel
        ):
            # a reply in the thread of a post in the ideas channel: a comment on that idea (stored, not answered)
            request = self._request("thread", seen, channel=here, thread=within, text=clean)
            answer = self.router.dispatch_thread(self.core, request)
            if answer is not None:
                self._send(within, answer, raw)
            return
        else:  # a question, answered where it was asked
            request = self._request("message", seen, channel=here, thread=within, text=clean)
            reply = self._dispatch(request)
            to = within or here
        if reply.form is not None:  # a dialog opens only from a button: offer one
            payload = json.dumps({"command": request.command, "text": request.text}, ensure_ascii=False)
            reply = _opener(reply.form, OPEN_COMMAND, payload, self.lang)
        self._send(to, reply, raw)

    def _card_action(self, raw: dict[str, Any], *, first: bool = False) -> dict[str, Any]:
        """An ``Action.Execute``: the answer replaces the card for the person who pressed it."""
        if not first and not self._first(raw):
            return {"statusCode": 200, "type": MESSAGE, "value": t("teams.already_done", self.lang)}
        seen = Seen.of(raw)
        data = ((raw.get("value") or {}).get("action") or {}).get("data") or {}
        pressed = cards.submitted(data)
        if pressed is None:
            return {"statusCode": 200, "type": MESSAGE, "value": t("error.unknown_action", self.lang)}
        here = channel(seen.channel_id)
        request = self._request("action", seen, channel=here, action_id=pressed[0], value=pressed[1])
        reply = self._dispatch(request)
        if reply.form is not None:  # a button that was not declared to open a form: offer to open it
            opener = _opener(reply.form, pressed[0], pressed[1], self.lang)
            return {"statusCode": 200, "type": CARD, "value": cards.fit_card(opener, self.lang)}
        if not reply.ephemeral:
            self._send(destination(request, reply), reply, raw)
        original = self._posted(raw.get("replyToId"))
        shown = reply if original is None else _answered(original, reply)
        return {"statusCode": 200, "type": CARD, "value": cards.fit_card(shown, self.lang)}

    def _dialog_open(self, raw: dict[str, Any]) -> dict[str, Any]:
        """``task/fetch``: a button that opens a form (or a command's form): the dialog, else the answer."""
        seen = Seen.of(raw)
        data = (raw.get("value") or {}).get("data") or {}
        references.remember(self.core, seen)
        here = channel(seen.channel_id)
        pressed = cards.submitted(data)
        if pressed is None:
            return cards.task_message(t("error.unknown_action", self.lang))
        if pressed[0] == OPEN_COMMAND:  # a command's form, offered by _opener
            words = json.loads(pressed[1])
            command, text = str(words.get("command", "")), str(words.get("text", ""))
            request = self._request("command", seen, channel=here, command=command, text=text)
        else:
            request = self._request("action", seen, channel=here, action_id=pressed[0], value=pressed[1])
        reply = self._dispatch(request)
        if reply.form is not None:
            return cards.task_response(cards.dialog(reply.form, self.lang), reply.form.title)
        self._send(destination(request, reply), reply, raw)
        return cards.task_message(_plain_text(reply))

    def _dialog_submit(self, raw: dict[str, Any]) -> dict[str, Any] | None:
        """``task/submit``: errors show in the dialog; otherwise it closes and the answer comes as a message."""
        seen = Seen.of(raw)
        data = (raw.get("value") or {}).get("data") or {}
        submitted = cards.submitted_form(data)
        if submitted is None:
            return cards.task_message(t("error.unknown_action", self.lang))
        form = _form(data.get(cards.SPEC_KEY))
        values = cards.form_values(data, form.inputs if form else None)
        request = self._request("form", seen, callback_id=submitted[0], values=values, metadata=submitted[1])
        reply = self._dispatch(request)
        if reply.errors:
            if form is None:
                return cards.task_message(_plain_text(reply))
            return cards.task_response(cards.dialog(form, self.lang, reply.errors, values), form.title)
        if reply.form is not None:
            return cards.task_response(cards.dialog(reply.form, self.lang), reply.form.title)
        self._send(destination(request, reply), reply, raw)
        return None

    def _installed(self, raw: dict[str, Any]) -> None:
        """Installed for a person (or in a team): in the 1:1 chat, the person's home card."""
        seen = Seen.of(raw)
        if seen.kind == "personal":
            self.home_card(seen.user_id)
            self.notify()

    # -- helpers ---------------------------------------------------------------------------------------
    def _mentioned(self, raw: dict[str, Any]) -> bool:
        bot = (raw.get("recipient") or {}).get("id")
        return any(
            entity.get("type") == "mention" and (entity.get("mentioned") or {}).get("id") == bot
            for entity in raw.get("entities") or []
        )

    @staticmethod
    def _root(raw: dict[str, Any]) -> str:
        """The id of the thread's root post: from ``…;messageid=<root>``, else this post starts the thread."""
        conversation_id = (raw.get("conversation") or {}).get("id") or ""
        _, _, root = conversation_id.partition(";messageid=")
        return root or str(raw.get("id") or "")

    def _request(self, kind: Kind, seen: Seen, **fields: Any) -> Request:
        return without_nul(
            Request(
                kind=kind,
                user=user(seen.user_id),
                is_admin=self.core.is_admin(seen.user_id),
                lang=self.lang,
                **fields,
            )
        )

    def _dispatch(self, request: Request) -> Reply:
        started = time.perf_counter()
        try:
            return self.router.dispatch(self.core, request)
        finally:
            self.metrics.handler_seconds.labels(request.kind).observe(time.perf_counter() - started)

    def _posted(self, activity_id: str | None) -> Reply | None:
        """The newest version of the message kiun posted as activity ``activity_id`` (its outbox row and edits)."""
        if not activity_id:
            return None
        with self.core.sessions() as session:
            row = session.scalar(
                select(OutboxMessage).where(
                    OutboxMessage.message_ref == activity_id, OutboxMessage.platform == PLATFORM
                )
            )
            if row is None:
                return None
            newest = session.scalar(
                select(OutboxMessage.payload)
                .where(OutboxMessage.replaces == row.key, OutboxMessage.state == OutboxState.SENT)
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            )
            return Reply.model_validate(newest or row.payload)

    def _send(self, to: Address, reply: Reply, raw: dict[str, Any]) -> None:
        """Post now; if Teams keeps failing, keep it in the outbox (sent later) — an uncertain post is not repeated."""
        key = f"reply:teams:{raw.get('id') or uuid.uuid4().hex}:{uuid.uuid4().hex[:8]}"
        try:
            self.transport.send(to, reply)
        except TransientDeliveryError as exc:
            log.warning("teams: could not post %s now (%s); queued in the outbox", key, exc)
            with transaction(self.core.sessions) as session:
                enqueue(session, key, to, reply)
            self.notify()
        except (PermanentDeliveryError, UncertainDeliveryError) as exc:
            log.error("teams: cannot post %s: %s", key, exc)

    def _outcome(self, kind: str, fn: Callable[[dict[str, Any]], Any], raw: dict[str, Any]) -> Any:
        """Run ``fn`` with a request id and the outcome metric; when it fails, a polite answer instead of its result:
        for an invoke, the invoke's answer; for any other activity, a message in its conversation."""
        logs.request_id.set(uuid.uuid4().hex[:12])
        try:
            result = fn(raw)
        except Exception:
            self.metrics.requests.labels(kind, "error").inc()
            log.exception("teams: %s handler failed", kind)
            return self._sorry(kind, raw)
        self.metrics.requests.labels(kind, "ok").inc()
        return result

    def _sorry(self, kind: str, raw: dict[str, Any]) -> Any:
        sorry = t("error.generic", self.lang)
        if kind == "form" or raw.get("name") == "task/fetch":
            return cards.task_message(sorry)
        if raw.get("type") == "invoke":
            return {"statusCode": 200, "type": MESSAGE, "value": sorry}
        try:
            self.transport.send(channel(Seen.of(raw).conversation_id), Reply(text=sorry))
        except Exception:  # noqa: BLE001 - nothing more we can do; it is logged
            log.exception("teams: could not tell the user about the failure")
        return None


def _opener(form: Form, action_id: str, value: str, lang: str) -> Reply:
    """A card with one button opening ``form`` as a dialog (the action ``action_id`` with ``value`` again)."""
    button = Button(label=t("teams.open_form", lang), action_id=action_id, value=value, opens_form=True)
    return Reply(text=form.title, sections=[Section(text=form.intro or form.title, buttons=[button])])


def _form(spec: object) -> Form | None:
    """The form a dialog showed, from its submit data (None when absent or not a form)."""
    if not isinstance(spec, str):
        return None
    try:
        return Form.model_validate_json(spec)
    except ValueError:
        return None


def _answered(original: Reply, answer: Reply) -> Reply:
    """The posted card with the answer to the button under it (what the person who pressed it sees)."""
    section = Section(text="\n".join(part for part in (answer.text, *(s.text for s in answer.sections)) if part))
    return original.model_copy(update={"sections": [*original.sections, section]})


def _plain_text(reply: Reply) -> str:
    return plain("\n".join(part for part in (reply.text, *(s.text for s in reply.sections)) if part))
