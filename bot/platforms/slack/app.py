"""The Slack app: Bolt listeners that turn Slack requests into :class:`~bot.chat.router.Request`s and render replies.

Every command and interaction is acknowledged within Slack's 3 seconds: fast replies travel in the ack itself;
commands the router marks slow (``/ask``) are acked with their ack text and, like questions in mentions and DMs,
run after the ack on a pool of its own (:func:`slow_executor`), so an ack never waits for a thread held by a slow
LLM. Work a feature defers (a report, an answer by DM) is queued in the database and run by the workers.
Replies posted through the Web API after the ack go through :class:`~bot.platforms.slack.transport.SlackTransport`;
when Slack keeps failing they are put in the outbox, which sends them later, and the person is told so.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import logs
from bot.app.core import Core
from bot.app.metrics import Metrics
from bot.chat.address import Address, User
from bot.chat.capabilities import destination
from bot.chat.i18n import t
from bot.chat.reply import Form, Reply
from bot.chat.request import Kind, Request
from bot.chat.router import Router
from bot.db.session import transaction
from bot.delivery.events import first_delivery
from bot.delivery.outbox import PermanentDeliveryError, TransientDeliveryError, enqueue
from bot.platforms.slack.blocks import action_name, errors_response, home_view, message, modal, submitted_values
from bot.platforms.slack.client import make_client
from bot.platforms.slack.files import downloaded_files
from bot.platforms.slack.render import mrkdwn
from bot.platforms.slack.transport import PLATFORM, SlackTransport, channel, thread, user

log = logging.getLogger(__name__)

COMMANDS = ("kiun", "idea", "ideas", "ask")
SLOW_THREADS_PER_WORKER = 4
_MENTION = re.compile(r"<@[A-Z0-9]+>")
# A member named in a command: a mention (<@U…>, <@U…|name>) or a member id as copied from the profile.
_MEMBER = re.compile(r"<?@?([UW][A-Z0-9_]{2,})(?:\|[^>]*)?>?")


def mentions(text: str) -> dict[str, User]:
    """The words of ``text`` that name a Slack member, each with that member."""
    return {word: user(match.group(1)) for word in text.split() if (match := _MEMBER.fullmatch(word))}


class _TokenNotice(logging.Filter):
    """Drop Bolt's "`token` will be unused" warning: Bolt reads SLACK_BOT_TOKEN itself, but kiun's client has it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_TOKEN_NOTICE = _TokenNotice()


def listener_executor(core: Core) -> ThreadPoolExecutor:
    """Bolt's pool for listeners and acks, sized by ``KIUN_WORKERS`` (Bolt's default is 5 threads)."""
    return ThreadPoolExecutor(core.settings.kiun_workers, thread_name_prefix="kiun-slack")


def slow_executor(core: Core) -> ThreadPoolExecutor:
    """The pool for slow work after the ack (answers that wait for the LLM): :data:`SLOW_THREADS_PER_WORKER` ×
    ``KIUN_WORKERS`` threads, as they mostly wait on the network; more work than threads waits in its queue."""
    return ThreadPoolExecutor(SLOW_THREADS_PER_WORKER * core.settings.kiun_workers, thread_name_prefix="kiun-slow")


