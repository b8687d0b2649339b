"""The serving checks: health, probe and predict routes, round trip, unknown route."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from mldock_core import containers, envelopes, serving
from mldock_core.errors import ConfigError, RunError
from mldock_core.verify.checks import (
    FAIL,
    PASS,
    ROLE,
    SKIP,
    Check,
    clip,
    discard,
    last_log_line,
    status_of,
)

if TYPE_CHECKING:
    from docker.models.containers import Container

    from mldock_core.kinds import ContainerContract, Runtime
    from mldock_core.verify import Verifier

UNKNOWN_ROUTE = "/mldock-verify/no-such-route"
# The maximum seconds verify waits for a prediction when the platform sets no limit.
DEFAULT_PREDICT_TIMEOUT = 60.0


class ServingCheck:
    """The serving checks of one contract, against one container."""

    def __init__(
        self,
        verifier: Verifier,
        runtime: Runtime,
        contract: ContainerContract,
        protocol: str | None,
    ) -> None:
        self.verifier = verifier
        self.runtime = runtime
        self.contract = contract
        self.protocol = protocol
        self.label = f"{runtime.name} ({protocol})" if protocol else runtime.name

    def run(self, model_dir: Path | None) -> list[Check]:
        """Serve ``model_dir`` under the contract and return the checks."""
        names = ["health", "predict route", "round trip", "unknown route"]
        if self.contract.probe_routes:
            names.insert(1, "probe routes")
        if model_dir is None:
            reason = (
                "no model to serve: the project's model/ is empty and verify trained "
                "none; run 'mldock train', or let verify train without --skip-train"
            )
            return [self._check(name, SKIP, reason) for name in names]

        with self._container(model_dir) as (container, url):
            health = self._health(container, url)
            if health.status != PASS:
                reason = "skipped because the health check failed"
                return [health] + [
                    self._check(name, SKIP, reason) for name in names[1:]
                ]
            checks = [health]
            if self.contract.probe_routes:
                checks.append(self._probe_routes(url))
            checks += self._predict(url)
            checks.append(self._unknown_route(url))
        return checks

    def _check(self, name: str, status: str, detail: str) -> Check:
        return Check(self.label, name, status, detail)

    @contextlib.contextmanager
    def _container(self, model_dir: Path) -> Iterator[tuple[Container, str]]:
        verifier = self.verifier
        port = serving.free_port()
        spec = serving.prepare(
            verifier.project,
            verifier.image,
            self.contract,
            address="127.0.0.1",
            port=port,
            environment=verifier.options.environment,
            runtime=self.runtime.name,
            protocol=self.protocol,
            model_dir=model_dir,
            role=ROLE,
        )
        containers.clear_leftover(verifier.client, spec.name, verifier.report)
        container = containers.create(verifier.client, spec)
        try:
            containers.start(container)
            yield container, f"http://127.0.0.1:{port}"
        finally:
            discard(container, verifier.report)

    def _deadline(self) -> tuple[float, str]:
        """Return the health deadline in seconds and where it comes from."""
        if self.verifier.options.health_timeout is not None:
            return self.verifier.options.health_timeout, "--health-timeout"
        if self.contract.health_deadline is not None:
            source = f"the deadline of runtime {self.runtime.name}"
            return self.contract.health_deadline, source
        timeout = self.verifier.project.config.serve.startup_timeout
        return timeout, "serve.startup_timeout in mldock.yaml"

    def _health(self, container: Container, url: str) -> Check:
        deadline, source = self._deadline()
        route = self.contract.health_route
        started = time.monotonic()
        last = "no response"
        while time.monotonic() - started <= deadline:
            container.reload()
            if container.status in ("exited", "dead"):
                code = container.attrs["State"].get("ExitCode")
                detail = (
                    f"the container exited with code {code} before GET {route} "
                    f"returned 200; last log line: {last_log_line(container)}"
                )
                return self._check("health", FAIL, detail)
            last = status_of(url + route)
            if last in ("404", "405"):
                # The runtime's routes are fixed once its port is open, so a
                # missing route does not appear later.
                answer = serving.get(url + route, timeout=2)
                text = envelopes.check_response(
                    envelopes.RAW, answer.status, answer.body, None
                )
                return self._check("health", FAIL, f"GET {route} returned {clip(text)}")
            if last == "200":
                elapsed = time.monotonic() - started
                detail = (
                    f"GET {route} returned 200 after {elapsed:.1f} s "
                    f"({source}: {deadline:g} s)"
                )
                return self._check("health", PASS, detail)
            time.sleep(serving.POLL_SECONDS)
        detail = (
            f"GET {route} did not return 200 within {deadline:g} s ({source}); last "
            f"response: {last}; last log line: {last_log_line(container)}"
        )
        return self._check("health", FAIL, detail)

    def _probe_routes(self, url: str) -> Check:
        answers = [
            (route, status_of(url + route)) for route in self.contract.probe_routes
        ]
        failed = [
            f"GET {route} returned {status}"
            for route, status in answers
            if status != "200"
        ]
        if failed:
            return self._check(
                "probe routes", FAIL, "; ".join(failed) + ", expected 200"
            )
        listed = ", ".join(f"GET {route} 200" for route, _ in answers)
        return self._check("probe routes", PASS, listed)

    def _predict(self, url: str) -> list[Check]:
        """Return the predict route and round trip checks."""
        payload = self.verifier.options.payload
        route = self.contract.predict_route
        if payload is None:
            reason = (
                "no payload: pass --payload FILE or add a file to the project's "
                "examples/"
            )
            return [
                self._check("predict route", SKIP, reason),
                self._check("round trip", SKIP, reason),
            ]
        try:
            request = envelopes.wrap(
                payload.body, payload.media_type, self.contract.envelope, payload.source
            )
        except ConfigError as error:
            reason = f"the payload cannot be sent in this envelope: {error}"
            return [
                self._check("predict route", SKIP, reason),
                self._check("round trip", FAIL, reason),
            ]

        # Wait past the platform's limit, so a slow prediction is reported with
        # its time instead of as a timeout.
        timeout = max(DEFAULT_PREDICT_TIMEOUT, 2 * (self.contract.predict_timeout or 0))
        started = time.monotonic()
        try:
            response = serving.send(
                url + route, request.body, request.content_type, None, timeout
            )
        except RunError as error:
            return [
                self._check("predict route", FAIL, str(error)),
                self._check("round trip", SKIP, "no response"),
            ]
        elapsed = time.monotonic() - started

        if response.status in (404, 405):
            text = envelopes.check_response(
                self.contract.envelope, response.status, response.body, None
            )
            return [
                self._check("predict route", FAIL, f"POST {route} returned {text}"),
                self._check("round trip", SKIP, "the predict route failed"),
            ]
        route_check = self._check(
            "predict route", PASS, f"POST {route} returned {response.status}"
        )
        return [route_check, self._round_trip(request, response, elapsed)]

    def _round_trip(
        self, request: envelopes.Request, response: serving.Response, elapsed: float
    ) -> Check:
        envelope = self.contract.envelope
        problem = envelopes.check_response(
            envelope, response.status, response.body, request.instance_count
        )
        if problem:
            return self._check("round trip", FAIL, problem)
        limit = self.contract.predict_timeout
        if limit is not None and elapsed > limit:
            detail = (
                f"the prediction took {elapsed:.1f} s; runtime {self.runtime.name} "
                f"waits {limit:g} s"
            )
            return self._check("round trip", FAIL, detail)
        summary = envelopes.describe_response(envelope, response.body)
        title = envelopes.ENVELOPE_TITLES[envelope]
        return self._check(
            "round trip", PASS, f"200 in {elapsed:.2f} s, {title}: {summary}"
        )

    def _unknown_route(self, url: str) -> Check:
        status = status_of(url + UNKNOWN_ROUTE)
        if status == "404":
            return self._check(
                "unknown route", PASS, f"GET {UNKNOWN_ROUTE} returned 404"
            )
        detail = f"GET {UNKNOWN_ROUTE} returned {status}, expected 404"
        return self._check("unknown route", FAIL, detail)
