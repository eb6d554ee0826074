"""The statistics screen at scale: whole requests, in-process, on a built data set.

``bench.build_data`` builds the records office (1,000,000 complaints over ten years,
100,000 customers, 200,000 archive files and loans); ``--prepare`` then gives the
complaints what the statistics read and the generic builder leaves plain — kinds,
channels, responsible departments, the written notification a day or more after
receipt with its on-time verdict — and adds return slips and penalty notices (one per
200 complaints), all in a few set-based statements. Each run migrates the data set to
the branch's head first (the indexes measured are the migrations').

    python -m bench.stats --url sqlite:////abs/bench/data/stats_1m.db --prepare
    python -m bench.stats --url postgresql+psycopg://postgres@127.0.0.1/bench_stats_1m

Timed: each section of the statistics page (the screen computes one per request) and
all of them at once, for the GM office (all departments, secret) and for a department
clerk, over twelve months and over three years ending on the data set's
last day; the median of ``--repeat`` requests after one warm-up request, in wall time
and in the process's CPU time (SQLite runs in the process: its CPU time is the cost
without the other programs of a shared machine; PostgreSQL's work is in the server
and shows in wall time, and in ``db_cpu_median_ms``: the CPU time of the database's
server processes, read from ``/proc`` when the server runs on this machine), with the
load average at the time. Results go to ``bench/data/stats.jsonl`` and the terminal.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

RESULTS = Path(__file__).parent / "data" / "stats.jsonl"


def prepare(engine) -> None:
    """Vary what the statistics group by; notify and close what the builder closed."""
    sqlite = engine.dialect.name == "sqlite"
    later = ("datetime(received_at, '+' || (1 + id % 6) || ' days')" if sqlite
             else "received_at + (1 + id % 6) * interval '1 day'")
    statements = [
        f"""UPDATE complaint SET
              kind = CASE WHEN id % 3 = 0 THEN 'non_quality' ELSE 'quality' END,
              channel = CASE id % 6 WHEN 0 THEN 'phone' WHEN 1 THEN 'letter'
                        WHEN 2 THEN 'fax' WHEN 3 THEN 'email' WHEN 4 THEN 'in_person'
                        ELSE 'visit' END,
              responsible_department_id = CASE WHEN id % 10 = 0 THEN NULL
                                          ELSE 1 + id % 20 END,
              notified_at = CASE WHEN status = 'closed' THEN {later} END,
              handled_on_time = CASE WHEN status = 'closed' THEN (id % 6 < 3) END""",
        """INSERT INTO return_slip (id, number, applied_on, customer_id, quality_problem,
              within_warranty, arrived_on, inspected_on, inspection_due_on,
              decision_due_on, status, department_id, level, version_id, created_at,
              updated_at)
           SELECT id / 200, 'R' || id, CAST(received_at AS DATE), customer_id, TRUE, TRUE,
              CAST(received_at AS DATE), NULL, CAST(received_at AS DATE),
              CAST(received_at AS DATE), 'received', department_id, level, 1, received_at,
              received_at FROM complaint WHERE id % 200 = 0""",
        """INSERT INTO return_line (id, slip_id, product, quantity_claimed,
              quantity_counted, decision)
           SELECT id / 200, id / 200, product, 5, 4, 'credit' FROM complaint
           WHERE id % 200 = 0""",
        """INSERT INTO penalty (id, number, issued_on, complaint_id,
              responsible_department_id, kind, amount, reason, status, department_id,
              level, version_id, created_at, updated_at)
           SELECT id / 200, 'P' || id, CAST(received_at AS DATE), id, 1 + id % 20, 'fine',
              100 + id % 500, 'bench', 'approved', department_id, 'confidential', 1,
              received_at, received_at FROM complaint WHERE id % 200 = 0""",
    ]
    if sqlite:  # SQLite has no DATE type: the ORM stores the text
        statements = [s.replace("CAST(received_at AS DATE)", "date(received_at)")
                      .replace("TRUE", "1") for s in statements]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # A million rows rewritten: without VACUUM (autovacuum's work in an office that
        # writes a few hundred a day) PostgreSQL cannot read the indexes alone.
        conn.execute(sa.text("ANALYZE" if sqlite else "VACUUM ANALYZE"))


class ServerClock:
    """CPU time of a PostgreSQL database's server processes on this machine (each
    connection is a process: its user and system time are in ``/proc/<pid>/stat``);
    ``None`` for SQLite, or when the server runs elsewhere."""

    TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")

    def __init__(self, url: str):
        self.engine = sa.create_engine(url) if url.startswith("postgresql") else None

    def used_ms(self) -> float | None:
        if self.engine is None:
            return None
        with self.engine.connect() as conn:
            pids = conn.scalars(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).all()
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks * self.TICK_MS


def run(url: str, repeat: int, do_prepare: bool) -> list[dict]:
    from flask_migrate import upgrade

    from app import create_app
    from models import AppUser, db
    from tests.sessions import sign_in

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "TESTING": True})
    with app.app_context():
        upgrade(revision="heads")
        if do_prepare:
            started = time.perf_counter()
            prepare(db.engine)
            print(f"prepared in {time.perf_counter() - started:.1f}s")
        users = dict(db.session.execute(sa.select(AppUser.username, AppUser.id)).all())
        complaints = db.session.scalar(sa.text("SELECT count(*) FROM complaint"))
        last = db.session.scalar(sa.text("SELECT max(received_at) FROM complaint"))
        db.session.remove()
    last_day = date.fromisoformat(str(last)[:10])  # a datetime (PostgreSQL) or text
    # Periods end on the data set's last day (the builder's ten years end in the past).
    year = f"from={(last_day.replace(day=1) - timedelta(days=335)).replace(day=1)}" \
        f"&to={last_day.isoformat()}"
    three_years = f"from={last_day.replace(year=last_day.year - 3).isoformat()}" \
        f"&to={last_day.isoformat()}"
    from reports.statistics import SECTIONS
    server = ServerClock(url)
    results = []
    for username in ("bench.gm", "bench.clerk"):
        client = app.test_client()
        sign_in(app, client, users[username])
        for name, period in (("12 months", year), ("3 years", three_years)):
            for section in [s.key for s in SECTIONS] + ["all"]:
                path = f"/admin/statistics/?section={section}&{period}"
                warm = client.get(path)  # warm-up; a period refused would time another
                assert warm.status_code == 200 and "YYYY-MM-DD" not in warm.get_data(
                    as_text=True), path
                times, cpu, db_cpu = [], [], []
                for _ in range(repeat):
                    served = server.used_ms()
                    started, used = time.perf_counter(), time.process_time()
                    response = client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - used) * 1000)
                    if served is not None:
                        db_cpu.append(server.used_ms() - served)
                    assert response.status_code == 200
                result = {"at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                          "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0],
                          "complaints": complaints, "user": username, "period": name,
                          "section": section,
                          "median_ms": round(statistics.median(times), 1),
                          "max_ms": round(max(times), 1),
                          "cpu_median_ms": round(statistics.median(cpu), 1),
                          "db_cpu_median_ms": round(statistics.median(db_cpu), 1)
                          if db_cpu else None,
                          "load": round(os.getloadavg()[0], 1), "repeat": repeat}
                print(json.dumps(result, ensure_ascii=False), flush=True)
                results.append(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out:
        for result in results:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--prepare", action="store_true")
    args = parser.parse_args()
    run(args.url, args.repeat, args.prepare)


if __name__ == "__main__":
    main()
