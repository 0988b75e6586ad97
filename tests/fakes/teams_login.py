"""Entra ID's token endpoint on https://127.0.0.1 for the client-credentials flow, as msal uses it.

msal refuses plain-http authorities, so the stand-in serves TLS with a server certificate from a throwaway CA
(both made once per process); point ``REQUESTS_CA_BUNDLE`` at :attr:`FakeLogin.ca_bundle` (msal uses requests).
It answers tenant discovery (``GET /{tenant}/v2.0/.well-known/openid-configuration``) and
``POST /{tenant}/oauth2/v2.0/token`` with the errors Entra gives (``AADSTS…``). Access tokens are RS256 JWTs
(the SDK decodes them unverified), remembered with their expiry on ``time.time()`` so frozen time moves past it.
"""

from __future__ import annotations

import base64
import datetime
import functools
import ipaddress
import json
import secrets
import ssl
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_plus

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.fakes.teams_auth import rsa_key

APP_ID = "6f1c0d3e-3a7b-4c1e-9a55-0b6a5e2f7c10"
APP_PASSWORD = "kiun-test-app-password"
TENANT_ID = "8e3f5b2a-1c4d-4e6f-8a9b-0c1d2e3f4a5b"
DEFAULT_EXPIRES_IN = 3599  # what Entra answers for an app token


@dataclass
class Call:
    method: str
    path: str
    form: dict[str, str]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    status: int = 0  # what was answered


@functools.cache
def _tls_files() -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) PEM files for 127.0.0.1, made once per process."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kiun test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="kiun-teams-tls-"))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server-key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


def _aadsts(error: str, code: int, description: str) -> dict[str, Any]:
    """An error body shaped like Entra's."""
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {stamp}"
        ),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }


class FakeLogin:
    """Start with :meth:`start`; the authority is ``f"{base_url}/{TENANT_ID}"`` (``TEAMS_LOGIN_URL`` = base_url).

    ``clients`` maps client ids to secrets (default the test app). :attr:`expires_in` is what tokens get.
    """

    def __init__(self, clients: dict[str, str] | None = None, tenant: str = TENANT_ID) -> None:
        self.clients = dict(clients or {APP_ID: APP_PASSWORD})
        self.tenant = tenant
        self.expires_in = DEFAULT_EXPIRES_IN
        self.calls: list[Call] = []
        self.token_requests = 0  # POSTs to the token endpoint, answered or not
        self._tokens: dict[str, tuple[float, str]] = {}  # access token → (when it expires on time.time(), aud)
        self._failures: list[int] = []
        self._lock = threading.Lock()
        ca, cert, key = _tls_files()
        self.ca_bundle = str(ca)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # The handshake happens on the first read, in the request's own thread, not in the accepting one.
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True, do_handshake_on_connect=False)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> FakeLogin:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Forget calls, counts, faults and settings; issued tokens stay valid until they expire, so a client
        shared between tests keeps working."""
        with self._lock:
            self.calls.clear()
            self.token_requests = 0
            self._failures.clear()
            self.expires_in = DEFAULT_EXPIRES_IN

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_port}"

    @property
    def authority(self) -> str:
        return f"{self.base_url}/{self.tenant}"

    @property
    def token_endpoint(self) -> str:
        return f"{self.authority}/oauth2/v2.0/token"

    def valid(self, token: str, audience: str | None = None) -> bool:
        """Whether ``token`` was issued here (for ``audience``, when given) and has not expired."""
        with self._lock:
            expires, aud = self._tokens.get(token, (0.0, ""))
        return time.time() < expires and audience in (None, aud)

    def fail_next(self, status: int = 503, count: int = 1) -> None:
        """Answer the next ``count`` token requests with ``status`` (an AADSTS-like body)."""
        with self._lock:
            self._failures.extend([status] * count)

    def openid_configuration(self, tenant: str) -> dict[str, Any]:
        base = f"{self.base_url}/{tenant}"
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "tenant_region_scope": "AS",
            "cloud_instance_name": "microsoftonline.com",
        }

    def _token(self, tenant: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = headers.get("Authorization", "")
        if basic.startswith("Basic "):  # RFC 6749 §2.3.1, which msal can use instead of the form
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        scope = form.get("scope", "")
        if tenant != self.tenant:
            return 400, _aadsts("invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return 400, _aadsts("unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        if client_id not in self.clients:
            return 400, _aadsts(
                "unauthorized_client", 700016, f"Application with identifier '{client_id}' was not found."
            )
        if not secrets.compare_digest(secret, self.clients[client_id]):
            return 401, _aadsts(
                "invalid_client", 7000215, f"Invalid client secret provided for a secret added to app '{client_id}'."
            )
        resource = scope.split(" ")[0]
        if not resource.endswith("/.default"):
            return 400, _aadsts(
                "invalid_scope",
                1002012,
                f"The provided value for scope {scope} is not valid. Client credential flows must have a scope"
                " value with /.default suffixed to the resource identifier (application ID URI).",
            )
        now = int(time.time())
        expires_in = self.expires_in
        claims = {
            "aud": resource.removesuffix("/.default"),
            "iss": f"https://sts.windows.net/{tenant}/",
            "iat": now,
            "nbf": now,
            "exp": now + expires_in,
            "appid": client_id,
            "tid": tenant,
            "jti": secrets.token_urlsafe(12),
        }
        token = jwt.encode(claims, rsa_key("login"), algorithm="RS256", headers={"kid": "kiun-test-login"})
        with self._lock:
            self._tokens[token] = now + expires_in, claims["aud"]
        answer = {"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in, "access_token": token}
        return 200, answer

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                parts = path.strip("/").split("/")
                call = self._record("GET", path, {})
                if len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                    if parts[0] == fake.tenant:
                        self._send(call, 200, fake.openid_configuration(parts[0]))
                    else:
                        self._send(call, 400, _aadsts("invalid_tenant", 90002, f"Tenant '{parts[0]}' not found."))
                else:
                    self._send(call, 404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                parts = path.strip("/").split("/")
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                call = self._record("POST", path, form)
                if len(parts) != 4 or parts[1:] != ["oauth2", "v2.0", "token"]:
                    self._send(call, 404, {"error": "not_found"})
                    return
                with fake._lock:
                    fake.token_requests += 1
                    failure = fake._failures.pop(0) if fake._failures else None
                if failure:
                    self._send(call, failure, _aadsts("temporarily_unavailable", 50196, "The server is busy."))
                    return
                self._send(call, *fake._token(parts[0], form, dict(self.headers)))

            def _record(self, method: str, path: str, form: dict[str, str]) -> Call:
                call = Call(method, path, form, dict(self.headers))
                with fake._lock:
                    fake.calls.append(call)
                return call

            def _send(self, call: Call, status: int, body: dict[str, Any]) -> None:
                call.status = status
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store, no-cache")
                self.end_headers()
                self.wfile.write(data)

        return Handler
