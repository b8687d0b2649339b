"""The ASGI application that serves the project's model over HTTP.

Routes are those of every platform contract that is switched on (see routes.py and
platforms.py). Each worker process loads the model once, at ASGI lifespan start-up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .context import RequestContext, ServeContext
from .decode import parse_content_type
from .envelopes import Envelope, envelope_for
from .errors import HttpError, MldockRuntimeError
from .logs import ACCESS_LOGGER, SERVE_LOGGER, configure_logging
from .mediatypes import MediaType
from .platforms import read_platform_config
from .routes import PLATFORMS, PREDICT, Route, build_routes, health_response
from .settings import MlLayout, ServeSettings, read_serve_settings, read_user_module
from .usercode import find_function, import_user_module, one_line_summary

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyTooLarge(Exception):
    """The request body is larger than the limit.

    ``size`` is the Content-Length when ``declared``, else the bytes read so far.
    """

    def __init__(self, size: int, declared: bool) -> None:
        super().__init__(size)
        self.size = size
        self.declared = declared


class ClientDisconnected(Exception):
    """The client closed the connection before the request body was complete."""


class ModelServer:
    """An ASGI application that calls the project's load() and predict().

    The project's code runs in one thread per worker process, so that load() and
    predict() never run concurrently in a process and the health routes, which run
    on the event loop, stay responsive while predict() works. More concurrency
    comes from more worker processes.
    """

    def __init__(self, settings: ServeSettings, environment: Mapping[str, str]):
        self._settings = settings
        self._environment = environment
        self._log = logging.getLogger(SERVE_LOGGER)
        self._access_log = logging.getLogger(ACCESS_LOGGER)
        # The server process logged these settings' warnings already.
        self._platforms = read_platform_config(
            environment, MlLayout.from_environment(environment)
        )
        self._routes = build_routes(self._platforms, self._log)
        self._envelopes = {
            platform: envelope_for(platform, self._platforms.model_name)
            for platform in PLATFORMS
        }
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="mldock-model")
        self._model: Any = None
        self._predict: Callable[..., Any] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._run_lifespan(receive, send)
        elif scope["type"] == "http":
            await self._handle_logged(scope, receive, send)

    async def _run_lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                failure = await self._run_in_model_thread(self._load_model)
                if failure is not None:
                    await send({"type": "lifespan.startup.failed", "message": failure})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._executor.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _load_model(self) -> str | None:
        """Import the serving module and call load(ctx), or return a failure message."""
        try:
            module = read_user_module(self._environment, "serve")
            imported = import_user_module(
                module, "load(ctx) and predict(model, data, ctx)"
            )
            load = find_function(imported, "load", "load(ctx)")
            predict = find_function(imported, "predict", "predict(model, data, ctx)")
        except MldockRuntimeError as exc:
            # Only the project's own exception, chained as the cause, has a
            # traceback worth showing.
            self._log.error("%s", exc, exc_info=exc.__cause__)
            return str(exc)

        ctx = ServeContext(
            self._platforms.model_dir,
            self._environment,
            self._log,
            model_uri=self._platforms.model_uri,
        )
        self._log.info(
            "Loading the model with %s.load() from %s", module.name, imported.__file__
        )
        try:
            self._model = load(ctx)
        except Exception as exc:
            message = f"load() raised {one_line_summary(exc)}"
            self._log.error("Loading the model failed: %s", message, exc_info=exc)
            return message

        self._predict = predict
        self._log.info("Model loaded in process %d", os.getpid())
        return None

    async def _run_in_model_thread(
        self, function: Callable[..., Any], *args: Any
    ) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)

    async def _handle_logged(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a request and write one access log line, which never has the body."""
        started = time.perf_counter()
        status: list[int] = []

        async def send_recording_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self._handle(scope, receive, send_recording_status)
        except Exception:
            self._log.exception("Handling %s %s failed", scope["method"], scope["path"])
            if not status:
                error = HttpError(
                    500,
                    "The mldock runtime failed to handle the request; "
                    "see the server log.",
                )
                await _send_error(send_recording_status, error)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            self._access_log.info(
                "%s %s %s %.1f ms",
                scope["method"],
                scope["path"],
                status[0] if status else "- (client disconnected)",
                elapsed_ms,
            )

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        methods = self._routes.methods(path)
        if not methods:
            routes = self._routes.describe()
            message = f"No route for {path!r}; the routes are: {', '.join(routes)}."
            await _send_error(send, HttpError(404, message, routes=routes))
        elif method not in methods:
            allowed = ", ".join(methods)
            error = HttpError(405, f"{path} accepts {allowed}, not {method}.")
            await _send_error(send, error, [(b"allow", allowed.encode())])
        elif methods[method].action == PREDICT:
            await self._invoke(scope, receive, send, methods[method])
        else:
            await self._send_health(send, methods[method])

    async def _send_health(self, send: Send, route: Route) -> None:
        loaded = self._predict is not None
        status, body, content_type = health_response(
            route.action, loaded, self._platforms.model_name
        )
        if status == 503 and not body:
            error = HttpError(503, "The model is not loaded yet; retry shortly.")
            await _send_error(send, error)
        else:
            await _send(send, status, body, content_type)

    async def _invoke(
        self, scope: Scope, receive: Receive, send: Send, route: Route
    ) -> None:
        predict = self._predict
        if predict is None:
            await _send_error(
                send, HttpError(503, "The model is not loaded yet; retry shortly.")
            )
            return
        headers = _header_dict(scope["headers"])
        limit = self._settings.max_request_size
        try:
            body = await _read_body(receive, headers.get("content-length"), limit)
        except BodyTooLarge as exc:
            # The rest of the body stays unread, so the connection cannot be reused.
            await _send_error(send, _too_large(exc, limit), [(b"connection", b"close")])
            return
        except ClientDisconnected:
            return

        envelope = self._envelopes[route.platform]
        try:
            media_type = parse_content_type(
                headers.get("content-type"), envelope.default_content_type
            )
            ctx = self._request_context(media_type, headers, route.platform)
            content_type, payload = await self._run_in_model_thread(
                self._predict_and_encode, predict, body, media_type, envelope, ctx
            )
        except HttpError as exc:
            await _send_error(send, exc)
            return
        await _send(send, 200, payload, content_type)

    def _request_context(
        self, media_type: MediaType, headers: dict[str, str], platform: str
    ) -> RequestContext:
        return RequestContext(
            model_dir=self._platforms.model_dir,
            environment=self._environment,
            log=self._log,
            model_uri=self._platforms.model_uri,
            content_type=media_type.essence,
            content_type_params=dict(media_type.params),
            accept=headers.get("accept") or "*/*",
            headers=headers,
            platform=platform,
        )

    def _predict_and_encode(
        self,
        predict: Callable[..., Any],
        body: bytes,
        media_type: MediaType,
        envelope: Envelope,
        ctx: RequestContext,
    ) -> tuple[str, bytes]:
        """Decode the body, call predict() and encode the result in the model thread.

        Large bodies take a while to decode and encode, so that happens here too
        and the event loop stays free for the health routes.
        """
        request = envelope.decode(body, media_type)
        ctx.parameters = request.parameters
        try:
            result = predict(self._model, request.data, ctx)
        except Exception as exc:
            message = f"predict() raised {one_line_summary(exc)}"
            self._log.error("%s", message, exc_info=exc)
            raise HttpError(500, message) from None

        try:
            return envelope.encode(result, request, ctx)
        except HttpError as exc:
            # The project's code must change, so the server log gets it too.
            self._log.error("Encoding the result for %s failed: %s", ctx.platform, exc)
            raise


