#!/usr/bin/env bash
# Run mldock's tests in a fresh virtual environment against the local Docker engine.
#
# Needs: python3 (3.10 or newer) with venv, a running Docker engine, and the
# image python:3.11-slim (pulled by Docker on first use where a registry is
# reachable). Extra arguments go to pytest, e.g. scripts/test.sh -k config.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv=${MLDOCK_TEST_VENV:-$root/.venv-test}

python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
# Every plugin under plugins/ is installed editable, with its own test extras.
plugin_args=()
for plugin in "$root"/plugins/*/; do
    if grep -q '^test = ' "$plugin/pyproject.toml" 2>/dev/null; then
        plugin_args+=(-e "${plugin%/}[test]")
    else
        plugin_args+=(-e "${plugin%/}")
    fi
done
"$venv/bin/python" -m pip install --quiet -e "$root[test]" "${plugin_args[@]}"
docker image inspect python:3.11-slim >/dev/null 2>&1 || docker pull python:3.11-slim

cd "$root"
exec "$venv/bin/python" -m pytest tests plugins/*/tests "$@"