def build_app(
    core: Core,
    router: Router,
    metrics: Metrics | None = None,
    *,
    client: WebClient | None = None,
    executor: ThreadPoolExecutor | None = None,
    slow: ThreadPoolExecutor | None = None,
) -> App:
    """A Bolt app for ``core`` with kiun's middleware and listeners (HTTP and Socket Mode alike); ``executor`` runs
    Bolt's listeners, ``slow`` the work after the ack (see :func:`slow_executor`)."""
    settings = core.settings
    core.platform = PLATFORM  # the ids kiun stores are Slack's from now on
    logging.getLogger("slack_bolt.App").addFilter(_TOKEN_NOTICE)
    app = App(
        name="kiun",
        signing_secret=settings.slack_signing_secret,
        client=client or make_client(settings),
        process_before_response=False,
        listener_executor=executor or listener_executor(core),
    )
    listeners = Listeners(core, router, metrics or Metrics(), app.client, slow or slow_executor(core))
    app.use(request_context)
    app.use(listeners.dedupe_events)
    for name in COMMANDS:
        app.command(f"/{name}")(listeners.slow_command if name in router.slow else listeners.command)
    app.action(re.compile(".*"))(listeners.action)
    app.view(re.compile(".*"))(listeners.view_submission)
    app.event("app_mention")(listeners.app_mention)
    app.event("message")(listeners.message)
    app.event("app_home_opened")(listeners.app_home_opened)
    return app


def request_context(context: BoltContext, next: Any) -> Any:  # noqa: A002 - Bolt's argument name
    """Give each request an id for the log (copied into lazy listeners through the context)."""
    context["request_id"] = uuid.uuid4().hex[:12]
    logs.request_id.set(context["request_id"])
    return next()


