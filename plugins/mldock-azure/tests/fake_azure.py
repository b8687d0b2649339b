"""A fake Microsoft Entra ID and ACR token exchange on 127.0.0.1, for the acr tests.

Azure has no emulator, so this HTTPS server serves the few calls that
azure-identity's ``EnvironmentCredential`` and mldock's ACR plugin make:

- ``GET /{tenant}/v2.0/.well-known/openid-configuration``, which msal reads
  before its first token request;
- ``POST /{tenant}/oauth2/v2.0/token``, the client credentials grant;
- ``GET /metadata/identity/oauth2/token``, the managed identity (IMDS) token
  request, always answered "no identity assigned";
- ``POST /oauth2/exchange``, ACR's exchange of an Entra ID access token for a
  registry refresh token.

It records every request, so a test can assert which calls were made. A
second, plain-HTTP server (``ProxyTrap``) is set as the HTTP(S) proxy of the
process under test: any request to a host other than 127.0.0.1 goes to it
and is recorded instead of leaving the machine.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "66666666-7777-8888-9999-000000000000"
CLIENT_SECRET = "client-secret-for-tests"
ACR_USERNAME = "00000000-0000-0000-0000-000000000000"
# bcrypt, behind the local registry's htpasswd file, reads at most 72 bytes
# of a password, so the fake's refresh tokens stay short.
REFRESH_TOKEN = "acr-refresh-" + uuid.uuid4().hex
STALE_REFRESH_TOKEN = "acr-stale-" + uuid.uuid4().hex


def write_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1 and its key; return both paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
        # The certificate is its own trust anchor (REQUESTS_CA_BUNDLE), so it
        # is marked as a CA, which strict X.509 verification requires.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    certificate_path = folder / "fake-azure.pem"
    key_path = folder / "fake-azure.key"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_path, key_path


@dataclass
class Seen:
    """One request the fake received."""

    method: str
    path: str
    form: dict[str, str] = field(default_factory=dict)


def _encode_part(value: dict) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def access_token(tenant: str, scope: str) -> str:
    """Return an unsigned JWT-shaped token whose ``tid`` claim the plugin reads."""
    claims = {
        "tid": tenant,
        "aud": scope.removesuffix("/.default"),
        "jti": uuid.uuid4().hex,
    }
    return f"{_encode_part({'alg': 'none', 'typ': 'JWT'})}.{_encode_part(claims)}.x"


class FakeAzure:
    """The fake Entra ID and ACR exchange; ``url`` is its ``https://127.0.0.1:PORT``."""

    def __init__(self, certificate: Path, key: Path) -> None:
        self.requests: list[Seen] = []
        self.issued: set[str] = set()
        self.client_secret = CLIENT_SECRET
        self.exchange_status = 200
        # How many exchanges return a refresh token that the registry rejects.
        self.stale_exchanges = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakeAzure:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)

    def paths(self, method: str | None = None) -> list[str]:
        """Return the paths requested so far, in order, optionally of one method."""
        with self._lock:
            return [
                seen.path for seen in self.requests if method in (None, seen.method)
            ]

    def forms(self, path: str) -> list[dict[str, str]]:
        """Return the form fields of every POST to ``path``."""
        with self._lock:
            return [seen.form for seen in self.requests if seen.path == path]

    def next_refresh_token(self) -> str:
        with self._lock:
            if self.stale_exchanges > 0:
                self.stale_exchanges -= 1
                return STALE_REFRESH_TOKEN
            return REFRESH_TOKEN


def _handler_for(fake: FakeAzure) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:
            pass  # a test reads fake.requests, not the server's log lines

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            fake.record(Seen("GET", path))
            parts = path.strip("/").split("/")
            if path.endswith("/v2.0/.well-known/openid-configuration"):
                self._reply(200, _openid_configuration(fake.url, parts[0]))
            elif path == "/metadata/identity/oauth2/token":
                # IMDS returns 400 where no managed identity is assigned, and
                # azure-identity then reports managed identity as unavailable.
                self._reply(
                    400,
                    {
                        "error": "invalid_request",
                        "error_description": "Identity not found",
                    },
                )
            else:
                self._reply(
                    404, {"error": "not_found", "error_description": f"no route {path}"}
                )

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            form = {key: values[0] for key, values in parse_qs(body).items()}
            fake.record(Seen("POST", path, form))
            if path.endswith("/oauth2/v2.0/token"):
                self._token(path.strip("/").split("/")[0], form)
            elif path == "/oauth2/exchange":
                self._exchange(form)
            else:
                self._reply(
                    404, {"error": "not_found", "error_description": f"no route {path}"}
                )

        def _token(self, tenant: str, form: dict[str, str]) -> None:
            if (
                form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != fake.client_secret
            ):
                self._reply(
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": (
                            "AADSTS7000215: Invalid client secret provided."
                        ),
                        "error_codes": [7000215],
                    },
                )
                return
            token = access_token(tenant, form.get("scope", ""))
            with fake._lock:
                fake.issued.add(token)
            self._reply(
                200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
            )

        def _exchange(self, form: dict[str, str]) -> None:
            if fake.exchange_status != 200:
                self._reply(
                    fake.exchange_status,
                    {
                        "errors": [
                            {
                                "code": "DENIED",
                                "message": "token exchange rejected by the fake",
                            }
                        ]
                    },
                )
                return
            if (
                form.get("grant_type") != "access_token"
                or form.get("access_token") not in fake.issued
            ):
                self._reply(
                    400,
                    {
                        "errors": [
                            {"code": "BAD_REQUEST", "message": "unknown access token"}
                        ]
                    },
                )
                return
            self._reply(200, {"refresh_token": fake.next_refresh_token()})

        def _reply(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _openid_configuration(base: str, tenant: str) -> dict:
    return {
        "issuer": f"{base}/{tenant}/v2.0",
        "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
        "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
        "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
        "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
        "response_types_supported": [
            "code",
            "id_token",
            "code id_token",
            "token id_token",
        ],
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
        ],
        "tenant_region_scope": "EU",
    }


class ProxyTrap:
    """A plain-HTTP proxy that forwards nothing and records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args) -> None:
                pass

            def _reject(self) -> None:
                trap.requests.append(f"{self.command} {self.path}")
                self.send_error(403, "the test proxy forwards nothing")

            do_CONNECT = do_GET = do_POST = do_PUT = do_HEAD = _reject

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> ProxyTrap:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
