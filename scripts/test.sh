#!/usr/bin/env bash
# Set up a virtual environment in .venv, install coilsim with its test extras, run the tests
# (which include the quick accuracy suite against analytic and peer references).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
.venv/bin/python -m pytest -q "$@"
