"""The API's list at 10k and at 1M complaints, against the admin list of the same rows.

For each data set and each bench user (a department clerk, the GM office): the first
page, a deep page reached by the cursor (the 50th page of 20), a status filter, a rare
search, and the admin list page 1. Reported per request: median and p95 time, SQL
statements, and requests per second of one in-process client (1000 / median). Appends
JSON lines to ``bench/results/api_list.jsonl``.

    python -m bench.api_list --url sqlite:////abs/records_10k.db \\
        --url sqlite:////abs/records_1m.db --repeat 15
"""
from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path

from .build_data import RARE, USERS
from .run_bench import DataSet, time_requests

RESULTS = Path(__file__).parent / "results" / "api_list.jsonl"
DEEP = 50


def token_for(data_set: DataSet, user_id: int) -> str:
    from models import ApiToken, AppUser, db
    from models.clock import utcnow

    with data_set.app.app_context():
        user = db.session.get(AppUser, user_id)
        token, secret = ApiToken.issue(user, "bench", "read", utcnow() + timedelta(days=1))
        db.session.add(token)
        db.session.commit()
        db.session.remove()
    return secret


class TokenClient:
    """A test client that sends the token on every request."""

    def __init__(self, data_set: DataSet, secret: str):
        self.client = data_set.app.test_client()
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, url):
        return self.client.get(url, headers=self.headers)


def deep_cursor(client: TokenClient, pages: int) -> str | None:
    """The cursor of page ``pages`` (or of the last page, for a user who sees fewer)."""
    cursor = None
    for _ in range(pages - 1):
        url = "/api/v1/complaint?limit=20" + (f"&cursor={cursor}" if cursor else "")
        following = client.get(url).get_json()["next_cursor"]
        if following is None:
            break
        cursor = following
    return cursor


def run(urls: list[str], repeat: int) -> list[dict]:
    data_sets = [DataSet(url) for url in urls]
    rows = []
    for user_id, (username, _roles, _dept, _clearance) in enumerate(USERS, start=1):
        api = [TokenClient(d, token_for(d, user_id)) for d in data_sets]
        admin = [d.client(user_id) for d in data_sets]
        deep = [deep_cursor(c, DEEP) for c in api]
        plan = [
            ("api list page 1", api, ["/api/v1/complaint?limit=20"] * len(api)),
            (f"api page {DEEP} (cursor)", api,
             [f"/api/v1/complaint?limit=20&cursor={c}" for c in deep]),
            ("api filter status=closed", api,
             ["/api/v1/complaint?limit=20&status=closed"] * len(api)),
            (f"api search rare ({RARE})", api, [f"/api/v1/complaint?q={RARE}"] * len(api)),
            ("api read one", api, None),
            ("admin list page 1", admin, ["/admin/complaint/"] * len(admin)),
        ]
        for name, clients, paths in plan:
            if paths is None:  # the first row of each data set's page 1
                paths = [f"/api/v1/complaint/"
                         f"{c.get('/api/v1/complaint?limit=1').get_json()['items'][0]['id']}"
                         for c in clients]
            results = time_requests([(c, d.counter, p) for c, d, p in
                                     zip(clients, data_sets, paths, strict=True)], repeat)
            for data_set, path, result in zip(data_sets, paths, results, strict=True):
                row = {"db": data_set.dialect, "rows": data_set.rows, "user": username,
                       "scenario": name, "url": path[:80], **result,
                       "req_per_s": round(1000 / result["median_ms"], 1)}
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    for data_set in data_sets:
        data_set.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, action="append",
                        help="a data set (give the 10k and the 1M one)")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    rows = run(args.url, args.repeat)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
