#!/usr/bin/env bash
# Install kiun with its test tools into .venv (when needed), check the code style, run the test suite.
# The suite runs on SQLite; set KIUN_TEST_DATABASE_URL=postgresql://… to run it on PostgreSQL.
# Extra arguments go to pytest:  bash scripts/test.sh -k console -x
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
STAMP=.venv/.kiun-test-installed
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    .venv/bin/python -m pip install --quiet -e '.[test]'
    touch "$STAMP"
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/kiun content check

status=0
.venv/bin/pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "scripts/test.sh: pytest collected no tests; that counts as a failure" >&2
    exit 1
fi
exit "$status"
