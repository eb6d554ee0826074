"""Soak run: several users' mixed traffic against gunicorn for minutes on end.

Proves that nothing accumulates per request (issue 11, item 1: each CSV export kept a
pooled database connection, and after a few dozen every request waited 30 s and
answered 500). The script

1. creates a fresh database (PostgreSQL on 127.0.0.1 by default, or a SQLite file),
   migrates it and loads the demo data (``flask db upgrade``, ``flask seed-demo``);
2. starts gunicorn with 2 workers on 127.0.0.1 only;
3. logs in several demo users through the login form (one session each) and lets
   them run concurrently for the given time: record lists, searches, details pages,
   CSV and XLSX exports, and writes (a clerk registers a complaint or edits a
   customer's remarks), each user only where their role allows;
4. reports total requests, errors (any answer other than 2xx/3xx, and connection
   failures), writes saved, the database connections (PostgreSQL:
   ``pg_stat_activity`` for the run's database, and how many of them sit idle in a
   transaction; SQLite: the workers' open file descriptors) and the workers'
   resident memory at the start and the end (and the
   largest seen), then stops gunicorn and drops the database.

Usage (from the project root)::

    .venv/bin/python -m bench.soak                      # 10 minutes on PostgreSQL
    .venv/bin/python -m bench.soak --minutes 1 --database sqlite
    .venv/bin/python -m bench.soak --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Results are printed and appended to ``bench/results/soak.jsonl``; the figures of the
recorded runs are in ``bench/RESULTS.md``. Load goes to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import html.parser
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "soak.jsonl"
HOST = "127.0.0.1"
PASSWORD = "demo-pass-2026"
#: Who takes part, in this order (a seventh user is the first again, and so on).
LOGINS = ("clerk.sales", "clerk.service", "supervisor", "gm", "auditor", "admin")
TABLES = ("complaint", "customer", "contract", "archive_file", "return_slip", "loan",
          "penalty", "reminder", "audit_event", "app_user", "department")
SEARCHES = ("不制冷", "漏水", "合同", "2026", "客户")
#: Share of each kind of request in a user's traffic.
MIX = {"list": 30, "search": 20, "details": 20, "export": 10, "write": 20}


class FormReader(html.parser.HTMLParser):
    """The fields of the page's largest form (the record's, not a menu's), as a browser
    would submit them untouched."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, str]] = [{}]
        self._select: str | None = None
        self._textarea: str | None = None
        self._options: dict[str, bool | None] = {}
        """Per select: None before its first option, False once it took the first,
        True once it met the selected one."""

    @property
    def fields(self) -> dict[str, str]:
        return max(self.forms, key=len)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name, current = a.get("name"), self.forms[-1]
        if tag == "form":
            self.forms.append({})
        elif tag == "input" and name and a.get("type") not in ("submit", "file", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            current[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self._options[name] = None
            current[name] = ""
        elif tag == "option" and self._select:
            if "selected" in a or self._options[self._select] is None:
                current[self._select] = a.get("value", "")
                self._options[self._select] = "selected" in a
        elif tag == "textarea" and name:
            self._textarea = name
            current[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1][self._textarea] += data


@dataclass
class Tally:
    requests: int = 0
    errors: int = 0
    writes_saved: int = 0
    writes_refused: int = 0
    refusal_samples: list = field(default_factory=list)
    by_kind: dict = field(default_factory=dict)
    error_samples: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, path: str) -> None:
        with self.lock:
            self.requests += 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            if not 200 <= status < 400:
                self.errors += 1
                if len(self.error_samples) < 20:
                    self.error_samples.append(f"{status} {path}")


class Browser:
    """One user's session: cookies kept, redirects not followed (their status counts)."""

    def __init__(self, port: int, tally: Tally):
        self.port, self.tally, self.cookies = port, tally, {}

    def request(self, method: str, path: str, kind: str, form: dict | None = None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or ():
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            status, location = response.status, response.headers.get("Location", "")
        except OSError as exc:
            status, data, location = 599, str(exc).encode(), ""
        finally:
            connection.close()
        self.tally.add(kind, status, path)
        return status, data.decode("utf-8", "replace"), location

    def form_of(self, path: str, kind: str) -> dict | None:
        status, page, _ = self.request("GET", path, kind)
        if status != 200:
            return None
        reader = FormReader()
        reader.feed(page)
        return reader.fields

    def login(self, username: str) -> None:
        fields = self.form_of("/login", "login") or {}
        fields.update(username=username, password=PASSWORD)
        status, _, _ = self.request("POST", "/login", "login", fields)
        if status != 302:
            raise RuntimeError(f"{username} could not log in ({status})")


class User(threading.Thread):
    def __init__(self, username: str, port: int, tally: Tally, until: float, seed: int):
        super().__init__(daemon=True)
        self.username, self.until = username, until
        self.browser = Browser(port, tally)
        self.random = random.Random(seed)
        self.tables: list[str] = []
        self.exports: list[str] = []
        self.may_write = username.startswith("clerk.")
        self.department: str | None = None

    def prepare(self) -> None:
        """Log in; find which lists and exports the role opens (not counted as load)."""
        self.browser.login(self.username)
        for table in TABLES:
            if self.browser.request("GET", f"/admin/{table}/", "probe")[0] == 200:
                self.tables.append(table)
                if self.browser.request("GET", f"/admin/{table}/export/csv/",
                                        "probe")[0] == 200:
                    self.exports.append(table)

    def run(self) -> None:
        kinds = [k for k, weight in MIX.items() for _ in range(weight)
                 if k != "write" or self.may_write]
        kinds = [k for k in kinds if k != "export" or self.exports]
        while time.monotonic() < self.until:
            getattr(self, "do_" + self.random.choice(kinds))()
            time.sleep(self.random.uniform(0.05, 0.4))  # a person reads, now and then

    def do_list(self):
        table = self.random.choice(self.tables)
        page = self.random.choice(("", "?page=1", "?sort=0&desc=1", "?page_size=50"))
        self.browser.request("GET", f"/admin/{table}/{page}", "list")

    def do_search(self):
        table = self.random.choice(self.tables)
        term = urllib.parse.quote(self.random.choice(SEARCHES))
        self.browser.request("GET", f"/admin/{table}/?search={term}", "search")

    def do_details(self):
        table = self.random.choice([t for t in self.tables if t != "audit_event"]
                                   or self.tables)
        _, page, _ = self.browser.request("GET", f"/admin/{table}/", "list")
        ids = re.findall(rf"/admin/{table}/details/\?id=(\d+)", page)
        if ids:
            self.browser.request("GET", f"/admin/{table}/details/?id={self.random.choice(ids)}",
                                 "details")

    def do_export(self):
        table = self.random.choice(self.exports)
        kind = self.random.choice(("csv", "xlsx"))
        self.browser.request("GET", f"/admin/{table}/export/{kind}/", "export")

    def do_write(self):
        if self.random.random() < 0.5:
            self.register_complaint()
        else:
            self.edit_customer()

    def saved(self, status: int, page: str) -> None:
        """A save answers 302; a form shown again says why it saved nothing."""
        tally = self.browser.tally
        with tally.lock:
            if status == 302:
                tally.writes_saved += 1
                return
            tally.writes_refused += 1
            if len(tally.refusal_samples) < 10:
                reasons = re.findall(r'(?:invalid-feedback|alert-danger|help-block)[^>]*>'
                                     r'\s*(?:<[^>]+>\s*)*([^<]{3,200})', page)
                tally.refusal_samples.append(f"{status}: {' | '.join(reasons)[:300]}")

    def register_complaint(self):
        fields = self.browser.form_of("/admin/complaint/new/", "write")
        _, found, _ = self.browser.request(
            "GET", "/admin/complaint/ajax/lookup/?name=customer&query=", "write")
        customers = json.loads(found) if found.startswith("[") else []
        if fields is None or not customers:
            return
        fields.update(customer=str(self.random.choice(customers)[0]),
                      complainant="浸泡测试", content="空调不制冷，浸泡测试登记。",
                      request="上门检修", product="KF-35GW")
        status, page, _ = self.browser.request("POST", "/admin/complaint/new/", "write",
                                               fields)
        self.saved(status, page)

    def edit_customer(self):
        """A customer of the clerk's own department (others' they may read, not file
        under their department)."""
        _, page, _ = self.browser.request("GET", "/admin/customer/?page_size=100", "list")
        ids = re.findall(r"/admin/customer/edit/\?id=(\d+)", page)
        self.random.shuffle(ids)
        for customer_id in ids[:5]:
            path = f"/admin/customer/edit/?id={customer_id}"
            fields = self.browser.form_of(path, "write")
            if fields is None or fields.get("department") != self.own_department():
                continue
            fields["remarks"] = f"浸泡测试 {time.strftime('%H:%M:%S')}"
            status, page, _ = self.browser.request("POST", path, "write", fields)
            self.saved(status, page)
            return

    def own_department(self) -> str | None:
        """The department a new record is filed under by default: the user's."""
        if self.department is None:
            fields = self.browser.form_of("/admin/complaint/new/", "write") or {}
            self.department = fields.get("department")
        return self.department


# -- the server and what it holds ---------------------------------------------------

def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Database:
    """A fresh database for the run: PostgreSQL (created and dropped) or a SQLite file."""

    def __init__(self, kind: str, pg_url: str):
        self.kind = kind
        if kind == "postgresql":
            self.name = f"soak_{uuid.uuid4().hex[:10]}"
            self.admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
            self.url = sa.engine.make_url(pg_url).set(database=self.name) \
                .render_as_string(hide_password=False)
        else:
            self.folder = tempfile.mkdtemp(prefix="soak_")
            self.url = f"sqlite:///{self.folder}/records.db"

    def connections(self, workers: list[int]) -> int:
        """PostgreSQL: sessions on the run's database; SQLite: the workers' open files."""
        if self.kind == "postgresql":
            with self.admin.connect() as connection:
                return connection.scalar(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": self.name})
        return sum(open_files(pid) for pid in workers)

    def open_transactions(self) -> int | None:
        """PostgreSQL sessions idle inside a transaction: a connection some finished
        request still holds (what the export leak left behind). None on SQLite."""
        if self.kind != "postgresql":
            return None
        with self.admin.connect() as connection:
            return connection.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                "AND state LIKE 'idle in transaction%'"), {"name": self.name})

    def drop(self) -> None:
        if self.kind == "postgresql":
            with self.admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" '
                                           "WITH (FORCE)"))
            self.admin.dispose()


