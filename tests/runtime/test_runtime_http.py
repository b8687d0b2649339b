"""HTTP behaviour of ``python3 -m mldock_runtime serve``: routes, decoding, encoding."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import select
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from runtime_harness import Response, Server, make_project, start_server

# Small enough to pass in the tests, larger than the 12 MB byte-for-byte body.
LIMIT = 13_000_000

ECHO_SERVE = """
    import hashlib
    import json

    class Vector:
        def __init__(self, values):
            self.values = values

        def tolist(self):
            return list(self.values)

    class Opaque:
        pass

    def load(ctx):
        return {"model_dir": str(ctx.model_dir)}

    def predict(model, data, ctx):
        mode = ctx.headers.get("x-test-mode", "describe")
        if mode == "echo":
            return data
        if mode == "digest":
            raw = data if isinstance(data, bytes) else json.dumps(data).encode()
            return {
                "type": type(data).__name__,
                "size": len(data),
                "sha256": hashlib.sha256(raw).hexdigest(),
            }
        if mode == "rows":
            return [[1, 2.5, "a"], [3, 4, "b,c"]]
        if mode == "scalars":
            return [0.5, 1, "x"]
        if mode == "vector":
            return Vector([1, 2, 3])
        if mode == "vector-rows":
            return Vector([Vector([1, 2]), Vector([3, 4])])
        if mode == "opaque":
            return Opaque()
        if mode == "raise":
            raise ValueError("negative width\\nin row 3")
        return {
            "type": type(data).__name__,
            "data": data,
            "content_type": ctx.content_type,
            "params": ctx.content_type_params,
            "accept": ctx.accept,
            "custom": ctx.headers.get("x-custom"),
            "platform": ctx.platform,
            "parameters": ctx.parameters,
            "model": model,
        }
