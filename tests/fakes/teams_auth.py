"""Bot Framework's token signing on 127.0.0.1, for inbound Teams activities.

Serves OpenID metadata at ``/v1/.well-known/openidconfiguration`` and the JWKS at ``/v1/.well-known/keys`` (the
SDK's validator does not read the metadata: it derives the JWKS address by replacing ``/openidconfiguration``
with ``/keys``). :meth:`FakeBotAuth.sign` makes the JWT Teams puts in ``Authorization: Bearer …`` with Bot
Framework's claim set. The key ``"other"`` is not in the JWKS, for the wrong-key case. RSA keys are made once per
process (:func:`rsa_key`).
"""

from __future__ import annotations

import base64
import functools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://api.botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
GOOD_KID = "kiun-test-good"
OTHER_KID = "kiun-test-other"
# PyJWT in the SDK's validator allows 300 s of clock skew, so "expired" and "not yet valid" are an hour off.
EXPIRED = -3600  # expires_in for a token whose exp was an hour ago
FUTURE_NBF = 3600  # not_before for a token valid only from an hour ahead


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key per name, made once per process (generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64url_uint(value: int) -> str:
    data = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk(name: str, kid: str) -> dict[str, Any]:
    """The public half of :func:`rsa_key` ``name`` as a JWK, shaped like Bot Framework's (with endorsements)."""
    numbers = rsa_key(name).public_key().public_numbers()
    return {
        "kty": "RSA",
        "use": "sig",
        "kid": kid,
        "n": _b64url_uint(numbers.n),
        "e": _b64url_uint(numbers.e),
        "endorsements": ["msteams"],
    }


class FakeBotAuth:
    """Start with :meth:`start`; give the SDK :attr:`openid_metadata_url` (``TEAMS_OPENID_METADATA_URL``)."""

    def __init__(self) -> None:
        self.fetches: list[str] = []  # paths requested, oldest first
        self._lock = threading.Lock()
        self._keys = {"good": ("good", GOOD_KID), "other": ("other", OTHER_KID)}
        self._jwks = {"keys": [jwk("good", GOOD_KID)]}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> FakeBotAuth:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.fetches.clear()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def openid_metadata_url(self) -> str:
        return self.base_url + METADATA_PATH

    @property
    def jwks_uri(self) -> str:
        return self.base_url + KEYS_PATH

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": ISSUER,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": self.jwks_uri,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def sign(
        self,
        service_url: str,
        *,
        app_id: str,
        aud: str | None = None,
        iss: str = ISSUER,
        expires_in: int = 3600,
        not_before: int = 0,
        serviceurl: str | None = None,
        key: str = "good",
        kid: str | None = None,
        **extra: Any,
    ) -> str:
        """A compact JWT as Teams sends to the bot: ``aud`` (default ``app_id``), ``iss``, ``serviceurl`` (default
        ``service_url``), ``iat`` now, ``nbf`` now + ``not_before``, ``exp`` now + ``expires_in`` (seconds), plus
        ``extra`` claims. ``key="other"`` signs with a key not in the JWKS (its own kid unless ``kid`` is given:
        the good kid makes a signature mismatch rather than an unknown key)."""
        name, default_kid = self._keys[key]
        now = int(time.time())
        claims: dict[str, Any] = {
            "serviceurl": service_url if serviceurl is None else serviceurl,
            "nbf": now + not_before,
            "exp": now + expires_in,
            "iat": now,
            "iss": iss,
            "aud": app_id if aud is None else aud,
            **extra,
        }
        return jwt.encode(claims, rsa_key(name), algorithm="RS256", headers={"kid": kid or default_kid})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?", 1)[0]
                with fake._lock:
                    fake.fetches.append(path)
                body = {METADATA_PATH: fake.metadata, KEYS_PATH: lambda: fake._jwks}.get(path)
                data = json.dumps(body()).encode() if body else b""
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
