"""Each complaint page of the product against its floor (``bench/floor.py``), issue 17.

Both run in this process through Flask's test client on the same database, the
product's request and the floor's alternating in every round (a slow moment of the
shared machine slows both). Per request: medians of the process's CPU time and of the
wall time, the ratio product / floor (CPU), the product's SQL statements and HTML
bytes (the floor's too). Appends JSON lines to
``bench/data/floor.jsonl``; ``--table`` prints the Markdown table of a results file.

    python -m bench.run_floor --phase before --url sqlite:////abs/bench/data/records_1m.db
    python -m bench.run_floor --table bench/data/floor.jsonl
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from .build_data import COMMON, RARE, SHORT, USERS
from .run_bench import DataSet, filter_arg

RESULTS = Path(__file__).parent / "data" / "floor.jsonl"


def pairs(data_set, user_id: int, roles: str) -> list[tuple[str, str, str]]:
    """(name, product URL, floor URL) of every request compared."""
    from .run_bench import scenarios
    app = data_set.app
    found = dict(scenarios(app, user_id, roles))
    view = next(v for v in app.extensions["admin"][0]._views
                if getattr(v, "endpoint", "") == "complaint")
    status, severity = filter_arg(view, "status"), filter_arg(view, "severity")
    deep_name = next(n for n in found if n.startswith("deep page"))
    deep = found[deep_name].rsplit("=", 1)[1]
    middle = found["details"].rsplit("=", 1)[1]
    floor = "/floor/complaint/"
    result = [
        ("list page 1", "/admin/complaint/", floor),
        (deep_name, found[deep_name], f"{floor}?page={deep}"),
        ("filter status+severity (closed)",
         f"/admin/complaint/?{status}=closed&{severity}=major",
         f"{floor}?status=closed&severity=major"),
        (f"search common ({COMMON})", found[f"search common ({COMMON})"],
         f"{floor}?search={COMMON}"),
        (f"search rare ({RARE})", found[f"search rare ({RARE})"], f"{floor}?search={RARE}"),
        (f"search 2-char ({SHORT})", found[f"search 2-char ({SHORT})"],
         f"{floor}?search={SHORT}"),
        ("sort by customer", found["sort by customer"], f"{floor}?sort=customer"),
        ("details", found["details"], f"{floor}details/?id={middle}"),
    ]
    # The product's request path alone: the list's filter script (session, account,
    # rules, every hook, no content read) against the floor's whole first page. Below
    # what a page costs beyond it, no page can go.
    with app.test_request_context("/admin/complaint/"):  # its blueprint names the URL
        result.append(("request path alone (filters.js)", view.filters_script_url(), floor))
    if "gm_office" in roles:
        result.append(("CSV export (severity=major)",
                       f"/admin/complaint/export/csv/?{severity}=major",
                       f"{floor}export.csv?severity=major"))
        # Issue 17 target 2: the XLSX (streamed) against the same floor as the CSV.
        result.append(("XLSX export (severity=major)",
                       f"/admin/complaint/export/xlsx/?{severity}=major",
                       f"{floor}export.csv?severity=major"))
    return result


def floor_client(floor, data_set, user_id: int):
    from models import AppUser, db
    with data_set.app.app_context():
        version = db.session.get(AppUser, user_id).session_version
        db.session.remove()
    client = floor.floor.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_session_version"] = version
    return client


def fetch(client, url: str) -> tuple[float, float, int, int]:
    """(wall ms, CPU ms of this process, status, bytes) of the whole response, a
    streamed one read to its end. On a shared machine (other people's tests on the
    same two cores) the CPU time of the request stays put where the wall time does
    not; with SQLite it includes the database's work, with PostgreSQL not."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url, buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    return ((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000,
            response.status_code, size)


