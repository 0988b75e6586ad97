#!/usr/bin/env bash
# Install kiun with its test tools into .venv (when needed), check the code style, the layers (import-linter) and
# the types (mypy), run the test suite.
# The suite runs on SQLite; set KIUN_TEST_DATABASE_URL=postgresql://… to run it on PostgreSQL.
# Extra arguments go to pytest:  bash scripts/test.sh -k console -x
# KIUN_TEST_CLOCK="2027-12-28 16:55 +09:00" runs pytest with the whole process clock moved to that moment (it ticks
# on from there; child processes inherit it), by datefudge (Debian package datefudge); see docs/development.md.
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

# KIUN_TEST_CHECKS=0 skips the checks above pytest (.ci/run runs them once, not in each of its four passes)
if [ "${KIUN_TEST_CHECKS:-1}" != "0" ]; then
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    .venv/bin/lint-imports
    .venv/bin/mypy bot
    .venv/bin/kiun content check
fi

clock=()
if [ -n "${KIUN_TEST_CLOCK:-}" ]; then
    if ! command -v datefudge >/dev/null; then
        echo "scripts/test.sh: KIUN_TEST_CLOCK needs datefudge (Debian: apt-get install -y datefudge)" >&2
        exit 1
    fi
    KIUN_TEST_CLOCK_EPOCH=$(date -d "$KIUN_TEST_CLOCK" +%s)  # the suite checks that its clock really moved
    export KIUN_TEST_CLOCK_EPOCH
    clock=(datefudge "$KIUN_TEST_CLOCK")
fi

status=0
"${clock[@]}" .venv/bin/pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "scripts/test.sh: pytest collected no tests; that counts as a failure" >&2
    exit 1
fi
exit "$status"
