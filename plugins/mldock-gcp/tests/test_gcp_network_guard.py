"""The network guard of the tests' processes blocks what it should, and only that."""

from __future__ import annotations

import subprocess
import sys


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )


def take_log(network_log) -> str:
    """Return the log and empty it: the fixture fails a test that leaves entries."""
    text = network_log.read_text()
    network_log.write_text("")
    return text


def test_guard_blocks_connect(gcp_env, network_log):
    result = run_python("import socket; socket.socket().connect(('192.0.2.1', 443))")
    assert take_log(network_log) == "connect to ('192.0.2.1', 443)\n"
    assert result.returncode == 1, result.stderr
    assert (
        "the test network guard blocked connect to ('192.0.2.1', 443)" in result.stderr
    )


def test_guard_blocks_lookup(gcp_env, network_log):
    result = run_python(
        "import socket; socket.getaddrinfo('oauth2.googleapis.com', 443)"
    )
    assert take_log(network_log) == "lookup of 'oauth2.googleapis.com'\n"
    assert result.returncode == 1, result.stderr


def test_guard_allows_loopback(gcp_env, fake_google, network_log):
    code = (
        "import urllib.request, urllib.error\n"
        "try:\n"
        f"    urllib.request.urlopen('{fake_google.url}/v1/nothing', timeout=5)\n"
        "except urllib.error.HTTPError as error:\n"
        "    print(error.code)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "401"
    assert network_log.read_text() == ""
