#!/usr/bin/env bash
# Run the whole test suite (arguments go to pytest, e.g. ./test.sh -k sqlite -x).
# Every app test runs on SQLite and on PostgreSQL at TEST_POSTGRES_URL (default
# postgresql+psycopg://postgres@127.0.0.1:5432/test); the PostgreSQL half is skipped
# when that server is unreachable, unless REQUIRE_POSTGRES=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# shellcheck source=scripts/venv.sh
source scripts/venv.sh
ensure_venv requirements-dev.txt

exec .venv/bin/python -m pytest "$@"
