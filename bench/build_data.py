"""Build a large records office quickly: bulk inserts on SQLite, COPY on PostgreSQL.

The ORM row by row would take hours at a million complaints; here rows are plain
tuples written in batches through the driver, after the migrations built the schema
(so the indexes under test are the ones production has). Ratios follow issue 6:
per 1,000,000 complaints, 100,000 customers, 200,000 archive files and 200,000
loans, over 20 departments and all four levels; one complaint in a hundred is still
open (the newest), as in an office with ten years of history; ids follow the
dates, as numbers are given when a record is registered.

    python -m bench.build_data --url sqlite:///bench/data/records_1m.db --complaints 1000000
    python -m bench.build_data --url postgresql+psycopg://postgres@127.0.0.1/bench_1m \
        --complaints 1000000
    python -m bench.build_data --url sqlite:///bench/data/visits_1m.db --complaints 10000 \
        --visit-reports 1000000      # the visit reports' list (issue 14)
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import date, datetime, timedelta

import sqlalchemy as sa

DEPARTMENTS = 20
LEVELS = (("public", 20), ("internal", 50), ("confidential", 20), ("secret", 10))
PRODUCTS = ("冰箱", "空调", "洗衣机", "热水器", "电视机", "微波炉", "油烟机", "净水器")
PROBLEMS = ("漏水", "噪音大", "不制冷", "外观划伤", "安装延误", "服务态度差", "配件缺失",
            "无法开机", "异味", "发票错误", "送货延迟", "遥控失灵")
#: Search terms the benchmark uses: COMMON is in about 1 row in 12; RARE in RARE_ROWS
#: rows whatever the scale; SHORT is a 2-character term (below a trigram's length).
COMMON, RARE, SHORT, RARE_ROWS = "不制冷", "R7QZ", "漏水", 5
COMPLAINT_STATUSES = ("registered", "investigating", "responsibility_determined",
                      "handling_proposed", "approved", "notified", "closed")
#: One complaint in OPEN_EVERY is still open (any status, so overdue): the newest ones,
#: as in an office that closes its cases; the rest are closed.
OPEN_EVERY = 100
START = datetime(2016, 1, 1)
SPAN_SECONDS = 10 * 365 * 86400
#: Users the benchmark logs in as: (username, roles, department id, clearance).
USERS = (("bench.clerk", "clerk", 1, "internal"),
         ("bench.gm", "gm_office", DEPARTMENTS, "secret"))
BATCH = 20_000


def weighted_levels(rng: random.Random, n: int) -> list[str]:
    return rng.choices([lv for lv, _ in LEVELS], weights=[w for _, w in LEVELS], k=n)


def departments():
    for i in range(1, DEPARTMENTS + 1):
        yield {"id": i, "code": f"D{i:02d}", "name": f"部门{i:02d}", "active": True}


def users(password_hash: str):
    for i, (name, roles, dept, clearance) in enumerate(USERS, start=1):
        yield {"id": i, "username": name, "full_name": name, "password_hash": password_hash,
               "roles": roles, "department_id": dept, "clearance": clearance,
               "active": True, "created_at": START}


def customers(n: int, rng: random.Random):
    levels = weighted_levels(rng, n)
    for i in range(1, n + 1):
        yield {"id": i, "code": f"K{i:07d}", "name": f"客户{i}{rng.choice(PRODUCTS)}经销",
               "kind": "dealer", "grade": rng.choice("ABCD"), "region": f"区域{i % 31}",
               "contact_person": f"联系人{i % 997}", "phone": f"1380000{i:04d}"[-11:],
               "department_id": rng.randint(1, DEPARTMENTS), "level": levels[i - 1],
               "version_id": 1, "created_at": START, "updated_at": START}


def in_order(i: int, n: int, rng: random.Random) -> datetime:
    """When the i-th of n records arrived: spread over ten years in id order, as
    records are numbered when they are registered."""
    slot = max(1, SPAN_SECONDS // n)
    return START + timedelta(seconds=(i - 1) * SPAN_SECONDS // n + rng.randrange(slot))


def complaints(n: int, n_customers: int, rng: random.Random):
    levels = weighted_levels(rng, n)
    rare_every = max(1, n // RARE_ROWS)
    first_open = n - n // OPEN_EVERY
    for i in range(1, n + 1):
        received = in_order(i, n, rng)
        product = rng.choice(PRODUCTS)
        content = f"{product}{rng.choice(PROBLEMS)}，客户要求{rng.choice(PROBLEMS)}处理"
        if i % rare_every == 1:
            content += f" 批次{RARE}"
        severity = "major" if rng.random() < 0.1 else "general"
        status = rng.choice(COMPLAINT_STATUSES)
        if i <= first_open:  # ten years of history: all but the newest are closed
            status = "closed"
        yield {"id": i, "number": f"C{i:09d}", "customer_id": rng.randint(1, n_customers),
               "received_at": received, "channel": "phone", "complainant": f"投诉人{i % 500}",
               "content": content, "product": product, "batch_no": f"B{i:08d}",
               "kind": "quality", "severity": severity,
               "due_date": (received + timedelta(days=3)).date(),
               "effective_due_date": (received + timedelta(days=3)).date(),
               "due_date_provisional": False, "status": status,
               "department_id": rng.randint(1, DEPARTMENTS), "level": levels[i - 1],
               "version_id": 1, "created_at": received, "updated_at": received}


def archive_files(n: int, n_customers: int, rng: random.Random):
    levels = weighted_levels(rng, n)
    for i in range(1, n + 1):
        yield {"id": i, "number": f"DA{2016 + i % 10}{i:07d}",
               "customer_id": rng.randint(1, n_customers), "category": "sales",
               "title": f"档案{i} {rng.choice(PRODUCTS)}销售合同", "retention": "permanent",
               "status": "in_archive", "room": "A", "cabinet": str(i % 40),
               "shelf": str(i % 7), "department_id": rng.randint(1, DEPARTMENTS),
               "level": levels[i - 1], "version_id": 1, "created_at": START,
               "updated_at": START}


def loans(n: int, n_files: int, rng: random.Random):
    # Loans are closed (returned) so the one-open-loan-per-file index never objects.
    for i in range(1, n + 1):
        created = in_order(i, n, rng)
        borrower = 1 if i % 50 == 0 else 2
        yield {"id": i, "archive_file_id": rng.randint(1, n_files),
               "borrower_id": borrower, "requested_by_id": borrower,
               "purpose": f"查阅{rng.choice(PRODUCTS)}档案", "mode": "read",
               "due_date": (created + timedelta(days=14)).date(), "status": "returned",
               "department_id": rng.randint(1, DEPARTMENTS),
               "level": weighted_levels(rng, 1)[0], "version_id": 1,
               "created_at": created, "updated_at": created}


#: The scale of the visit reports' benchmark (issue 14): what a visit report holds.
SCORES = (100, 90, 85, 80, 70, 60, 50)


def visit_reports(n: int, n_customers: int, rng: random.Random):
    """Visit reports (走访报告单) spread over ten years in id order, all read by the
    supervisor but the newest hundredth (the list's status filter has both)."""
    levels = weighted_levels(rng, n)
    first_open = n - n // OPEN_EVERY
    for i in range(1, n + 1):
        visited = in_order(i, n, rng)
        yield {"id": i, "customer_id": rng.randint(1, n_customers),
               "visited_by_id": 1, "visited_at": visited,
               "opinions": f"{rng.choice(PRODUCTS)}{rng.choice(PROBLEMS)}，希望改进",
               "market_news": f"同行{rng.choice(PRODUCTS)}降价", "quality_score":
               rng.choice(SCORES), "service_score": rng.choice(SCORES),
               "reputation_score": rng.choice(SCORES),
               "status": "reviewed" if i <= first_open else "submitted",
               "department_id": rng.randint(1, DEPARTMENTS), "level": levels[i - 1],
               "version_id": 1, "created_at": visited, "updated_at": visited}


def _batches(rows, size=BATCH):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_sqlite(engine, table: sa.Table, rows) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        for batch in _batches(rows):
            cols = list(batch[0])
            sql = (f'INSERT INTO "{table.name}" ({", ".join(cols)}) '
                   f'VALUES ({", ".join("?" * len(cols))})')
            cur.executemany(sql, [tuple(_sqlite_value(r[c]) for c in cols) for r in batch])
        raw.commit()
    finally:
        raw.close()


def _sqlite_value(value):
    # Store what SQLAlchemy's SQLite dialect stores, so the ORM reads the rows back.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.000000")
    if isinstance(value, date):
        return value.isoformat()
    return value


def load_postgres(engine, table: sa.Table, rows) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for batch in _batches(rows):
            cols = list(batch[0])
            with cur.copy(f'COPY "{table.name}" ({", ".join(cols)}) FROM STDIN') as copy:
                for row in batch:
                    copy.write_row(tuple(row[c] for c in cols))
        cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f"(SELECT max(id) FROM \"{table.name}\"))")
        raw.commit()
    finally:
        raw.close()


