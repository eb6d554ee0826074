"""Requests per second under load: gunicorn (2 workers) on 127.0.0.1, driven by wrk.

The login cookie is a signed Flask session made with the bench secret, so wrk
requests go through the same Flask-Login / permission path as a browser's.

    python -m bench.run_wrk --url postgresql+psycopg://postgres@127.0.0.1/bench_records_1m \
        --phase after

Against another checkout (``--against DIR --against-url URL``): both servers run at
once, on two ports, and each request is measured on one and then the other, round after
round (``--rounds``). On a shared machine whose speed drifts over minutes, a pair taken
seconds apart compares the two fairly where two whole runs a minute apart do not. The
other checkout's rows are labelled ``--against-phase``, this one's ``--phase``.

    python -m bench.run_wrk --url sqlite:////abs/bench/data/records_1m.db --phase head \
        --against /abs/old-checkout --against-url sqlite:////abs/old/before_1m.db \
        --against-phase a38cafd --label sqlite-1M --rounds 5
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .build_data import COMMON, USERS

RESULTS = Path(__file__).parent / "data" / "wrk.jsonl"
PORT = 8765
#: The other checkout's server (``--against``).
AGAINST_PORT = 8766
PATHS = {"list page 1": "/admin/complaint/",
         f"search common ({COMMON})": "/admin/complaint/?search=" + COMMON,
         "home": "/admin/"}


def session_cookie(user_id: int) -> str:
    from flask import Flask
    app = Flask(__name__)
    app.secret_key = "bench"
    serializer = app.session_interface.get_signing_serializer(app)
    # The bench's accounts never log out: their session version is still the first (0).
    return serializer.dumps({"_user_id": str(user_id), "_fresh": True,
                             "_session_version": 0})


def start_gunicorn(url: str, port: int = PORT, tree: Path | None = None) -> subprocess.Popen:
    """Gunicorn with two workers on ``port``, serving the checkout ``tree`` (this one by
    default) on the database ``url``."""
    env = {**os.environ, "DATABASE_URL": url}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "bench.wsgi:app"], env=env, cwd=tree)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def wrk(path: str, cookie: str, seconds: int, port: int = PORT) -> dict:
    from urllib.parse import quote
    target = f"http://127.0.0.1:{port}{quote(path, safe='/?=&')}"
    out = subprocess.run(["wrk", "-t2", "-c4", f"-d{seconds}s", "--latency",
                          "-H", f"Cookie: session={cookie}", target],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": p50.group(1) + p50.group(2),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--phase", required=True)
    parser.add_argument("--label", required=True, help="e.g. sqlite-1M")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--against", type=Path, help="another checkout, served beside")
    parser.add_argument("--against-url", help="the other checkout's database")
    parser.add_argument("--against-phase", default="before")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    # (phase, port, server) of each checkout served, started together.
    servers = [(args.phase, PORT, start_gunicorn(args.url))]
    try:
        if args.against is not None:
            servers.insert(0, (args.against_phase, AGAINST_PORT, start_gunicorn(
                args.against_url, AGAINST_PORT, args.against.resolve())))
        with args.results.open("a", encoding="utf-8") as out:
            for round_number in range(1, args.rounds + 1):
                for user_id, (username, *_rest) in enumerate(USERS, start=1):
                    cookie = session_cookie(user_id)
                    for name, path in PATHS.items():
                        for phase, port, _server in servers:
                            row = {"label": args.label, "phase": phase, "user": username,
                                   "scenario": name, "round": round_number,
                                   **wrk(path, cookie, args.seconds, port)}
                            print(json.dumps(row, ensure_ascii=False), flush=True)
                            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        for _phase, _port, server in servers:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