def compare(data_set, floor, app_client, floor_client_, name, app_url, floor_url,
            repeat: int) -> dict:
    counter = data_set.counter
    if "export" not in name:  # an export is long enough to warm itself up
        fetch(app_client, app_url), fetch(floor_client_, floor_url)
    app_ms, floor_ms, app_cpu, floor_cpu, statuses = [], [], [], [], set()
    sql = app_bytes = floor_bytes = 0
    for _ in range(repeat):
        before = counter.count
        ms, cpu, status, app_bytes = fetch(app_client, app_url)
        sql = counter.count - before
        app_ms.append(ms)
        app_cpu.append(cpu)
        statuses.add(status)
        ms, cpu, status, floor_bytes = fetch(floor_client_, floor_url)
        floor_ms.append(ms)
        floor_cpu.append(cpu)
        statuses.add(status)
    median = statistics.median
    return {"scenario": name, "app_ms": median(app_ms), "floor_ms": median(floor_ms),
            "ratio": median(app_ms) / median(floor_ms),
            "app_cpu_ms": median(app_cpu), "floor_cpu_ms": median(floor_cpu),
            "cpu_ratio": median(app_cpu) / max(median(floor_cpu), 1e-3),
            "sql": sql, "app_bytes": app_bytes,
            "floor_bytes": floor_bytes, "status": sorted(statuses), "url": app_url}


def run(url: str, phase: str, repeat: int, only: str | None,
        skip_export: bool = False, csv_rounds: int = 3) -> list[dict]:
    from .floor import Floor
    data_set = DataSet(url)
    floor = Floor(data_set.app, url)
    rows = []
    for user_id, (username, roles, _dept, _clearance) in enumerate(USERS, start=1):
        app_client = data_set.client(user_id)
        floors = floor_client(floor, data_set, user_id)
        for name, app_url, floor_url in pairs(data_set, user_id, roles):
            if only and only not in name:
                continue
            if skip_export and "export" in name:
                continue
            rounds = csv_rounds if "export" in name else repeat
            row = {"db": data_set.dialect, "rows": data_set.rows, "phase": phase,
                   "user": username, **compare(data_set, floor, app_client, floors, name,
                                               app_url, floor_url, rounds)}
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    data_set.close()
    floor.engine.dispose()
    return rows


def table(path: Path, phases: list[str] | None = None) -> str:
    """Markdown: per database, user and request, the phases side by side: the
    product's CPU ms and its ratio to the floor's CPU ms of the same run, wall ms,
    SQL statements and HTML KB."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if "app_cpu_ms" in r and (not phases or r["phase"] in phases)]
    latest = {}
    for row in rows:
        latest[(row["db"], row["user"], row["scenario"], row["phase"])] = row
    phases = phases or list(dict.fromkeys(r["phase"] for r in rows))
    out = []
    for db in dict.fromkeys(r["db"] for r in rows):
        out.append(f"\n### {db}, {max(r['rows'] for r in rows if r['db'] == db):,} complaints\n")
        head = "| user | request |"
        for phase in phases:
            head += (f" {phase}: CPU ms (floor) | × floor | wall ms (floor) | SQL |"
                     " HTML KB |")
        out.append(head)
        out.append("|" + "---|" * (2 + 5 * len(phases)))
        keys = dict.fromkeys((r["user"], r["scenario"]) for r in rows if r["db"] == db)
        for user, scenario in keys:
            line = f"| {user.removeprefix('bench.')} | {scenario} |"
            for phase in phases:
                f = latest.get((db, user, scenario, phase))
                line += (" – | – | – | – | – |" if f is None else
                         f" {f['app_cpu_ms']:.1f} ({f['floor_cpu_ms']:.1f}) |"
                         f" {f['cpu_ratio']:.1f}× | {f['app_ms']:.0f} ({f['floor_ms']:.0f}) |"
                         f" {f['sql']} | {f['app_bytes'] / 1024:.1f} |")
            out.append(line)
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--phase")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--csv-rounds", type=int, default=3,
                        help="rounds of the 100k-row CSV export (after one warm-up)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--table", type=Path, help="print the table of a results file")
    parser.add_argument("--phases", help="comma-separated phases for --table")
    args = parser.parse_args()
    if args.table:
        print(table(args.table, args.phases.split(",") if args.phases else None))
        return
    args.results.parent.mkdir(exist_ok=True)
    for url in args.url:
        rows = run(url, args.phase, args.repeat, args.only, args.skip_export,
                   args.csv_rounds)
        with args.results.open("a", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