def create_database(url: str) -> None:
    """A fresh PostgreSQL database of the URL's name (SQLite files are made on connect)."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def build(url: str, n_complaints: int, seed: int = 6,
          n_visit_reports: int = 0) -> dict[str, float]:
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from app import create_app
    from models import db

    create_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    timings: dict[str, float] = {}
    rng = random.Random(seed)
    n_customers = max(10, n_complaints // 10)
    n_files = max(10, n_complaints // 5)
    with app.app_context():
        started = time.perf_counter()
        upgrade(revision="heads")
        timings["schema"] = time.perf_counter() - started
        engine = db.engine
        load = load_postgres if engine.dialect.name == "postgresql" else load_sqlite
        tables = db.metadata.tables
        plan = [("department", departments()),
                ("app_user", users(generate_password_hash("bench-password",
                                                          "pbkdf2:sha256:1000"))),
                ("customer", customers(n_customers, rng)),
                ("complaint", complaints(n_complaints, n_customers, rng)),
                ("archive_file", archive_files(n_files, n_customers, rng)),
                ("loan", loans(n_files, n_files, rng))]
        if n_visit_reports:
            plan.append(("visit_report", visit_reports(n_visit_reports, n_customers, rng)))
        for name, rows in plan:
            started = time.perf_counter()
            load(engine, tables[name], rows)
            timings[name] = time.perf_counter() - started
        started = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                                 else "ANALYZE"))
        timings["analyze"] = time.perf_counter() - started
        db.session.remove()
        engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--complaints", type=int, default=10_000)
    parser.add_argument("--visit-reports", type=int, default=0,
                        help="visit reports (走访报告单) to add: the visits benchmark")
    args = parser.parse_args()
    if args.url.startswith("sqlite:///"):
        import os
        # Relative to the current directory (Flask-SQLAlchemy would take it relative to
        # the instance folder): made absolute once, for both.
        path = os.path.abspath(args.url[len("sqlite:///"):])
        args.url = "sqlite:///" + path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    started = time.perf_counter()
    timings = build(args.url, args.complaints, n_visit_reports=args.visit_reports)
    total = time.perf_counter() - started
    print(" ".join(f"{k}={v:.1f}s" for k, v in timings.items()), f"total={total:.1f}s")


if __name__ == "__main__":
    main()
