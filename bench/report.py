"""Turn bench/data/results.jsonl and wrk.jsonl into the tables of bench/RESULTS.md.

    python -m bench.report > bench/RESULTS.tables.md
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

#: The committed results; `python -m bench.report bench/data` reads a fresh run instead.
DATA = Path(__file__).parent / "results"


def _key(row: dict) -> tuple[str, str]:
    name = row["scenario"]
    if name.startswith("deep page"):
        name = "deep page"
    return row["user"].replace("bench.", ""), name


def _scale(rows: int) -> str:
    return "1M" if rows >= 500_000 else "10k"


def _ms(row: dict | None) -> str:
    if row is None:
        return "–"
    text = f"{row['median_ms']:.0f}" if row["median_ms"] >= 10 else f"{row['median_ms']:.1f}"
    return text + ("" if row["status"] == [200] else f" ({row['status']})")


def tables(results: list[dict]) -> str:
    by = defaultdict(dict)
    order: list[tuple[str, str]] = []
    for row in results:
        key = _key(row)
        if key not in order:
            order.append(key)
        by[(row["db"], key)][(row["phase"], _scale(row["rows"]))] = row
    out = []
    for db in ("sqlite", "postgresql"):
        out += [f"\n### {db}: median ms (p95), SQL statements per request\n",
                "| user | request | before 10k | before 1M | after 10k | after 1M "
                "| after 1M/10k | rows shown 10k / 1M | SQL before → after |",
                "|---|---|---|---|---|---|---|---|---|"]
        for key in order:
            cell = by.get((db, key), {})
            if not cell:
                continue
            b10, b1m = cell.get(("before", "10k")), cell.get(("before", "1M"))
            a10, a1m = cell.get(("after", "10k")), cell.get(("after", "1M"))
            ratio = f"{a1m['median_ms'] / a10['median_ms']:.2f}×" if a10 and a1m else "–"
            if a10 and a1m and a1m.get("exported_rows"):  # 100× the rows: per row
                per_row = (a1m["median_ms"] / a1m["exported_rows"]) / (
                    a10["median_ms"] / a10["exported_rows"])
                ratio = f"{per_row:.2f}× per row"
            queries = f"{(b1m or b10 or {}).get('queries', '–')} → " \
                      f"{(a1m or a10 or {}).get('queries', '–')}"
            p95 = f" ({a1m['p95_ms']:.0f})" if a1m else ""
            shown = " / ".join(str(r.get("rows_shown", "?")) for r in (a10, a1m) if r) \
                if any(r and r.get("rows_shown") for r in (a10, a1m)) else ""
            out.append(f"| {key[0]} | {key[1]} | {_ms(b10)} | {_ms(b1m)} | {_ms(a10)} "
                       f"| {_ms(a1m)}{p95} | {ratio} | {shown} | {queries} |")
        exports = [r for r in results if r["db"] == db and "first_byte_ms" in r]
        if exports:
            out += ["\nCSV export (GM office, filter severity = major):\n",
                    "| phase | rows in table | rows exported | first byte ms | total ms "
                    "| peak Python memory MB | peak RSS growth MB |",
                    "|---|---|---|---|---|---|---|"]
            for r in exports:
                growth = r.get("rss_growth_mb")
                out.append(f"| {r['phase']} | {r['rows']:,} | {r.get('exported_rows', '?'):,} "
                           f"| {r['first_byte_ms']:.0f} | {r['median_ms']:.0f} "
                           f"| {r['peak_mb']:.1f} | {'–' if growth is None else f'{growth:.0f}'} |")
    return "\n".join(out)


def wrk_table(rows: list[dict]) -> str:
    out = ["\n### gunicorn (2 workers) + wrk (2 threads, 4 connections), 1M rows: req/s\n",
           "| data set | user | request | before req/s | after req/s | after p50 |",
           "|---|---|---|---|---|---|"]
    by = defaultdict(dict)
    for row in rows:
        by[(row["label"], row["user"], row["scenario"])][row["phase"]] = row
    for (label, user, scenario), cell in by.items():
        before, after = cell.get("before"), cell.get("after")
        out.append(f"| {label} | {user.replace('bench.', '')} | {scenario} "
                   f"| {before['rps'] if before else '–'} | {after['rps'] if after else '–'} "
                   f"| {after['p50'] if after else '–'} |")
    return "\n".join(out)


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    results = [json.loads(line) for line in (data / "results.jsonl").open(encoding="utf-8")
               if line.strip()]
    sys.stdout.write(tables(results) + "\n")
    wrk = data / "wrk.jsonl"
    if wrk.exists():
        sys.stdout.write(wrk_table([json.loads(line) for line in wrk.open(encoding="utf-8")
                                    if line.strip()]) + "\n")


if __name__ == "__main__":
    main()