def create_app() -> ModelServer:
    """Build the application in a worker process, as uvicorn's app factory."""
    configure_logging()
    return ModelServer(read_serve_settings(os.environ), os.environ)


async def _read_body(receive: Receive, content_length: str | None, limit: int) -> bytes:
    """Read the request body, stopping as soon as it passes ``limit`` bytes."""
    if (
        content_length is not None
        and content_length.isdigit()
        and int(content_length) > limit
    ):
        raise BodyTooLarge(int(content_length), declared=True)

    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size, declared=False)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _too_large(exc: BodyTooLarge, limit: int) -> HttpError:
    if exc.declared:
        problem = (
            f"Request body is {exc.size} bytes (Content-Length), larger than the "
            f"limit of {limit} bytes"
        )
    else:
        problem = (
            f"Request body is larger than the limit of {limit} bytes: reading "
            f"stopped after {exc.size} bytes"
        )
    return HttpError(
        413,
        f"{problem}. The limit is the project setting serve.max_request_size in "
        f"mldock.yaml (the environment variable MLDOCK_MAX_REQUEST_SIZE in the "
        f"container); raise it there, or send a smaller body.",
        limit=limit,
    )


def _header_dict(raw_headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def _send_error(
    send: Send, error: HttpError, extra_headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": error.message, **error.fields}).encode("utf-8")
    await _send(send, error.status, body, "application/json", extra_headers)


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: str | None = None,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    if content_type is not None:
        headers.append((b"content-type", content_type.encode()))
    headers.extend(extra_headers or [])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