"""


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, runtime_lib: Path
) -> Iterator[Server]:
    project = make_project(tmp_path_factory.mktemp("http") / "project", runtime_lib)
    project.write_source("serve.py", ECHO_SERVE)
    running = start_server(project, MLDOCK_MAX_REQUEST_SIZE=str(LIMIT))
    yield running
    running.stop()


def error_of(response: Response) -> str:
    return response.json()["error"]


def test_ping_returns_empty_200(server: Server) -> None:
    response = server.request("GET", "/ping")

    assert response.status == 200
    assert response.body == b""


def test_json_odd_case(server: Server) -> None:
    response = server.post(b'{"a": [1, 2.5]}', "Application/JSON; Charset=UTF-8")

    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    result = response.json()
    assert result["data"] == {"a": [1, 2.5]}
    assert result["content_type"] == "application/json"
    assert result["params"] == {"charset": "UTF-8"}


def test_json_utf16_charset(server: Server) -> None:
    body = '{"word": "naïve"}'.encode("utf-16")

    response = server.post(body, "application/json; CHARSET=utf-16")

    assert response.status == 200
    assert response.json()["data"] == {"word": "naïve"}


def test_json_suffix_type(server: Server) -> None:
    response = server.post(b"[1, 2]", "Application/Vnd.Example+JSON")

    assert response.status == 200
    assert response.json()["data"] == [1, 2]


def test_csv_header_present(server: Server) -> None:
    body = b"x,y,label\n1,2.5,cat\n-3,1e3,dog\n"

    response = server.post(body, "TEXT/CSV; Header=Present; Charset=UTF-8")

    assert response.status == 200
    result = response.json()
    assert result["data"] == [[1, 2.5, "cat"], [-3, 1000.0, "dog"]]
    assert result["params"] == {"header": "Present", "charset": "UTF-8"}


def test_csv_cells_typed(server: Server) -> None:
    body = b'1, 2 ,007,abc,,"4,5",.5\r\n\r\n6,x1,1_000,+2E-2\r\n'

    response = server.post(body, "text/csv")

    assert response.status == 200
    assert response.json()["data"] == [
        [1, 2, 7, "abc", "", "4,5", 0.5],
        [6, "x1", "1_000", 0.02],
    ]


def test_csv_nan_cell_float(server: Server) -> None:
    response = server.post(b"NaN,-inf\n", "text/csv", X_Test_Mode="digest")

    assert response.status == 200
    expected = hashlib.sha256(b"[[NaN, -Infinity]]").hexdigest()
    assert response.json()["sha256"] == expected


def test_text_plain_latin1(server: Server) -> None:
    response = server.post("café".encode("latin-1"), "Text/Plain; CHARSET=ISO-8859-1")

    assert response.status == 200
    result = response.json()
    assert result["type"] == "str"
    assert result["data"] == "café"


@pytest.mark.parametrize("content_type", ["Application/Octet-Stream", "IMAGE/PNG"])
def test_binary_types_raw(server: Server, content_type: str) -> None:
    body = bytes(range(256)) * 3

    response = server.post(body, content_type, X_Test_Mode="digest")

    assert response.status == 200
    result = response.json()
    assert result["type"] == "bytes"
    assert result["sha256"] == hashlib.sha256(body).hexdigest()


def test_large_binary_byte_for_byte(server: Server) -> None:
    body = os.urandom(12 * 1024 * 1024)

    response = server.post(body, "application/octet-stream", X_Test_Mode="echo")

    assert response.status == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert len(response.body) == len(body)
    assert response.body == body


def test_large_csv_rows(server: Server) -> None:
    rows = []
    lines = []
    size = 0
    index = 0
    while size < 6 * 1024 * 1024:
        rows.append([index, index * 0.25, f"item-{index}", -index])
        line = f"{index},{index * 0.25!r},item-{index},{-index}\n"
        lines.append(line)
        size += len(line)
        index += 1
    body = "".join(lines).encode()

    response = server.post(body, "text/csv", X_Test_Mode="digest")

    assert response.status == 200
    result = response.json()
    assert result["size"] == len(rows)
    assert result["sha256"] == hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def test_missing_content_type_415(server: Server) -> None:
    response = server.post(b"{}", None)

    assert response.status == 415
    assert "no Content-Type header" in error_of(response)
    assert "application/json" in response.json()["accepted"]


def test_unsupported_type_415(server: Server) -> None:
    response = server.post(b"<a/>", "Application/XML")

    assert response.status == 415
    message = error_of(response)
    assert "Content-Type 'application/xml' is not supported" in message
    assert "text/csv" in message
    assert response.json()["accepted"] == [
        "application/json",
        "application/*+json",
        "text/csv",
        "text/plain",
        "application/octet-stream",
        "application/x-npy",
        "application/npy",
        "image/*",
    ]


def test_malformed_content_type_415(server: Server) -> None:
    response = server.post(b"{}", "json")

    assert response.status == 415
    assert "'json' is not a media type of the form type/subtype" in error_of(response)


@pytest.mark.parametrize("charset", ["klingon", "base64"])
def test_unknown_charset_415(server: Server, charset: str) -> None:
    response = server.post(b"{}", f"application/json; charset={charset}")

    assert response.status == 415
    assert f"charset {charset!r}" in error_of(response)


def test_invalid_json_400(server: Server) -> None:
    response = server.post(b'{"a": 1,\n "b": }', "application/json")

    assert response.status == 400
    message = error_of(response)
    assert "not valid JSON" in message
    assert "line 2, column 7" in message
    assert "utf-8" in message


def test_undecodable_bytes_400(server: Server) -> None:
    response = server.post(b'{"a": "\xff"}', "application/json; charset=utf-8")

    assert response.status == 400
    message = error_of(response)
    assert "not valid utf-8 text" in message
    assert "0xff at byte offset 7" in message


def test_invalid_csv_400(server: Server) -> None:
    response = server.post(b'1,2\n3,"4"x\n', "text/csv")

    assert response.status == 400
    message = error_of(response)
    assert "not valid CSV" in message
    assert "at line 2" in message


def test_content_length_413(server: Server) -> None:
    declared = LIMIT + 1_000_000
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest("POST", "/invocations")
        connection.putheader("Content-Type", "application/octet-stream")
        connection.putheader("Content-Length", str(declared))
        connection.endheaders()
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()

    assert response.status == 413
    assert f"Request body is {declared} bytes" in body["error"]
    assert f"limit of {LIMIT} bytes" in body["error"]
    assert "serve.max_request_size in mldock.yaml" in body["error"]


def test_chunked_413(server: Server) -> None:
    chunk = b"x" * 1_000_000
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /invocations HTTP/1.1\r\nHost: test\r\n"
            b"Content-Type: application/octet-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        # The body never ends: the server must respond once it passes the limit.
        while sent <= LIMIT + len(chunk):
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        response = http.client.HTTPResponse(sock)
        response.begin()
        message = json.loads(response.read())["error"]

    assert response.status == 413
    assert f"larger than the limit of {LIMIT} bytes" in message
    read = int(re.search(r"reading stopped after (\d+) bytes", message).group(1))
    assert LIMIT < read <= LIMIT + len(chunk)
    assert "serve.max_request_size in mldock.yaml" in message


def test_under_limit_accepted(server: Server) -> None:
    body = b"\0" * LIMIT

    response = server.post(body, "application/octet-stream", X_Test_Mode="digest")

    assert response.status == 200
    assert response.json()["size"] == LIMIT


def test_csv_output_rows(server: Server) -> None:
    response = server.post(
        b"{}", "application/json", Accept="Text/CSV", X_Test_Mode="rows"
    )

    assert response.status == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.body == b'1,2.5,a\n3,4,"b,c"\n'


def test_csv_output_scalars(server: Server) -> None:
    response = server.post(
        b"{}", "application/json", Accept="text/csv", X_Test_Mode="scalars"
    )

    assert response.status == 200
    assert response.body == b"0.5\n1\nx\n"


def test_csv_output_tolist_rows(server: Server) -> None:
    response = server.post(
        b"{}", "application/json", Accept="text/*", X_Test_Mode="vector-rows"
    )

    assert response.status == 200
    assert response.body == b"1,2\n3,4\n"


@pytest.mark.parametrize(
    "accept",
    ["*/*", "application/json", "text/csv;q=0.5, application/json", "image/png"],
)
def test_json_output_by_accept(server: Server, accept: str) -> None:
    response = server.post(b"{}", "application/json", Accept=accept, X_Test_Mode="rows")

    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == [[1, 2.5, "a"], [3, 4, "b,c"]]


def test_tolist_result_json(server: Server) -> None:
    response = server.post(b"{}", "application/json", X_Test_Mode="vector")

    assert response.status == 200
    assert response.json() == [1, 2, 3]


def test_unencodable_result_500(server: Server) -> None:
    response = server.post(b"{}", "application/json", X_Test_Mode="opaque")

    assert response.status == 500
    message = error_of(response)
    assert "predict() returned a value that cannot be encoded" in message
    assert "serve.Opaque" in message


def test_predict_exception_500(server: Server) -> None:
    response = server.post(b"{}", "application/json", X_Test_Mode="raise")

    assert response.status == 500
    assert response.json() == {
        "error": "predict() raised ValueError: negative width in row 3"
    }
    assert b"Traceback" not in response.body
    assert "Traceback (most recent call last):" in server.stderr()
    assert 'raise ValueError("negative width\\nin row 3")' in server.stderr()


def test_request_context_fields(server: Server) -> None:
    response = server.post(
        b'"x"', "application/json", Accept="text/plain", X_Custom="one"
    )

    assert response.status == 200
    result = response.json()
    assert result["accept"] == "text/plain"
    assert result["custom"] == "one"
    assert result["model"]["model_dir"].endswith("/ml/model")
    assert result["platform"] == "sagemaker"
    assert result["parameters"] == {}


def test_accept_missing_default(server: Server) -> None:
    response = server.request(
        "POST", "/invocations", b"1", {"Content-Type": "application/json"}
    )

    assert response.status == 200
    assert response.json()["accept"] == "*/*"


def test_unknown_path_404(server: Server) -> None:
    response = server.request("GET", "/models")

    assert response.status == 404
    assert error_of(response).startswith(
        "No route for '/models'; the routes are: GET /ping, POST /invocations, "
        "GET /v1/models, "
    )
    assert "POST /v2/models/model/infer" in response.json()["routes"]


def test_platform_routes_off_404(server: Server) -> None:
    response = server.request("POST", "/score", b"{}", {"Content-Type": "text/csv"})

    assert response.status == 404
    assert "POST /score" not in response.json()["routes"]
    assert "GET /" not in response.json()["routes"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("GET", "/invocations", "POST"), ("POST", "/ping", "GET")],
)
def test_wrong_method_405(server: Server, method: str, path: str, allowed: str) -> None:
    response = server.request(method, path, b"" if method == "POST" else None)

    assert response.status == 405
    assert response.headers["allow"] == allowed
    assert error_of(response) == f"{path} accepts {allowed}, not {method}."


def test_access_log_line(server: Server) -> None:
    response = server.post(
        b'"secret-marker-4711"', "application/json", X_Test_Mode="echo"
    )

    assert response.status == 200
    lines = server.stdout().splitlines()
    assert any(re.search(r" POST /invocations 200 \d+\.\d ms$", line) for line in lines)
    assert any(re.search(r" GET /ping 200 \d+\.\d ms$", line) for line in lines)
    assert "secret-marker-4711" not in server.stdout()
    assert "secret-marker-4711" not in server.stderr()
