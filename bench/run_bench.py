"""Time whole requests through the app, in-process (Flask test client).

Each scenario is a real request: login cookie, permission checks, the visibility
filter of ``permissions``, the template. SQL statements are counted with a
``before_cursor_execute`` listener on the engine. Results are appended as JSON lines
to ``bench/data/results.jsonl``; ``bench/report.py`` turns them into RESULTS.md.

    python -m bench.run_bench --url sqlite:////abs/path/records_1m.db --phase before
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from .build_data import COMMON, RARE, SHORT, USERS

RESULTS = Path(__file__).parent / "data" / "results.jsonl"
#: Deep page: page 500 (offset 10,000 at 20 a page), or the last page if fewer.
DEEP_PAGE = 500
PAGE_SIZE = 20


class QueryCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args, **kwargs):
        self.count += 1


def filter_arg(view, column: str, operation: str = "equals") -> str:
    """The URL argument Flask-Admin gives the filter ``column`` ``operation``."""
    for index, flt in enumerate(view._filters):
        if getattr(flt, "column", None) is not None and flt.column.key == column \
                and flt.operation().lower() == operation:
            return f"flt{index}_{index}"
    raise LookupError(f"no {operation} filter on {column}")


def scenarios(app, user_id: int, roles: str) -> list[tuple[str, str]]:
    """(name, URL) of every request timed for this user."""
    from models import Complaint, db
    from permissions import visible
    from permissions.scoping import Principal

    view = next(v for v in app.extensions["admin"][0]._views
                if getattr(v, "endpoint", "") == "complaint")
    with app.app_context():
        from models import AppUser
        user = db.session.get(AppUser, user_id)
        principal = Principal.of(user)
        rule = visible(principal, Complaint)
        visible_rows = db.session.scalar(sa.select(sa.func.count()).where(rule)
                                         .select_from(Complaint))
        middle = db.session.scalar(sa.select(Complaint.id).where(
            rule, Complaint.id >= db.session.scalar(sa.select(sa.func.max(Complaint.id))) // 2)
            .order_by(Complaint.id).limit(1))
    last_page = max(0, (visible_rows - 1) // PAGE_SIZE)
    deep = min(DEEP_PAGE, last_page)
    status, severity = filter_arg(view, "status"), filter_arg(view, "severity")
    sort_customer = list(view.column_list).index("customer")
    found = [
        ("list page 1", "/admin/complaint/"),
        (f"deep page ({deep})", f"/admin/complaint/?page={deep}"),
        ("filter status+severity",
         f"/admin/complaint/?{status}=registered&{severity}=major"),
        (f"search common ({COMMON})", f"/admin/complaint/?search={COMMON}"),
        (f"search rare ({RARE})", f"/admin/complaint/?search={RARE}"),
        (f"search 2-char ({SHORT})", f"/admin/complaint/?search={SHORT}"),
        ("sort by customer", f"/admin/complaint/?sort={sort_customer}"),
        ("details", f"/admin/complaint/details/?id={middle}"),
        ("edit", f"/admin/complaint/edit/?id={middle}"),
        ("ajax look-up (customer)",
         "/admin/complaint/ajax/lookup/?name=customer&query=K00"),
        ("home", "/admin/"),
    ]
    if "gm_office" in roles:
        found.append(("CSV export (severity=major)",
                      f"/admin/complaint/export/csv/?{severity}=major"))
    return found


def time_request(client, counter, url: str, repeat: int) -> dict:
    times, statuses = [], set()
    client.get(url)  # warm caches: the first request compiles templates and SQL
    for _ in range(repeat):
        before = counter.count
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
        queries = counter.count - before
    return {"median_ms": statistics.median(times),
            "p95_ms": sorted(times)[max(0, int(len(times) * 0.95) - 1)],
            "queries": queries, "status": sorted(statuses),
            "bytes": len(response.get_data())}


def time_export(client, counter, url: str, repeat: int) -> dict:
    """Time to first byte, total time and rows; peak Python memory in a separate run."""
    first, totals = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, buffered=False)
        chunks = iter(response.response)
        next(chunks)
        first.append((time.perf_counter() - started) * 1000)
        lines = 1 + sum(chunk.count(b"\n") if isinstance(chunk, bytes)
                        else chunk.count("\n") for chunk in chunks)
        response.close()
        totals.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    response = client.get(url, buffered=False)
    for _chunk in response.response:
        pass
    response.close()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"median_ms": statistics.median(totals), "p95_ms": max(totals),
            "first_byte_ms": statistics.median(first), "exported_rows": lines - 2,
            "peak_mb": peak / 2**20, "status": [response.status_code], "queries": None}


def run(url: str, phase: str, repeat: int, only: str | None = None) -> list[dict]:
    from app import create_app
    from models import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        counter = QueryCounter(db.engine)
        n = db.session.scalar(sa.text("SELECT count(*) FROM complaint"))
        dialect = db.engine.dialect.name
    rows = []
    for user_id, (username, roles, _dept, _clearance) in enumerate(USERS, start=1):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(user_id)
            session["_fresh"] = True
        for name, path in scenarios(app, user_id, roles):
            if only and only not in name:
                continue
            if name.startswith("CSV export") and os.environ.get("BENCH_SKIP_EXPORT"):
                continue
            if name.startswith("CSV export"):
                result = time_export(client, counter, path, max(2, repeat // 5))
            else:
                result = time_request(client, counter, path, repeat)
            row = {"db": dialect, "rows": n, "phase": phase, "user": username,
                   "scenario": name, "url": path, **result}
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    with app.app_context():
        db.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--phase", required=True, help="before / after")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", help="run only scenarios whose name contains this")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = run(args.url, args.phase, args.repeat, args.only)
    args.results.parent.mkdir(exist_ok=True)
    with args.results.open("a", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
