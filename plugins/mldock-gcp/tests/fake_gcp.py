"""A stand-in for two Google Cloud APIs on 127.0.0.1, because Google ships no emulator.

It serves the OAuth 2.0 token endpoint that a service account key's
``token_uri`` names (checking the signed JWT that google-auth posts) and the
Artifact Registry REST API's repository and operation methods. Every request is
recorded; a request to any other path gets 404 and lands in ``unexpected``.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth 2.x signs its token requests for this audience whatever the key
# file's token_uri is; it is a claim in the JWT, never contacted.
TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
REPOSITORY = re.compile(r"/v1/projects/([^/]+)/locations/([^/]+)/repositories/([^/]+)")
REPOSITORIES = re.compile(r"/v1/projects/([^/]+)/locations/([^/]+)/repositories")
OPERATION = re.compile(r"/v1/projects/([^/]+)/locations/([^/]+)/operations/([^/]+)")
# Repository.Format numbers of the Artifact Registry API, which the REST
# client may send in place of the names.
FORMATS = {1: "DOCKER", 2: "MAVEN", 3: "NPM", 5: "APT", 6: "YUM", 8: "PYTHON"}
TYPE_PREFIX = "type.googleapis.com/google.devtools.artifactregistry.v1."


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class FakeGoogleCloud:
    """The fake's state: what it issues and serves, and what it was sent."""

    tokens: list[str]
    repositories: dict[str, dict[str, Any]] = field(default_factory=dict)
    denied_projects: set[str] = field(default_factory=set)
    # A google.rpc.Status that create operations finish with, instead of a repository.
    operation_error: dict[str, Any] | None = None
    issued: list[str] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    unexpected: list[Recorded] = field(default_factory=list)
    operations: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_email: str = "mldock-test@fake-project.iam.gserviceaccount.com"
    url: str = ""
    _public_key: Any = None
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def start(self) -> FakeGoogleCloud:
        fake = self

        class Handler(_Handler):
            state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def write_key_file(self, path: Path) -> Path:
        """Write a service account key file with a new RSA key and this token_uri."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._public_key = key.public_key()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        path.write_text(
            json.dumps(
                {
                    "type": "service_account",
                    "project_id": "fake-project",
                    "private_key_id": "fake-key-1",
                    "private_key": pem,
                    "client_email": self.client_email,
                    "client_id": "100000000000000000001",
                    "token_uri": self.token_uri,
                }
            )
        )
        return path

    def add_repository(
        self, project: str, location: str, repository: str, **fields: Any
    ) -> None:
        name = f"projects/{project}/locations/{location}/repositories/{repository}"
        self.repositories[name] = {
            "name": name,
            "format": "DOCKER",
            "mode": "STANDARD_REPOSITORY",
            **fields,
        }

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        """Return the recorded requests of ``method`` whose path matches ``pattern``."""
        return [
            call
            for call in self.requests
            if call.method == method and re.fullmatch(pattern, call.path)
        ]

    def next_token(self) -> str:
        with self._lock:
            token = self.tokens[min(len(self.issued), len(self.tokens) - 1)]
            self.issued.append(token)
            return token

    def check_assertion(self, assertion: str) -> str | None:
        """Return why the signed JWT is invalid, or None when it is valid."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        try:
            header, payload, signature = assertion.split(".")
            self._public_key.verify(
                _unbase64(signature),
                f"{header}.{payload}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
            claims = json.loads(_unbase64(payload))
        except (ValueError, InvalidSignature) as error:
            return f"invalid JWT: {error!r}"
        if claims.get("iss") != self.client_email:
            return f"issuer {claims.get('iss')!r} is unknown"
        if claims.get("aud") != TOKEN_AUDIENCE:
            return f"audience {claims.get('aud')!r} is not {TOKEN_AUDIENCE}"
        if CLOUD_PLATFORM_SCOPE not in str(claims.get("scope", "")).split():
            return f"scope {claims.get('scope')!r} lacks {CLOUD_PLATFORM_SCOPE}"
        if claims.get("exp", 0) < time.time():
            return "the JWT has expired"
        return None


def _unbase64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _api_error(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "status": status, "message": message}}


class _Handler(BaseHTTPRequestHandler):
    state: FakeGoogleCloud

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the tests read self.state.requests instead

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parsed.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = raw.decode()
        if raw and "json" in (self.headers.get("Content-Type") or ""):
            body = json.loads(raw)
        elif raw:
            body = urllib.parse.parse_qs(body)
        call = Recorded(method, path, urllib.parse.parse_qs(parsed.query), body)
        self.state.requests.append(call)

        if method == "POST" and path == "/token":
            return self._token(body)
        if not self._authorized():
            return self._send(
                401,
                _api_error(
                    401,
                    "UNAUTHENTICATED",
                    "Request had invalid authentication credentials.",
                ),
            )
        route = self._route(method, path, call)
        if route is None:
            self.state.unexpected.append(call)
            return self._send(
                404, _api_error(404, "NOT_FOUND", f"no route for {method} {path}")
            )
        self._send(*route)

    def _token(self, form: Any) -> None:
        grant = (form.get("grant_type") or [""])[0] if isinstance(form, dict) else ""
        assertion = (form.get("assertion") or [""])[0] if isinstance(form, dict) else ""
        problem = "grant_type is not jwt-bearer" if grant != JWT_BEARER else None
        problem = problem or self.state.check_assertion(assertion)
        if problem:
            return self._send(
                400, {"error": "invalid_grant", "error_description": problem}
            )
        token = self.state.next_token()
        self._send(
            200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}
        )

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        return scheme == "Bearer" and token in self.state.issued

    def _route(self, method: str, path: str, call: Recorded) -> tuple[int, Any] | None:
        state = self.state
        match = REPOSITORY.fullmatch(path)
        if method == "GET" and match:
            if match[1] in state.denied_projects:
                return 403, _api_error(
                    403,
                    "PERMISSION_DENIED",
                    "Permission 'artifactregistry.repositories.get' denied on resource "
                    f"'{path[4:]}' (or it may not exist).",
                )
            found = state.repositories.get(path[4:])
            if found is None:
                return 404, _api_error(
                    404, "NOT_FOUND", "Requested entity was not found."
                )
            return 200, found
        match = REPOSITORIES.fullmatch(path)
        if method == "POST" and match:
            return self._create(match[1], match[2], call)
        match = OPERATION.fullmatch(path)
        if method == "GET" and match:
            operation = state.operations.get(path[4:])
            return (200, operation) if operation else None
        return None

    def _create(self, project: str, location: str, call: Recorded) -> tuple[int, Any]:
        state = self.state
        repository_id = (call.query.get("repositoryId") or [""])[0]
        name = f"projects/{project}/locations/{location}/repositories/{repository_id}"
        if name in state.repositories:
            return 409, _api_error(
                409, "ALREADY_EXISTS", f"the repository already exists: {name}"
            )
        body = dict(call.body)
        body["format"] = FORMATS.get(body.get("format"), body.get("format"))
        call.body = body
        number = len(state.operations) + 1
        operation_name = (
            f"projects/{project}/locations/{location}/operations/op-{number}"
        )
        finished: dict[str, Any] = {"name": operation_name, "done": True}
        if state.operation_error is not None:
            finished["error"] = state.operation_error
        else:
            repository = {**body, "name": name, "mode": "STANDARD_REPOSITORY"}
            state.repositories[name] = repository
            finished["response"] = {"@type": TYPE_PREFIX + "Repository", **repository}
        state.operations[operation_name] = finished
        # The first response reports "not done", so that the client has to poll.
        return 200, {"name": operation_name, "done": False}

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
