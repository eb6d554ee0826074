"""HTML bytes of the complaint list page, part by part (issue 17 target 4: ≤ 30 KB).

Opens ``/admin/complaint/`` (20 rows a page) through Flask's test client as each
benchmark user of ``bench/build_data.py`` (``bench.clerk``, ``bench.gm``): page 1,
filtered (status + severity), searched (不制冷) and sorted by customer, and prints
the uncompressed HTML's bytes split at the page's landmarks: head, navigation bar,
title and messages, the list's bar (create, export, filters, page size, bulk steps,
search), the filter forms (quick filters, saved filters, Flask-Admin's filter form,
result count), table header, rows, pager and the closing scripts.

    python -m bench.build_data --url sqlite:////tmp/w10k.db --complaints 10000
    python -m bench.list_html --url sqlite:////tmp/w10k.db [--json out.jsonl --phase after]
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from .build_data import COMMON, USERS
from .run_bench import DataSet, filter_arg

#: (part, the text that starts it); a part runs to the start of the next one found.
LANDMARKS = (
    ("head", ""),
    ("navigation bar", "<body"),
    ("title, messages", "</nav>"),
    ("list bar (create/export/filters/page size/steps/search)", 'data-list-bar="1"'),
    ("filter forms, result count", 'data-quick-filters="1"'),
    ("table header", '<div class="table-responsive">'),
    ("rows", "<tbody>"),
    ("pager, bulk-step form", "</tbody>"),
    ("scripts", "<script"),
)


def parts(html: str) -> list[tuple[str, int]]:
    """(part, bytes) of ``html``, split at ``LANDMARKS`` in order (the tag a landmark
    lies in starts its part); a landmark missing from the page gives a part of 0."""
    starts, position = [], 0
    for name, mark in LANDMARKS:
        found = html.find(mark, position) if mark else 0
        if found < 0:
            starts.append((name, None))
            continue
        if mark and not mark.startswith("<"):  # inside a tag: the part starts at its '<'
            found = html.rfind("<", 0, found)
        starts.append((name, found))
        position = found + 1
    found_starts = [s for _n, s in starts if s is not None] + [len(html)]
    result = []
    for name, start in starts:
        if start is None:
            result.append((name, 0))
            continue
        end = min(s for s in found_starts if s > start)
        result.append((name, len(html[start:end].encode("utf-8"))))
    return result


def variants(view) -> list[tuple[str, str]]:
    status, severity = filter_arg(view, "status"), filter_arg(view, "severity")
    sort_customer = list(view.column_list).index("customer")
    return [("list page 1", "/admin/complaint/"),
            ("filter status+severity (closed, major)",
             f"/admin/complaint/?{status}=closed&{severity}=major"),
            (f"search {COMMON}", f"/admin/complaint/?search={COMMON}"),
            ("sort by customer", f"/admin/complaint/?sort={sort_customer}")]


def measure(url: str) -> list[dict]:
    data_set = DataSet(url)
    view = next(v for v in data_set.app.extensions["admin"][0]._views
                if getattr(v, "endpoint", "") == "complaint")
    found = []
    for user_id, (username, _roles, _dept, _clearance) in enumerate(USERS, start=1):
        client = data_set.client(user_id)
        for name, path in variants(view):
            response = client.get(path)
            html = response.get_data(as_text=True)
            body = html[html.find("<tbody>"):html.find("</tbody>")]
            found.append({"user": username, "variant": name, "status": response.status_code,
                          "rows": len(re.findall(r"<tr[ >]", body)),
                          "bytes": len(response.data), "parts": dict(parts(html))})
    data_set.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--json", type=Path, help="append the results here (JSON lines)")
    parser.add_argument("--phase", default="")
    args = parser.parse_args()
    found = measure(args.url)
    names = [name for name, _mark in LANDMARKS]
    print("| user | variant | rows | bytes | " + " | ".join(names) + " |")
    print("|---" * (4 + len(names)) + "|")
    for row in found:
        print(f"| {row['user']} | {row['variant']} | {row['rows']} | {row['bytes']:,} | "
              + " | ".join(f"{row['parts'][n]:,}" for n in names) + " |")
    if args.json:
        with args.json.open("a", encoding="utf-8") as out:
            for row in found:
                out.write(json.dumps({"phase": args.phase, **row}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
