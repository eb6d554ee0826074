"""Time whole requests through the app, in-process (Flask test client).

Each scenario is a real request: login cookie, permission checks, the visibility
filter of ``permissions``, the template. SQL statements are counted with a
``before_cursor_execute`` listener on the engine. Results are appended as JSON lines
to ``bench/data/results.jsonl``; ``bench/report.py`` turns them into RESULTS.md.

    python -m bench.run_bench --phase after \\
        --url sqlite:////abs/path/records_10k.db --url sqlite:////abs/path/records_1m.db
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from .build_data import COMMON, RARE, SHORT, USERS

RESULTS = Path(__file__).parent / "data" / "results.jsonl"
#: Deep page: page 500 (offset 10,000 at 20 a page), or the last full page if fewer.
DEEP_PAGE = 500
PAGE_SIZE = 20
#: A list row's details link: counts the rows a list page shows.
ROW_LINK = re.compile(r"/admin/(?:complaint|visit_report)/details/\?id=(\d+)&")


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
    last_full_page = max(0, visible_rows // PAGE_SIZE - 1)
    deep = min(DEEP_PAGE, last_full_page)
    status, severity = filter_arg(view, "status"), filter_arg(view, "severity")
    sort_customer = list(view.column_list).index("customer")
    found = [
        ("list page 1", "/admin/complaint/"),
        (f"deep page ({deep})", f"/admin/complaint/?page={deep}"),
        ("filter status+severity",
         f"/admin/complaint/?{status}=registered&{severity}=major"),
        # The same filter on closed complaints: a full page at both sizes (few
        # complaints are open, so the one above shows a handful of rows at 10k).
        ("filter status+severity (closed)",
         f"/admin/complaint/?{status}=closed&{severity}=major"),
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
    with app.app_context():
        visits = db.session.scalar(sa.text("SELECT count(*) FROM visit_report"))
    if visits:  # a data set built with --visit-reports (issue 14)
        report_view = next(v for v in app.extensions["admin"][0]._views
                           if getattr(v, "endpoint", "") == "visit_report")
        read = filter_arg(report_view, "status")
        found += [("visit reports page 1", "/admin/visit_report/"),
                  ("visit reports to read", f"/admin/visit_report/?{read}=submitted"),
                  ("visit reports deep page", f"/admin/visit_report/?page={deep}")]
    if "gm_office" in roles:
        found.append(("CSV export (severity=major)",
                      f"/admin/complaint/export/csv/?{severity}=major"))
    return found


def time_requests(targets: list[tuple], repeat: int) -> list[dict]:
    """Time one request on each data set in turn, ``repeat`` rounds.

    ``targets``: (client, counter, url) per data set. Interleaving puts the 10k and the
    1M request of a round side by side in time, so a slow moment of this shared
    machine slows both and the ratio between them stays honest.
    """
    times = [[] for _ in targets]
    statuses = [set() for _ in targets]
    queries = [0] * len(targets)
    for client, _counter, url in targets:
        client.get(url)  # warm caches: the first request compiles templates and SQL
    responses = [None] * len(targets)
    for _ in range(repeat):
        for index, (client, counter, url) in enumerate(targets):
            before = counter.count
            started = time.perf_counter()
            responses[index] = client.get(url)
            times[index].append((time.perf_counter() - started) * 1000)
            statuses[index].add(responses[index].status_code)
            queries[index] = counter.count - before
    return [{"median_ms": statistics.median(t),
             "p95_ms": sorted(t)[max(0, int(len(t) * 0.95) - 1)],
             "queries": q, "status": sorted(st), "bytes": len(r.get_data()),
             "rows_shown": _rows_shown(url, r)}
            for t, st, q, r, (_c, _n, url) in zip(times, statuses, queries, responses, targets,
                                                  strict=True)]


def _rows_shown(url: str, response) -> int | None:
    """How many rows a list page shows (None for other pages)."""
    if not url.startswith(("/admin/complaint/?", "/admin/visit_report/?")) \
            and url not in ("/admin/complaint/", "/admin/visit_report/"):
        return None
    return len(set(ROW_LINK.findall(response.get_data(as_text=True))))


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
    # Peak resident memory of the process (Linux: KiB) before and after one more export:
    # the growth an export causes, C allocations (driver, SQLite cache) included.
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = client.get(url, buffered=False)
    for _chunk in response.response:
        pass
    response.close()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    tracemalloc.start()
    response = client.get(url, buffered=False)
    for _chunk in response.response:
        pass
    response.close()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"median_ms": statistics.median(totals), "p95_ms": max(totals),
            "first_byte_ms": statistics.median(first), "exported_rows": lines - 2,
            "peak_mb": peak / 2**20, "rss_growth_mb": rss_growth / 2**10,
            "status": [response.status_code], "queries": None}


class DataSet:
    """One database under test: its app, a statement counter, its size."""

    def __init__(self, url: str):
        from app import create_app
        from models import db

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                               "WTF_CSRF_ENABLED": False})
        with self.app.app_context():
            self.counter = QueryCounter(db.engine)
            self.rows = db.session.scalar(sa.text("SELECT count(*) FROM complaint"))
            self.dialect = db.engine.dialect.name

    def client(self, user_id: int):
        from auth import SESSION_VERSION_KEY
        from models import AppUser, db

        with self.app.app_context():
            version = db.session.get(AppUser, user_id).session_version
            db.session.remove()
        client = self.app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(user_id)
            session["_fresh"] = True
            session[SESSION_VERSION_KEY] = version  # auth.load_user checks it
        return client

    def close(self) -> None:
        from models import db
        with self.app.app_context():
            db.engine.dispose()


def run(urls: list[str], phase: str, repeat: int, only: str | None = None) -> list[dict]:
    """Every scenario for both users on every data set, the data sets interleaved."""
    data_sets = [DataSet(url) for url in urls]
    rows = []
    for user_id, (username, roles, _dept, _clearance) in enumerate(USERS, start=1):
        clients = [d.client(user_id) for d in data_sets]
        plans = [scenarios(d.app, user_id, roles) for d in data_sets]
        for position, (name, _path) in enumerate(plans[0]):
            if only and only not in name:
                continue
            if name.startswith("CSV export") and os.environ.get("BENCH_SKIP_EXPORT"):
                continue
            paths = [plan[position][1] for plan in plans]
            if name.startswith("CSV export"):  # long: one data set after the other
                results = [time_export(c, d.counter, p, max(2, repeat // 5))
                           for c, d, p in zip(clients, data_sets, paths, strict=True)]
            else:
                results = time_requests(
                    [(c, d.counter, p) for c, d, p in zip(clients, data_sets, paths,
                                                          strict=True)], repeat)
            for data_set, plan, path, result in zip(data_sets, plans, paths, results,
                                                    strict=True):
                row = {"db": data_set.dialect, "rows": data_set.rows, "phase": phase,
                       "user": username, "scenario": plan[position][0], "url": path,
                       **result}
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    for data_set in data_sets:
        data_set.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, action="append",
                        help="a data set; give several (10k and 1M) to interleave them")
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