def flask(env: dict, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"{HOST}:{port}",
         "--log-level", "warning", "app:create_app()"], cwd=ROOT, env=env)
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/login")
            if connection.getresponse().status == 200 and len(children(server.pid)) == 2:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def snapshot(database: Database, server: subprocess.Popen, began: float) -> dict:
    workers = children(server.pid)
    return {"minute": round((time.monotonic() - began) / 60, 2), "workers": workers,
            "connections": database.connections(workers),
            "idle_in_transaction": database.open_transactions(),
            "rss_mb": [round(rss_mb(pid), 1) for pid in workers]}


def soak(minutes: float, kind: str, pg_url: str, users: int, port: int) -> dict:
    database = Database(kind, pg_url)
    env = {**os.environ, "DATABASE_URL": database.url, "SECRET_KEY": uuid.uuid4().hex,
           "FLASK_DEBUG": "0"}
    server = None
    try:
        flask(env, "db", "upgrade")
        flask(env, "seed-demo")
        server = start_gunicorn(env, port)
        tally = Tally()
        until = time.monotonic() + 3600  # replaced once every user has logged in
        crowd = [User(LOGINS[n % len(LOGINS)], port, tally, until, seed=n)
                 for n in range(users)]
        for user in crowd:
            user.prepare()
        tally.requests = tally.errors = 0
        tally.by_kind.clear()
        tally.error_samples.clear()
        began = time.monotonic()
        start = snapshot(database, server, began)
        samples = [start]
        until = time.monotonic() + minutes * 60
        for user in crowd:
            user.until = until
            user.start()
        while time.monotonic() < until:
            time.sleep(min(15, max(0.1, until - time.monotonic())))
            samples.append(snapshot(database, server, began))
        for user in crowd:
            user.join()
        time.sleep(2)  # let the last responses finish
        end = snapshot(database, server, began)
        samples.append(end)
        return {
            "at": time.strftime("%Y-%m-%d %H:%M:%S"), "database": kind,
            "minutes": minutes, "users": [u.username for u in crowd],
            "requests": tally.requests, "errors": tally.errors,
            "requests_by_kind": tally.by_kind, "writes_saved": tally.writes_saved,
            "writes_not_saved": tally.writes_refused,
            "not_saved_samples": tally.refusal_samples, "error_samples": tally.error_samples,
            "connections_start": start["connections"], "connections_end": end["connections"],
            "connections_max": max(s["connections"] for s in samples),
            "idle_in_transaction_max": max(s["idle_in_transaction"] or 0 for s in samples),
            "rss_mb_start": start["rss_mb"], "rss_mb_end": end["rss_mb"],
            "rss_mb_max": max(max(s["rss_mb"] or [0]) for s in samples),
            "workers_replaced": start["workers"] != end["workers"],
            "samples": [{k: v for k, v in s.items() if k != "workers"} for s in samples],
        }
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="a server on 127.0.0.1 where the run may create a database")
    parser.add_argument("--users", type=int, default=6, help="concurrent sessions")
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    host = sa.engine.make_url(args.pg_url).host
    if args.database == "postgresql" and host not in ("127.0.0.1", "localhost"):
        parser.error("the soak run only aims at 127.0.0.1")
    result = soak(args.minutes, args.database, args.pg_url, args.users, args.port)
    RESULTS.parent.mkdir(exist_ok=True)
    with RESULTS.open("a") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
