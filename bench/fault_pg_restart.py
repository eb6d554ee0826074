"""Fault run: restart PostgreSQL under mixed read and write load, count what users saw.

Issue 18, item 3: while the database is away, requests answer 503 with Retry-After,
never 500; a write the client was told succeeded is in the database afterwards, and
complaint numbers stay contiguous (no gap, no duplicate). The script

1. starts its OWN PostgreSQL cluster (``initdb`` into a temporary folder, ``pg_ctl``
   on a free loopback port, as the ``postgres`` account when run as root) — never the
   machine's shared server, which other people's tests use;
2. migrates it and loads the demo data (``flask db upgrade``, ``flask seed-demo``);
3. starts gunicorn with 2 workers on 127.0.0.1;
4. logs in clerks (registering complaints through the form, one login session each)
   and readers (list pages), lets them run, and restarts the private cluster with
   ``pg_ctl restart -m fast`` in the middle of the run;
5. reports requests, answers by status, 503 answers without ``Retry-After`` (must be
   0), the registrations confirmed to the client (a redirect, whose details page
   shows the new number) and whether each is in the database afterwards, and whether
   the complaint numbers of the run's month are contiguous.

Usage (from the project root)::

    .venv/bin/python -m bench.fault_pg_restart                # 60 s, restart at 30 s
    .venv/bin/python -m bench.fault_pg_restart --seconds 90 --restarts 2

Results are printed and appended to ``bench/results/fault_pg_restart.jsonl``; the
recorded runs' figures are in ``bench/RESULTS.md``. The cluster is stopped and its
folder removed at the end.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import pwd
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench.soak import HOST, Browser, flask, start_gunicorn

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "fault_pg_restart.jsonl"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
CLERKS = ("clerk.sales", "clerk.service")
READERS = ("supervisor", "gm", "auditor")
LISTS = ("complaint", "customer", "contract", "archive_file", "return_slip")
NUMBER = re.compile(r"\b(\d{4})(\d{3})\b")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class PrivateCluster:
    """A throw-away PostgreSQL cluster on a free port, owned by ``postgres`` if root."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="fault-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.folder, account.pw_uid, account.pw_gid)

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        return subprocess.run([*prefix, *command], capture_output=True, text=True,
                              check=check)

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60",
                        *args)

    def start(self) -> None:
        self.run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                 "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = f"-p {self.port} -c listen_addresses={HOST} -k {self.folder}"
        self.pg_ctl("-o", options, "-l", str(self.folder / "server.log"), "start")
        self.options = options

    def restart(self) -> float:
        """``pg_ctl restart -m fast``: open connections are cut. Seconds it took."""
        began = time.monotonic()
        self.pg_ctl("-o", self.options, "-l", str(self.folder / "server.log"), "-m", "fast",
                    "restart")
        return time.monotonic() - began

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}/records"


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    without_retry_after: int = 0
    samples_500: list = field(default_factory=list)
    confirmed: list = field(default_factory=list)
    """(complaint id, number) of each registration the client was told was saved."""
    not_confirmed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class CountingBrowser(Browser):
    """The soak's browser, keeping each answer's status and whether a 503 said when."""

    def __init__(self, port: int, tally: Tally, soak_tally):
        super().__init__(port, soak_tally)
        self.fault = tally

    def request(self, method, path, kind, form=None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        retry_after = None
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or ():
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            status, location = response.status, response.headers.get("Location", "")
            retry_after = response.headers.get("Retry-After")
        except OSError as exc:
            status, data, location = 599, str(exc).encode(), ""
        finally:
            connection.close()
        if kind != "setup":
            with self.fault.lock:
                self.fault.statuses[status] += 1
                if status == 503 and not retry_after:
                    self.fault.without_retry_after += 1
                if status >= 500 and status != 503 and len(self.fault.samples_500) < 10:
                    self.fault.samples_500.append(f"{status} {method} {path}")
        return status, data.decode("utf-8", "replace"), location


class Actor(threading.Thread):
    def __init__(self, username: str, port: int, tally: Tally, seed: int):
        super().__init__(daemon=True)
        from bench.soak import Tally as SoakTally

        self.username, self.tally = username, tally
        self.browser = CountingBrowser(port, tally, SoakTally())
        self.random = random.Random(seed)
        self.until = 0.0
        self.customers: list = []

    def prepare(self) -> None:
        self.browser.login(self.username)
        if self.username in CLERKS:
            _, found, _ = self.browser.request(
                "GET", "/admin/complaint/ajax/lookup/?name=customer&query=", "setup")
            self.customers = json.loads(found)

    def run(self) -> None:
        while time.monotonic() < self.until:
            if self.customers and self.random.random() < 0.6:
                self.register()
            else:
                self.read()
            time.sleep(self.random.uniform(0.02, 0.1))

    def read(self) -> None:
        table = self.random.choice(LISTS)
        self.browser.request("GET", f"/admin/{table}/", "list")

    def register(self) -> None:
        fields = self.browser.form_of("/admin/complaint/new/", "write")
        if fields is None:
            return
        fields.update(customer=str(self.random.choice(self.customers)[0]),
                      complainant="故障测试", content="空调不制冷，故障测试登记。",
                      request="上门检修", product="KF-35GW",
                      _continue_editing="1")  # "save and continue": the answer names it
        status, _, location = self.browser.request("POST", "/admin/complaint/new/",
                                                   "write", fields)
        if status != 302:
            with self.tally.lock:
                self.tally.not_confirmed += 1
            return
        # Confirmed: the client is sent to the new record (its id); its details page
        # shows the number it was given.
        found = re.search(r"[?&]id=(\d+)", location)
        number = None
        if found:
            details = f"/admin/complaint/details/?id={found.group(1)}"
            for _ in range(30):  # the database may be away right now: ask again
                status, page, _ = self.browser.request("GET", details, "confirm")
                if status == 200:
                    numbers = NUMBER.findall(page)
                    number = "".join(numbers[0]) if numbers else None
                    break
                time.sleep(0.5)
        with self.tally.lock:
            self.tally.confirmed.append((int(found.group(1)) if found else None, number))


def check_database(url: str, confirmed: list, started_at_id: int) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT id, number FROM complaint WHERE id > :first ORDER BY id"),
            {"first": started_at_id}).all()
        month_numbers = [n for (n,) in connection.execute(sa.text(
            "SELECT number FROM complaint WHERE number IS NOT NULL"))]
    engine.dispose()
    stored = {row.id: row.number for row in rows}
    missing = [c for c in confirmed if c[0] is None or c[0] not in stored or
               (c[1] is not None and stored[c[0]] != c[1])]
    by_month: dict[str, list[int]] = {}
    for number in month_numbers:
        match = re.fullmatch(r"(\d{4})(\d{3})", number or "")
        if match:
            by_month.setdefault(match.group(1), []).append(int(match.group(2)))
    gaps, duplicates = {}, {}
    for month, serials in by_month.items():
        counted = Counter(serials)
        duplicates[month] = sorted(s for s, n in counted.items() if n > 1)
        gaps[month] = sorted(set(range(1, max(serials) + 1)) - set(serials))
    return {"complaints_added": len(rows),
            "confirmed_missing": missing,
            "confirmed_without_number": sum(1 for c in confirmed if c[1] is None),
            "stored_but_not_confirmed": len(set(stored) - {c[0] for c in confirmed}),
            "number_gaps": {m: g for m, g in gaps.items() if g},
            "number_duplicates": {m: d for m, d in duplicates.items() if d}}


