"""Page weight in a real browser (issue 16 item 7): bytes over the wire, cold and repeat.

Builds a demo database (``flask db upgrade`` + ``flask seed-demo``) in a temporary
folder, serves it with werkzeug in a thread, and opens each page in Debian's Chromium
(Playwright) as the GM office: once with an empty cache, then again in the same
browser context (a repeat visit: versioned static files come from the cache, the
others are revalidated). Bytes transferred are summed over every response of the
page load (headers and the body as sent, compressed or not), from Chromium's own
accounting. Prints a Markdown table; appends JSON lines to bench/data/weight.jsonl.

    python -m bench.page_weight --phase after
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
from pathlib import Path

RESULTS = Path(__file__).parent / "data" / "weight.jsonl"
PAGES = (("home", "/admin/"),
         ("complaint list", "/admin/complaint/"),
         ("complaint details", "details"),
         ("audit log, 100 rows", "/admin/audit_event/?page_size=100"),
         ("customer list", "/admin/customer/"))


def build_demo(folder: str):
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/demo.db"
    from flask_migrate import upgrade

    from app import create_app
    app = create_app({"SECRET_KEY": "weight", "WTF_CSRF_ENABLED": True})
    with app.app_context():
        upgrade(revision="heads")
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        if result.exit_code:
            raise RuntimeError(f"seed-demo failed: {result.output}") from result.exception
    return app


def serve(app):
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def measure(page, url: str) -> dict:
    sizes, count = [], [0]

    def finished(request):
        try:
            sizes.append(request.sizes()["responseHeadersSize"]
                         + request.sizes()["responseBodySize"])
            count[0] += 1
        except Exception:  # noqa: BLE001 - a request the page dropped
            pass
    page.on("requestfinished", finished)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("requestfinished", finished)
    return {"requests": count[0], "kb": sum(sizes) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", required=True)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from models import AppUser, Complaint, db
    from tests.sessions import sign_in
    with tempfile.TemporaryDirectory() as folder:
        app = build_demo(folder)
        with app.app_context():
            gm = db.session.scalar(db.select(AppUser.id).where(AppUser.username == "gm"))
            complaint = db.session.scalar(db.select(Complaint.id).order_by(Complaint.id))
        client = app.test_client()
        sign_in(app, client, gm)
        cookie = client.get_cookie("session").value
        server = serve(app)
        base = f"http://127.0.0.1:{server.server_port}"
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--no-sandbox"])
            for name, path in PAGES:
                if path == "details":
                    path = f"/admin/complaint/details/?id={complaint}"
                context = browser.new_context(locale="zh-CN")
                context.add_cookies([{"name": "session", "value": cookie, "url": base}])
                page = context.new_page()
                cold = measure(page, base + path)
                repeat = measure(page, base + path)
                context.close()
                rows.append({"phase": args.phase, "page": name, "cold_kb": cold["kb"],
                             "cold_requests": cold["requests"], "repeat_kb": repeat["kb"],
                             "repeat_requests": repeat["requests"]})
            browser.close()
        server.shutdown()
    args.results.parent.mkdir(exist_ok=True)
    with args.results.open("a", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print("| page | cold KB (requests) | repeat KB (requests) |\n|---|---|---|")
    for row in rows:
        print(f"| {row['page']} | {row['cold_kb']:.0f} ({row['cold_requests']}) | "
              f"{row['repeat_kb']:.0f} ({row['repeat_requests']}) |")


if __name__ == "__main__":
    main()
