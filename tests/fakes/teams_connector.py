"""The Bot Connector REST API of Teams on http://127.0.0.1, for the real SDK ``ApiClient``.

Serves what ``microsoft_teams.api`` sends under any service URL prefix (use :attr:`FakeConnector.service_url`,
``…/teams/``, as the activities' ``serviceUrl``): create a conversation (1:1, or a new thread in a channel), send,
reply, update and delete activities, members (all, paged, one), team details and channels. Every call needs
``Authorization: Bearer <token>`` that ``accept`` takes (the login stand-in's ``valid``), else 401. It keeps the
conversations and their activities (id → the activity JSON as last sent), records every call, and fails on
request: :meth:`~FakeConnector.fail_next`, :meth:`~FakeConnector.delay_next`, :meth:`~FakeConnector.pattern`.
It also stands in for OneDrive's pre-authorised download URLs of files attached in a 1:1 chat
(:meth:`~FakeConnector.serve_file`): a plain GET with the URL's ``tempauth``, refused (401) with a bearer token.
Errors carry Teams' codes (https://learn.microsoft.com/microsoftteams/platform/bots/build-conversational-capability
"Status codes from bot conversational APIs").
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from tests.fakes.teams_login import TENANT_ID

# Teams answers 413 MessageSizeTooBig above its bot message size limit, counted on the payload encoded as UTF-16.
# Microsoft's figure has moved (about 28 KB in the older Teams docs, later 40 KB, now "100 KB, keep it within
# 80 KB" in "Format your bot messages"); the stand-in holds kiun to the strictest, 28 KB, measured as those docs
# do: the activity JSON as UTF-16 with inline (base64) images left out. The whole request, images included, must
# stay within 256 KB (Azure Bot Service refuses larger payloads).
MAX_ACTIVITY_BYTES = 28 * 1024
MAX_PAYLOAD_BYTES = 256 * 1024
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")
DEFAULT_PAGE_SIZE = 200  # the stand-in's choice when pageSize is missing; Teams caps a page at 500
MAX_PAGE_SIZE = 500

ERRORS = {
    400: ("BadArgument", "Invalid request payload."),
    403: ("BotNotInConversationRoster", "The bot is not part of the conversation roster."),
    404: ("ConversationNotFound", "Conversation not found."),
    412: ("PreconditionFailed", "Precondition failed, please try again."),
    413: ("MessageSizeTooBig", "Message size too large."),
    429: ("Throttled", "Too many requests."),
    500: ("ServiceError", "Internal server error."),
    502: ("ServiceError", "Service dependency issue."),
}


@dataclass
class Call:
    method: str
    path: str  # after the service URL prefix, e.g. /v3/conversations/a:1…/activities
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    prefix: str = ""  # the service URL path before /v3, e.g. /teams
    status: int = 0  # what was answered


@dataclass
class Conversation:
    id: str
    kind: str  # "personal" or "channel"
    team_id: str | None = None  # channels: the team (whose roster is the channel's)
    member_id: str | None = None  # personal: the user
    activities: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a file's bytes, sent as they are


def error(status: int, code: str | None = None, message: str | None = None) -> Reply:
    """Teams' error body, ``{"error": {"code", "message"}}``; 503 and 504 come from a gateway, without one."""
    if status in (503, 504):
        return Reply(status)
    default_code, default_message = ERRORS.get(status, ("ServiceError", "Error."))
    return Reply(status, {"error": {"code": code or default_code, "message": message or default_message}})


def fault(status: int, retry_after: float | None = None) -> Reply:
    reply = error(status)
    if retry_after is not None:
        reply.headers["Retry-After"] = f"{retry_after:g}"
    return reply


@dataclass
class Pattern:
    """Seeded faults for the benchmark: every ``every_nth`` call answers ``status`` (with ``Retry-After`` when
    ``retry_after`` is set), and of the other calls a ``random_5xx`` share answers 502 or 504. ``counts`` says
    how many of each status were answered."""

    every_nth: int
    status: int
    retry_after: float | None
    random_5xx: float
    rng: random.Random
    calls: int = 0
    counts: dict[int, int] = field(default_factory=dict)

    def next(self) -> Reply | None:
        self.calls += 1
        if self.every_nth and self.calls % self.every_nth == 0:
            reply = fault(self.status, self.retry_after)
        elif self.rng.random() < self.random_5xx:
            reply = fault(self.rng.choice((502, 504)))
        else:
            return None
        self.counts[reply.status] = self.counts.get(reply.status, 0) + 1
        return reply