class Listeners:
    """Bolt listeners; each turns one kind of Slack request into a Request for the router."""

    def __init__(self, core: Core, router: Router, metrics: Metrics, client: WebClient, slow: Executor) -> None:
        self.core, self.router, self.metrics, self.slow = core, router, metrics, slow
        self.lang = core.settings.kiun_locale
        self.transport = SlackTransport(client, self.lang)

    # -- middleware ------------------------------------------------------------------------------------
    def dedupe_events(self, body: dict[str, Any], next: Any) -> Any:  # noqa: A002
        """Handle each Events API ``event_id`` once: a database row, so retries and replicas never act twice."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id or first_delivery(self.core, str(event_id)):
            return next()
        log.info("slack: event %s already handled; ignoring this delivery", event_id)
        self.metrics.requests.labels("event", "duplicate").inc()
        return BoltResponse(status=200, body="")

    # -- commands --------------------------------------------------------------------------------------
    def command(self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext):
        """Fast commands: the reply travels in the ack (ephemeral), a form opens as a modal."""
        with self._outcome("command", context, self._sorry_ack(ack)):
            request = self._command_request(command)
            reply = self._dispatch(request)
            if reply.form:
                ack()
                self._open_form(client, command["trigger_id"], reply.form, respond)
            elif reply.file is not None:  # a file cannot travel in an ack: it comes in a DM
                ack(response_type="ephemeral", text=mrkdwn(t("slack.file_in_dm", self.lang)))
                self._post(request.user, reply, f"reply:{context['request_id']}", respond)
            elif reply.ephemeral:
                ack(response_type="ephemeral", **message(reply, self.lang))
            else:
                ack()
                self._post(destination(request, reply), reply, f"reply:{context['request_id']}", respond)

    def slow_command(
        self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        """Slow commands: say at once that the answer is coming (the router's ack text), then answer on the slow
        pool."""
        logs.request_id.set(context.get("request_id", "-"))
        ack(response_type="ephemeral", text=mrkdwn(t(self.router.slow[command["command"].lstrip("/")], self.lang)))
        self.slow.submit(self._slow_command, command, respond, client, context)

    def _slow_command(self, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext):
        """The answer replaces nothing, it follows as a reply."""
        with self._outcome("command", context, self._sorry_respond(respond)):
            request = self._command_request(command)
            reply = self._dispatch(request)
            if reply.form:
                self._open_form(client, command["trigger_id"], reply.form, respond)
            elif reply.ephemeral:
                self._respond(respond, reply)
            else:
                self._post(destination(request, reply), reply, f"reply:{context['request_id']}", respond)

    # -- interactions ----------------------------------------------------------------------------------
    def action(self, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext):
        """A button or menu: ack first, then answer ephemerally (or open a form)."""
        ack()
        with self._outcome("action", context, self._sorry_respond(respond)):
            action = body["actions"][0]
            value = action.get("value") or (action.get("selected_option") or {}).get("value", "")
            channel_id = (body.get("channel") or {}).get("id")
            request = self._request(
                "action",
                body["user"]["id"],
                channel=channel(channel_id) if channel_id else None,
                action_id=action_name(action.get("action_id", "")),
                value=value,
            )
            reply = self._dispatch(request)
            if reply.form:
                self._open_form(client, body["trigger_id"], reply.form, respond)
            elif reply.ephemeral and respond.response_url:
                self._respond(respond, reply)
            else:
                self._post(destination(request, reply), reply, f"reply:{context['request_id']}", respond)

    def view_submission(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext):
        """A submitted modal: errors show in place; otherwise it closes and the answer comes as a DM."""
        person = user(body["user"]["id"])

        def sorry() -> None:  # a modal cannot show a message: close it and answer in a DM
            if ack.response is None:
                ack()
            self._post(person, Reply(text=t("error.generic", self.lang)), f"error:{context['request_id']}", None)

        with self._outcome("form", context, sorry):
            request = self._request(
                "form",
                person.id,
                callback_id=view.get("callback_id", ""),
                values=submitted_values(view),
                metadata=view.get("private_metadata") or "",
            )
            reply = self._dispatch(request)
            if reply.errors:
                ack(**errors_response(reply.errors))
            elif reply.form:
                ack(response_action="update", view=modal(reply.form, self.lang))
            else:
                ack()
                self._post(destination(request, reply), reply, f"reply:{context['request_id']}", None)

    # -- events ----------------------------------------------------------------------------------------
    def app_mention(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        """An @mention (acked by Bolt already): answered in its thread, on the slow pool."""
        self.slow.submit(self._mention, event, body, context)

    def _mention(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        with self._outcome("event", context):
            here = thread(event["channel"], event.get("thread_ts") or event["ts"])
            text = _MENTION.sub("", event.get("text") or "").strip()
            request = self._request("message", event["user"], channel=here.channel, thread=here, text=text)
            self._post(here, self._dispatch(request), f"event:{body['event_id']}", None)

    def message(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        """A DM to the bot, or a reply in a channel thread (acked by Bolt already), on the slow pool."""
        self.slow.submit(self._message, event, body, context)

    def _message(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        """Edits, bots, the bot itself and mentions (answered by :meth:`app_mention`) are ignored."""
        author = event.get("user")
        shared = event.get("subtype") == "file_share" and event.get("channel_type") == "im"
        if (event.get("subtype") and not shared) or event.get("bot_id") or not author or author == context.bot_user_id:
            return
        text = event.get("text") or ""
        here = channel(event["channel"])
        within = thread(here.id, event["thread_ts"]) if event.get("thread_ts") else None
        with self._outcome("event", context):
            if event.get("channel_type") == "im":
                with downloaded_files(self.transport.client, event.get("files") or []) as files:
                    request = self._request("message", author, channel=here, thread=within, text=text, values=files)
                    reply = self._dispatch(request)
            elif within and f"<@{context.bot_user_id}>" not in text:
                request = self._request("thread", author, channel=here, thread=within, text=text)
                answer = self.router.dispatch_thread(self.core, request)
                if answer is None:
                    return
                reply = answer
            else:
                return
            self._post(within or here, reply, f"event:{body['event_id']}", None)

    def app_home_opened(self, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """Publish the Home tab (the router's ``home`` command) when someone opens it."""
        if event.get("tab", "home") != "home":
            return
        with self._outcome("event", context):
            user_id = event["user"]
            reply = self._dispatch(self._request("command", user_id, command="home"))
            client.views_publish(user_id=user_id, view=home_view(reply, self.lang))

    # -- helpers ---------------------------------------------------------------------------------------
    def _request(self, kind: Kind, user_id: str, **fields: Any) -> Request:
        return Request(
            kind=kind,
            user=user(user_id),
            is_admin=self.core.is_admin(user_id),
            lang=self.lang,
            **fields,
        )

    def _command_request(self, command: dict[str, Any]) -> Request:
        return self._request(
            "command",
            command["user_id"],
            channel=channel(command["channel_id"]) if command.get("channel_id") else None,
            command=command["command"].lstrip("/"),
            text=(command.get("text") or "").strip(),
            mentions=mentions(command.get("text") or ""),
        )

    def _dispatch(self, request: Request) -> Reply:
        started = time.perf_counter()
        try:
            return self.router.dispatch(self.core, request)
        finally:
            self.metrics.handler_seconds.labels(request.kind).observe(time.perf_counter() - started)

    def _outcome(self, kind: str, context: BoltContext, fallback: Callable[[], None] | None = None) -> _Outcome:
        return _Outcome(self, kind, context, fallback)

    def _sorry_ack(self, ack: Ack) -> Callable[[], None]:
        """Fallback for commands: the error message in the ack (if it was not sent yet) or via response_url."""

        def answer() -> None:
            if ack.response is None:
                ack(response_type="ephemeral", text=mrkdwn(t("error.generic", self.lang)))

        return answer

    def _sorry_respond(self, respond: Respond) -> Callable[[], None]:
        def answer() -> None:
            if respond.response_url:
                self._respond(respond, Reply(text=t("error.generic", self.lang)))

        return answer

    def _respond(self, respond: Respond, reply: Reply) -> None:
        response = respond(response_type="ephemeral", replace_original=False, **message(reply, self.lang))
        if response.status_code != 200:
            log.warning("slack: response_url answered %s", response.status_code)

    def _open_form(self, client: WebClient, trigger_id: str, form: Form, respond: Respond | None) -> None:
        """Open a modal; if Slack cannot, say so (a trigger expires in 3 s, so it cannot be retried later)."""
        try:
            client.views_open(trigger_id=trigger_id, view=modal(form, self.lang))
        except SlackApiError as exc:
            log.warning("slack: views.open failed: %s", exc.response.get("error") or exc.response.status_code)
            if respond is not None and respond.response_url:
                self._respond(respond, Reply(text=t("slack.form_failed", self.lang)))

    def _post(self, to: Address, reply: Reply, key: str, respond: Respond | None) -> None:
        """Post via the Web API; if Slack keeps failing, keep the message in the outbox and say it will follow."""
        try:
            self.transport.send(to, reply, key=key)
        except TransientDeliveryError as exc:
            log.warning("slack: could not post %s now (%s); queued in the outbox", key, exc)
            with transaction(self.core.sessions) as session:
                enqueue(session, key, to, reply)
            if respond is not None and respond.response_url:
                self._respond(respond, Reply(text=t("error.will_retry", self.lang)))
        except PermanentDeliveryError as exc:
            log.error("slack: cannot post %s: %s", key, exc)
            if respond is not None and respond.response_url:
                self._respond(respond, Reply(text=t("error.generic", self.lang)))


class _Outcome:
    """Context manager around a listener: request id for the log, the outcome metric, and a polite answer
    through ``fallback`` (never a stack trace) when something unexpected fails."""

    def __init__(self, listeners: Listeners, kind: str, context: BoltContext, fallback: Callable[[], None] | None):
        self.listeners, self.kind, self.context, self.fallback = listeners, kind, context, fallback

    def __enter__(self) -> _Outcome:
        logs.request_id.set(self.context.get("request_id", "-"))
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.listeners.metrics.requests.labels(self.kind, "ok" if exc is None else "error").inc()
        if exc is None:
            return False
        log.error("slack: %s listener failed", self.kind, exc_info=(exc_type, exc, tb))
        if self.fallback is not None:
            try:
                self.fallback()
            except Exception:  # noqa: BLE001 - nothing more we can do; it is logged
                log.exception("slack: could not tell the user about the failure")
        return True
