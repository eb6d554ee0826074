"""The home page (/admin/) in this process, per user: CPU and wall time, statements.

For a department clerk and the GM office (``bench.clerk``, ``bench.gm``) on each data
set given: one warm-up request, then ``--repeat`` requests; prints per user the median
of the process's CPU time (``time.process_time``) and of the wall time (ms), and the
SQL statements of one request. Reads only (a GET of the home page writes nothing).

    python -m bench.home_page --url sqlite:////work/benchdata/stats_1m.db \
        --url postgresql+psycopg://postgres@127.0.0.1/bench_stats_1m
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import sqlalchemy as sa

from .run_bench import DataSet

USERS = ("bench.clerk", "bench.gm")


def measure(data_set: DataSet, username: str, repeat: int) -> dict:
    from models import AppUser, db

    with data_set.app.app_context():
        user_id = db.session.scalar(sa.select(AppUser.id).where(AppUser.username == username))
        db.session.remove()
    client = data_set.client(user_id)
    response = client.get("/admin/")  # warm-up: templates, compiled SQL, remembered rules
    assert response.status_code == 200, response.status_code
    cpu, wall, statements = [], [], []
    for _ in range(repeat):
        before = data_set.counter.count
        started_cpu, started = time.process_time(), time.perf_counter()
        response = client.get("/admin/")
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        statements.append(data_set.counter.count - before)
        assert response.status_code == 200, response.status_code
    return {"db": data_set.dialect, "rows": data_set.rows, "user": username,
            "cpu_ms": round(statistics.median(cpu), 1),
            "wall_ms": round(statistics.median(wall), 1),
            "statements": statistics.median(statements), "bytes": len(response.get_data())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", required=True)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    for url in args.url:
        data_set = DataSet(url)
        for username in USERS:
            print(json.dumps({"label": args.label, **measure(data_set, username, args.repeat)}),
                  flush=True)
        data_set.close()


if __name__ == "__main__":
    main()