def activity_size(activity: Any) -> int:
    """The size Teams checks: the activity JSON encoded as UTF-16 without inline images, independent of how the
    client escaped it."""
    text = _DATA_URI.sub("", json.dumps(activity, ensure_ascii=False, separators=(",", ":")))
    return len(text.encode("utf-16-le"))


def payload_size(activity: Any) -> int:
    """The whole activity as UTF-8 JSON, images included."""
    return len(json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode())


class FakeConnector:
    """Start with :meth:`start`. ``accept(token)`` says whether a bearer token is good (``FakeLogin.valid``)."""

    def __init__(
        self,
        accept: Callable[[str], bool],
        tenant: str = TENANT_ID,
        max_activity_bytes: int = MAX_ACTIVITY_BYTES,
    ) -> None:
        self.accept = accept
        self.tenant = tenant
        self.max_activity_bytes = max_activity_bytes
        self.calls: list[Call] = []
        self.conversations: dict[str, Conversation] = {}
        self.members: dict[str, dict[str, Any]] = {}  # member id → member JSON (TeamsChannelAccount)
        self.installed: set[str] = set()  # member ids for whom the app is installed (personal scope)
        self.rosters: dict[str, list[str]] = {}  # team id → member ids
        self.teams: dict[str, dict[str, Any]] = {}  # team id → TeamDetails JSON
        self.team_channels: dict[str, dict[str, str]] = {}  # team id → further channels: id → name
        self.files: dict[str, bytes] = {}  # /files/<tempauth>/<name> → the file's bytes
        self._failures: list[Reply] = []
        self._delays: list[float] = []
        self._pattern: Pattern | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> FakeConnector:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.conversations.clear()
            self.members.clear()
            self.installed.clear()
            self.rosters.clear()
            self.teams.clear()
            self.team_channels.clear()
            self.files.clear()
            self._failures.clear()
            self._delays.clear()
            self._pattern = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def service_url(self) -> str:
        """A serviceUrl for activities, like Teams' ``https://smba.trafficmanager.net/jp/<tenant>/``."""
        return f"{self.base_url}/teams/"

    # -- setting up -----------------------------------------------------------------------------------
    def _next_id(self) -> int:
        return next(self._ids)

    def add_team(self, name: str = "市役所", channels: tuple[str, ...] = ()) -> str:
        """A team the bot is installed in; its id is its General channel's conversation id. ``channels`` are
        further channels by name. Returns the team id."""
        with self._lock:
            team_id = f"19:{uuid.uuid4().hex}@thread.tacv2"
            self.teams[team_id] = {"id": team_id, "name": name, "aadGroupId": str(uuid.uuid4())}
            self.conversations[team_id] = Conversation(team_id, "channel", team_id=team_id)
            self.rosters[team_id] = []
            self.team_channels[team_id] = {}
            for channel in channels:
                channel_id = f"19:{uuid.uuid4().hex}@thread.tacv2"
                self.conversations[channel_id] = Conversation(channel_id, "channel", team_id=team_id)
                self.team_channels[team_id][channel_id] = channel
        return team_id

    def channels(self, team_id: str) -> dict[str, str | None]:
        """A team's channel ids → names (the General channel, the team id itself, has none, as in Teams)."""
        with self._lock:
            return {team_id: None, **self.team_channels[team_id]}

    def add_members(self, conversation_id: str, n: int, installed: bool = True) -> list[dict[str, Any]]:
        """``n`` new people in the roster of the team of ``conversation_id`` (a team or one of its channels), with
        the app installed for them or not; an unknown id becomes a team of that id. Returns their member JSON."""
        with self._lock:
            if conversation_id not in self.conversations:
                self.teams[conversation_id] = {"id": conversation_id, "name": "チーム", "aadGroupId": str(uuid.uuid4())}
                self.team_channels[conversation_id] = {}
                self.conversations[conversation_id] = Conversation(conversation_id, "channel", team_id=conversation_id)
            roster = self.rosters.setdefault(self._roster_key(self.conversations[conversation_id]), [])
            added = []
            for _ in range(n):
                number = self._next_id()
                aad = str(uuid.uuid5(uuid.NAMESPACE_URL, f"kiun-test-member-{number}"))
                member = {
                    "id": f"29:1{base64.urlsafe_b64encode(aad.encode()).decode().rstrip('=')}",
                    "name": f"職員 {number:04d}",
                    "aadObjectId": aad,
                    "givenName": "職員",
                    "surname": f"{number:04d}",
                    "email": f"staff{number:04d}@city.example.jp",
                    "userPrincipalName": f"staff{number:04d}@city.example.jp",
                    "tenantId": self.tenant,
                    "userRole": "user",
                }
                self.members[member["id"]] = member
                if installed:
                    self.installed.add(member["id"])
                roster.append(member["id"])
                added.append(member)
        return added

    def serve_file(self, name: str, data: bytes) -> str:
        """A file's download URL, as Teams puts in a ``file.download.info`` attachment (its credential in the query)."""
        tempauth = uuid.uuid4().hex
        with self._lock:
            self.files[f"/files/{tempauth}/{name}"] = data
        return f"{self.base_url}/files/{tempauth}/{quote(name)}?tempauth={tempauth}"

    def file_downloads(self) -> list[Call]:
        """The calls to the file URLs (every one, answered or not)."""
        with self._lock:
            return [call for call in self.calls if call.path.startswith("/files/")]

    # -- reading what happened ------------------------------------------------------------------------
    def personal_conversation(self, member_id: str) -> str:
        """The id of the 1:1 conversation with a member (the same id each time, as Teams answers)."""
        return "a:1" + hashlib.sha256(f"{self.tenant}/{member_id}".encode()).hexdigest()[:40]

    def activities(self, conversation_id: str) -> list[dict[str, Any]]:
        """The activities in a conversation as they stand (updated ones as last sent), oldest first."""
        with self._lock:
            conversation = self.conversations.get(conversation_id.split(";")[0])
            return list(conversation.activities.values()) if conversation else []

    def activity(self, conversation_id: str, activity_id: str) -> dict[str, Any] | None:
        with self._lock:
            conversation = self.conversations.get(conversation_id.split(";")[0])
            return conversation.activities.get(activity_id) if conversation else None

    def calls_to(self, method: str, path_suffix: str = "") -> list[Call]:
        """Calls with this HTTP method whose path ends with ``path_suffix``."""
        with self._lock:
            return [c for c in self.calls if c.method == method and c.path.endswith(path_suffix)]

    # -- faults ---------------------------------------------------------------------------------------
    def fail_next(self, status: int, count: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``count`` authorised calls with ``status`` (429 Throttled, 412 PreconditionFailed,
        502 ServiceError, 503/504 from the gateway, …) and ``Retry-After`` when given; nothing is done."""
        with self._lock:
            self._failures.extend(fault(status, retry_after) for _ in range(count))

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """Hold the answer to the next ``count`` calls for ``seconds`` — after doing the work, so a client that
        times out does not know that its activity was posted."""
        with self._lock:
            self._delays.extend([seconds] * count)

    def pattern(
        self,
        every_nth: int = 20,
        status: int = 429,
        retry_after: float | None = 1,
        random_5xx: float = 0.0,
        seed: int = 0,
    ) -> Pattern:
        """Fail calls by a deterministic pattern from now on (see :class:`Pattern`); returns it for its counts."""
        with self._lock:
            self._pattern = Pattern(every_nth, status, retry_after, random_5xx, random.Random(seed))
            return self._pattern

    # -- answering ------------------------------------------------------------------------------------
    def _roster_key(self, conversation: Conversation) -> str:
        return conversation.team_id or conversation.id

    def _roster(self, conversation: Conversation) -> list[dict[str, Any]]:
        if conversation.kind == "personal":
            return [self.members[conversation.member_id]] if conversation.member_id in self.members else []
        return [self.members[m] for m in self.rosters.get(self._roster_key(conversation), [])]

    def _take_fault(self) -> Reply | None:
        if self._failures:
            return self._failures.pop(0)
        return self._pattern.next() if self._pattern else None

    def _too_big(self, activity: Any) -> Reply | None:
        size = activity_size(activity)
        if size > self.max_activity_bytes:
            return error(413, message=f"Message size too large: {size} bytes > {self.max_activity_bytes}.")
        if payload_size(activity) > MAX_PAYLOAD_BYTES:
            return error(413, message=f"Request too large: over {MAX_PAYLOAD_BYTES} bytes.")
        return None

    def _store(self, conversation: Conversation, conversation_id: str, activity: dict[str, Any]) -> str:
        activity_id = str(1_700_000_000_000 + self._next_id())
        conversation.activities[activity_id] = {**activity, "id": activity_id, "conversation": {"id": conversation_id}}
        return activity_id

    def answer(self, method: str, parts: list[str], query: dict[str, str], body: Any) -> Reply:
        """The connector's answer to an authorised call (``parts``: the path after ``/v3/``, unquoted)."""
        with self._lock:
            if parts[0] == "teams" and len(parts) in (2, 3) and method == "GET":
                return self._team(parts[1], conversations=len(parts) == 3 and parts[2] == "conversations")
            if parts[0] != "conversations":
                return error(404, "NotFound", "Not found.")
            if len(parts) == 1:
                return self._create(body) if method == "POST" else error(404, "NotFound", "Not found.")
            conversation_id = parts[1]
            conversation = self.conversations.get(conversation_id.split(";")[0])
            if conversation is None:
                return error(404)
            match method, parts[2:]:
                case "POST", ["activities"]:
                    if body.get("type") == "typing":
                        return Reply(201, {})
                    return self._too_big(body) or Reply(201, {"id": self._store(conversation, conversation_id, body)})
                case "POST", ["activities", activity_id]:  # ReplyToActivity
                    if activity_id not in conversation.activities:
                        return error(404, "ActivityNotFoundInConversation", "Conversation not found.")
                    reply = {**body, "replyToId": activity_id}
                    return self._too_big(reply) or Reply(201, {"id": self._store(conversation, conversation_id, reply)})
                case "PUT", ["activities", activity_id]:
                    if activity_id not in conversation.activities:
                        return error(404, "ActivityNotFoundInConversation", "Conversation not found.")
                    if too_big := self._too_big(body):
                        return too_big
                    conversation.activities[activity_id] = {
                        **body,
                        "id": activity_id,
                        "conversation": {"id": conversation_id},
                    }
                    return Reply(200, {"id": activity_id})
                case "DELETE", ["activities", activity_id]:
                    if conversation.activities.pop(activity_id, None) is None:
                        return error(404, "ActivityNotFoundInConversation", "Conversation not found.")
                    return Reply(200)
                case "GET", ["members"]:
                    return Reply(200, self._roster(conversation))
                case "GET", [paged] if paged.lower() == "pagedmembers":
                    return self._paged(conversation, query)
                case "GET", ["members", member_id]:
                    found = [m for m in self._roster(conversation) if m["id"] == member_id]
                    if not found:
                        return error(404, "MemberNotFoundInConversation", "The member was not found.")
                    return Reply(200, found[0])
            return error(404, "NotFound", "Not found.")

    def _create(self, body: dict[str, Any]) -> Reply:
        """CreateConversation: a 1:1 with ``members[0]`` in ``tenantId``, or a new thread in
        ``channelData.channel`` starting with ``activity``."""
        channel_data = body.get("channelData") or {}
        activity = body.get("activity")
        channel_id = (channel_data.get("channel") or {}).get("id")
        if channel_id:
            channel = self.conversations.get(channel_id)
            if channel is None or channel.kind != "channel":
                return error(403)
            if not activity:
                return error(400, message="An activity is required to start a thread in a channel.")
            if too_big := self._too_big(activity):
                return too_big
            activity_id = str(1_700_000_000_000 + self._next_id())
            thread_id = f"{channel_id};messageid={activity_id}"
            channel.activities[activity_id] = {**activity, "id": activity_id, "conversation": {"id": thread_id}}
            return Reply(201, {"id": thread_id, "activityId": activity_id})
        tenant = body.get("tenantId") or (channel_data.get("tenant") or {}).get("id")
        members = body.get("members") or []
        if not tenant or not members:
            return error(400, message="A 1:1 conversation needs members and tenantId.")
        member_id = members[0].get("id")
        member = self.members.get(member_id)
        if member is None or tenant != self.tenant:
            return error(400, message="Invalid user identity in provided tenant")
        if member_id not in self.installed:
            return error(403)
        conversation_id = self.personal_conversation(member_id)
        conversation = self.conversations.setdefault(
            conversation_id, Conversation(conversation_id, "personal", member_id=member_id)
        )
        answer: dict[str, Any] = {"id": conversation_id}
        if activity:
            if too_big := self._too_big(activity):
                return too_big
            answer["activityId"] = self._store(conversation, conversation_id, activity)
        return Reply(201, answer)

    def _paged(self, conversation: Conversation, query: dict[str, str]) -> Reply:
        roster = self._roster(conversation)
        size = min(int(query.get("pageSize") or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
        token = query.get("continuationToken")
        start = int(base64.urlsafe_b64decode(token).decode()) if token else 0
        end = start + size
        page: dict[str, Any] = {"members": roster[start:end]}
        if end < len(roster):
            page["continuationToken"] = base64.urlsafe_b64encode(str(end).encode()).decode()
        return Reply(200, page)

    def _team(self, team_id: str, conversations: bool) -> Reply:
        team = self.teams.get(team_id)
        if team is None:
            return error(404, "NotFound", "Team not found.")
        channels = [{"id": team_id}] + [{"id": k, "name": v} for k, v in self.team_channels[team_id].items()]
        if conversations:
            return Reply(200, {"conversations": channels})
        return Reply(200, {**team, "channelCount": len(channels), "memberCount": len(self.rosters.get(team_id, []))})

    def _file(self, path: str, query: dict[str, str], authorization: str) -> Reply:
        if authorization:  # a pre-authorised URL is read without a token; storage refuses one
            return Reply(401, {"error": {"code": "InvalidAuthenticationToken", "message": "Unexpected token."}})
        data = self.files.get(unquote(path))
        if data is None or path.split("/")[2] != query.get("tempauth"):
            return Reply(403, {"error": {"code": "accessDenied", "message": "The link has expired."}})
        return Reply(200, headers={"Content-Type": "application/octet-stream"}, raw=data)

    def _handle(self, method: str, raw_path: str, headers: dict[str, str], data: bytes) -> tuple[Reply, float]:
        path, _, raw_query = raw_path.partition("?")
        query = {k: v[0] for k, v in parse_qs(raw_query).items()}
        prefix, marker, rest = path.partition("/v3/")
        try:
            body = json.loads(data) if data else None
        except ValueError:
            body = None
        call = Call(method, f"/v3/{rest}" if marker else path, query, body, headers, prefix=prefix)
        with self._lock:
            self.calls.append(call)
            delay = self._delays.pop(0) if self._delays else 0.0
        authorization = headers.get("Authorization") or headers.get("authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if path.startswith("/files/") and method == "GET":
            with self._lock:
                reply = self._file(path, query, authorization)
        elif scheme.lower() != "bearer" or not token or not self.accept(token):
            reply = Reply(401, {"message": "Authorization has been denied for this request."})
        elif not marker:
            reply = error(404, "NotFound", "Not found.")
        else:
            with self._lock:
                reply = self._take_fault() or Reply(0)
            if not reply.status:
                if method in ("POST", "PUT") and not isinstance(body, dict):
                    reply = error(400, message="The request body is not a JSON object.")
                else:
                    reply = self.answer(method, [unquote(p) for p in rest.split("/")], query, body or {})
        call.status = reply.status
        return reply, delay

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects; every answer has a Content-Length
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                reply, delay = fake._handle(self.command, self.path, dict(self.headers), data)
                if delay:
                    time.sleep(delay)  # an injected delay (delay_next), the only sleep here
                payload = b"" if reply.body is None else json.dumps(reply.body).encode()
                if reply.raw is not None:
                    payload = reply.raw
                try:
                    self.send_response(reply.status)
                    if reply.body is not None:
                        self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timed out)
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 - http.server's naming

        return Handler
