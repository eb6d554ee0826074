"""What reading the settings costs a request (``models/office_settings.py``).

Every request that reads a setting or a grant compares the settings' generation counter
with its app's snapshot once (one indexed one-row SELECT on the request's connection);
a reload after a change reads ``app_setting`` and ``role_grant``. This measures both on
SQLite (a file) and, with ``DATABASE_URL``, on PostgreSQL, and the cost of one attribute
read through the descriptor afterwards. Run: ``.venv/bin/python -m bench.settings_check``
(a scratch SQLite database in a temporary folder unless ``DATABASE_URL`` names one; the
database is upgraded to the migrations' head and left as it was otherwise).
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time

from flask_migrate import upgrade

from app import create_app
from models import Complaint, db
from models.office_settings import EXTENSION, refresh

ROUNDS = 2000


def per_call(action, rounds: int = ROUNDS) -> float:
    """Median microseconds of ``action`` over batches of 100 calls."""
    batches = []
    for _ in range(rounds // 100):
        start = time.perf_counter()
        for _ in range(100):
            action()
        batches.append((time.perf_counter() - start) / 100 * 1e6)
    return statistics.median(batches)


def main() -> None:
    folder = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/settings.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(revision="heads")
        refresh(app)

        def reload():
            app.extensions.pop(EXTENSION, None)
            refresh(app)

        check = per_call(lambda: refresh(app, db.session))  # as in a request
        alone = per_call(lambda: refresh(app))
        full = per_call(reload, rounds=500)
        read = per_call(lambda: Complaint.max_extension, rounds=100_000)
        db.session.rollback()
        db.engine.dispose()
    kind = url.split(":")[0]
    print(f"{kind}: generation check {check:.0f} µs per request ({alone:.0f} µs on a "
          f"connection of its own, outside requests), reload {full:.0f} µs after a "
          f"change, attribute read {read:.2f} µs")


if __name__ == "__main__":
    main()