def fault_run(seconds: float, restarts: int, port: int) -> dict:
    cluster = PrivateCluster()
    server = None
    try:
        cluster.start()
        admin = sa.create_engine(cluster.url.replace("/records", "/postgres"),
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text('CREATE DATABASE "records"'))
        admin.dispose()
        env = {**os.environ, "DATABASE_URL": cluster.url, "SECRET_KEY": uuid.uuid4().hex,
               "FLASK_DEBUG": "0", "LOG_FORMAT": "json",
               "UPLOAD_FOLDER": str(cluster.folder / "uploads")}
        flask(env, "db", "upgrade")
        flask(env, "seed-demo")
        engine = sa.create_engine(cluster.url)
        with engine.connect() as connection:
            first_id = connection.execute(sa.text(
                "SELECT coalesce(max(id), 0) FROM complaint")).scalar_one()
        engine.dispose()
        server = start_gunicorn(env, port)
        tally = Tally()
        actors = [Actor(name, port, tally, seed=n)
                  for n, name in enumerate((*CLERKS, *CLERKS, *READERS))]
        for actor in actors:
            actor.prepare()
        began = time.monotonic()
        for actor in actors:
            actor.until = began + seconds
            actor.start()
        restart_seconds = []
        for n in range(restarts):
            moment = began + seconds * (n + 1) / (restarts + 1)
            time.sleep(max(0.0, moment - time.monotonic()))
            restart_seconds.append(round(cluster.restart(), 2))
        for actor in actors:
            actor.join()
        found = check_database(cluster.url, tally.confirmed, first_id)
        statuses = dict(sorted(tally.statuses.items()))
        return {
            "at": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds": seconds,
            "restarts": restarts, "restart_seconds": restart_seconds,
            "users": [a.username for a in actors],
            "requests": sum(statuses.values()), "statuses": statuses,
            "answers_500": sum(n for s, n in statuses.items() if s >= 500 and s != 503),
            "answers_503_without_retry_after": tally.without_retry_after,
            "samples_500": tally.samples_500,
            "registrations_confirmed": len(tally.confirmed),
            "registrations_not_confirmed": tally.not_confirmed,
            **found,
        }
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--restarts", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="gunicorn's (default: free)")
    args = parser.parse_args()
    result = fault_run(args.seconds, args.restarts, args.port or free_port())
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    good = (result["answers_500"] == 0 and not result["confirmed_missing"]
            and not result["number_gaps"] and not result["number_duplicates"]
            and result["answers_503_without_retry_after"] == 0)
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
