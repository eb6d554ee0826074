#!/usr/bin/env bash
# Serve the back-office on http://127.0.0.1:5000 with demo data.
# Fresh machine: creates .venv, installs requirements.txt, migrates the database
# (DATABASE_URL if set, else instance/records.db), loads the demo data set into an
# empty database, then runs Flask's server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

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
elif [[ "$demo_users" != 0 ]]; then
    echo "Demo data already present."
    echo "Demo logins (password demo-pass-2026): admin, clerk.sales, clerk.service," \
         "supervisor, manager.service, gm, gm.archive, legal, auditor"
else
    echo "The database already has $users user(s); demo data not loaded."
fi

echo
echo "Serving on http://127.0.0.1:5000  (Ctrl+C stops)"
exec "${flask[@]}" run --host 127.0.0.1 --port 5000
