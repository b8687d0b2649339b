#!/usr/bin/env bash
# The main job, from nothing: install mldock and its scikit-learn plugin into a
# fresh virtual environment, write the iris project, build its image, train on
# the iris data, serve the model, predict one row of each species, and stop.
#
# Needs: python3 (3.10 or newer) with venv and a running Docker engine.
# MLDOCK_DEMO_DIR sets the working folder (default: a new one under /tmp);
# MLDOCK_DEMO_PORT the host port (default 8080).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${MLDOCK_DEMO_DIR:-$(mktemp -d /tmp/mldock-demo.XXXXXX)}
port=${MLDOCK_DEMO_PORT:-8080}

echo "== installing mldock-core and mldock-sklearn into $work/venv"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$root" "$root/plugins/mldock-sklearn"
export PATH="$work/venv/bin:$PATH"

echo "== mldock init $work/iris --template sklearn"
mldock init "$work/iris" --template sklearn --name iris
cd "$work/iris"
trap 'mldock stop >/dev/null 2>&1 || true' EXIT

echo "== mldock build"
mldock build
echo "== mldock train"
mldock train
echo "== mldock serve --detach --port $port"
mldock serve --detach --port "$port"
echo "== mldock predict examples/three-rows.json (one row of each species)"
mldock predict examples/three-rows.json
echo "== mldock stop"
mldock stop
