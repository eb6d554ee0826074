#!/usr/bin/env bash
# Serve the back-office on http://127.0.0.1:5000 with demo data.
# Fresh machine: creates .venv, installs requirements.txt, migrates the database
# (DATABASE_URL if set, else instance/records.db), loads the demo data set into an
# empty database, does the day's work (催办单), then runs Flask's server with the
# scheduler of the daily work beside it (what deploy/records-scheduler.service does).
#
#   ./run.sh                 serve (the demo data is loaded once, into an empty database)
#   ./run.sh --reset-demo    first put the demo back as loaded (`flask demo reset`;
#                            refused on a database that is not the demo's)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

reset_demo=0
for arg in "$@"; do
    case "$arg" in
        --reset-demo) reset_demo=1 ;;
        *) echo "usage: ./run.sh [--reset-demo]" >&2; exit 2 ;;
    esac
done

# shellcheck source=scripts/venv.sh
source scripts/venv.sh
ensure_venv requirements.txt

flask=(.venv/bin/flask --app app)
"${flask[@]}" db upgrade

# "<all users> <demo users>" in the configured database.
counts="$(.venv/bin/python - <<'PY'
import sqlalchemy as sa

from app import create_app
from models import AppUser, db

with create_app().app_context():
    count = sa.select(sa.func.count()).select_from(AppUser)
    print(db.session.scalar(count),
          db.session.scalar(count.where(AppUser.username == "clerk.sales")))
PY
)"
read -r users demo_users <<<"$counts"

if [[ "$users" == 0 ]]; then
    "${flask[@]}" seed-demo          # prints the demo logins
elif [[ "$reset_demo" == 1 ]]; then
    "${flask[@]}" demo reset --yes   # refuses (and stops here) on a non-demo database
elif [[ "$demo_users" != 0 ]]; then
    echo "Demo data already present."
    echo "Demo logins (password demo-pass-2026): admin, clerk.sales, clerk.service," \
         "supervisor, manager.service, gm, gm.archive, legal, auditor"
else
    echo "The database already has $users user(s); demo data not loaded."
fi

# The day's jobs now (the first page shows today's 催办单), then the scheduler for the
# days after; a claim row per job and day keeps a second run from doing anything twice.
"${flask[@]}" daily-jobs run || echo "The daily work failed; the scheduler retries it hourly."
"${flask[@]}" scheduler &
scheduler_pid=$!
server_pid=
# Ctrl+C or a TERM to this script stops both (background jobs of a script ignore Ctrl+C).
trap 'kill $scheduler_pid $server_pid 2>/dev/null || true' EXIT

echo
echo "Serving on http://127.0.0.1:5000  (Ctrl+C stops)"
"${flask[@]}" run --host 127.0.0.1 --port 5000 &
server_pid=$!
wait "$server_pid"
