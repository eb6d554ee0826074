"""Prove the two-server deployment (issue 18, item 5) on this machine, in about a minute.

Starts, all on 127.0.0.1 and all its own (nothing of the machine's is touched):

* one PostgreSQL database (``records_prove_<random>`` on the server of
  ``PROVE_POSTGRES_URL`` / ``TEST_POSTGRES_URL``, default ``postgres@127.0.0.1:5432``),
  migrated and loaded with the demo data, dropped at the end;
* one S3-compatible store: moto's server mode on a free port, one private bucket;
* two application servers, A and B: gunicorn with ``deploy/gunicorn.conf.py`` on two
  ports, the same ``SECRET_KEY``, ``AUDIT_KEY``, database and bucket, as two machines;
* nginx with a configuration of its own in a temporary prefix (not the system's
  nginx), whose upstream is A and B and whose proxy settings are
  ``deploy/nginx/records-proxy.conf``, the file the real site includes.

and checks that

1. a login made through A is honoured by B;
2. a logout through B ends the session on A (and B);
3. a file uploaded through A downloads through B, byte for byte, from the bucket;
4. the daily reminder job, started by two schedulers at once (``flask scheduler`` with
   A's and B's settings, as on two machines), runs exactly once;
5. under wrk load through nginx, a graceful reload of A (HUP) and a full restart of B
   (TERM, start again) lose no request: every answer 200, no socket error;
6. complaints registered through A and B at the same time leave one audit chain,
   which ``flask audit verify`` (chain, and every attachment in the bucket) accepts.

Usage, from the project root (needs requirements-dev.txt, nginx and wrk; Debian:
``scripts/system_packages.sh nginx-light wrk``)::

    .venv/bin/python deploy/prove.py            # prints each check and a JSON summary
    .venv/bin/python deploy/prove.py --keep     # keep the temporary folder (logs)

Exit status: 0 every check passed, 1 a check failed, 3 a prerequisite is missing
(nginx, wrk, PostgreSQL): the tests skip on 3 unless ``REQUIRE_DEPLOY=1``.
"""
from __future__ import annotations

import argparse
import grp
import json
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402  (moto's dependency: requirements-dev.txt)
import sqlalchemy as sa  # noqa: E402

from bench.soak import FormReader  # noqa: E402

HOST = "127.0.0.1"
PASSWORD = "demo-pass-2026"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
UNAVAILABLE = 3
LOAD_BEFORE = 2
"""Seconds of load before each step of the restart."""
LOAD_AFTER = 3
"""Seconds of load once B is back."""

COUNT_STATUSES = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do io.write(string.format("STATUS %d %d\\n", status, n)) end
  local e = summary.errors
  io.write(string.format("ERRORS connect=%d read=%d write=%d timeout=%d status=%d\\n",
                         e.connect, e.read, e.write, e.timeout, e.status))
  io.write(string.format("LATENCY p50=%.1f p99=%.1f max=%.1f\\n",
                         latency:percentile(50) / 1000, latency:percentile(99) / 1000,
                         latency.max / 1000))
end
"""

NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
{user}
events {{ worker_connections 512; }}
http {{
    log_format proof '$msec $status "$upstream_addr" "$upstream_status" $request_method $uri';
    access_log {tmp}/nginx-access.log proof;
    client_body_temp_path {tmp}/nginx-tmp/body;
    proxy_temp_path {tmp}/nginx-tmp/proxy;
    fastcgi_temp_path {tmp}/nginx-tmp/fastcgi;
    uwsgi_temp_path {tmp}/nginx-tmp/uwsgi;
    scgi_temp_path {tmp}/nginx-tmp/scgi;
    upstream records {{
        server {host}:{port_a} max_fails=3 fail_timeout=10s;
        server {host}:{port_b} max_fails=3 fail_timeout=10s;
        keepalive 16;
    }}
    server {{
        listen {host}:{port};
        location / {{
            include {root}/deploy/nginx/records-proxy.conf;
        }}
    }}
}}
"""


class Unavailable(Exception):
    """A prerequisite is missing: the proof cannot run here."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for(what: str, test, seconds: float = 60.0, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = test()
            if value:
                return value
        except (OSError, requests.RequestException):
            pass
        time.sleep(every)
    raise RuntimeError(f"timed out waiting for {what}")


class Proof:
    def __init__(self, keep: bool):
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix="records-prove-"))
        self.checks: list[dict] = []
        self.figures: dict = {}
        self.began = time.monotonic()
        self.servers: dict[str, subprocess.Popen] = {}
        self.ports = {"A": free_port(), "B": free_port(), "nginx": free_port()}

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.began:5.1f}s] {text}", flush=True)

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append({"check": name, "ok": bool(ok), "detail": detail})
        self.say(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")
        return ok

    # -- the pieces -----------------------------------------------------------------

    def tools(self) -> None:
        self.nginx = shutil.which("nginx") or ("/usr/sbin/nginx"
                                               if Path("/usr/sbin/nginx").exists() else None)
        self.wrk = shutil.which("wrk")
        missing = [name for name, path in (("nginx", self.nginx), ("wrk", self.wrk))
                   if not path]
        if missing:
            raise Unavailable(f"{' and '.join(missing)} not installed "
                              "(scripts/system_packages.sh nginx-light wrk)")

    def database(self, stack: ExitStack) -> str:
        admin_url = os.environ.get("PROVE_POSTGRES_URL") or os.environ.get(
            "TEST_POSTGRES_URL") or DEFAULT_PG
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        name = f"records_prove_{uuid.uuid4().hex[:10]}"
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        except sa.exc.OperationalError as error:
            raise Unavailable(
                f"PostgreSQL not reachable at {admin_url}: {error.orig}") from None

        def drop():
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
            self.say(f"dropped database {name}")

        stack.callback(drop)
        self.database_name = name
        return sa.engine.make_url(admin_url).set(database=name) \
            .render_as_string(hide_password=False)

    def store(self, stack: ExitStack) -> dict:
        import boto3
        from moto.server import ThreadedMotoServer

        credentials = {"AWS_ACCESS_KEY_ID": "prove-key", "AWS_SECRET_ACCESS_KEY": "prove-secret",
                       "AWS_DEFAULT_REGION": "us-east-1"}
        os.environ.update(credentials)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request lines
        server = ThreadedMotoServer(ip_address=HOST, port=free_port(), verbose=False)
        server.start()
        stack.callback(server.stop)
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        bucket = f"records-{uuid.uuid4().hex[:10]}"
        self.s3 = boto3.client("s3", endpoint_url=endpoint)
        self.s3.create_bucket(Bucket=bucket)
        self.bucket = bucket
        return {**credentials, "ATTACHMENT_STORE": "s3", "S3_ENDPOINT_URL": endpoint,
                "S3_BUCKET": bucket, "S3_PREFIX": "attachments"}

    def flask(self, env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args],
                              cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode and args[0] not in ("audit",):
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done

    def env_of(self, server: str) -> dict:
        return {**self.env, "GUNICORN_BIND": f"{HOST}:{self.ports[server]}",
                "GUNICORN_PROC_NAME": f"records-prove-{server}",
                "UPLOAD_FOLDER": str(self.tmp / f"uploads-{server}")}

    def start_server(self, name: str) -> subprocess.Popen:
        log = open(self.tmp / f"gunicorn-{name}.log", "ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "app:create_app()"], cwd=ROOT, env=self.env_of(name), stdout=log,
            stderr=subprocess.STDOUT)
        self.servers[name] = process
        return process

    def ready(self, port: int) -> bool:
        return requests.get(f"http://{HOST}:{port}/readyz", timeout=5).status_code == 200

    def stop_server(self, name: str) -> None:
        process = self.servers.get(name)
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()

    def stop_servers(self) -> None:
        """Both at once: each takes a few seconds to let its workers finish."""
        running = [p for p in self.servers.values() if p.poll() is None]
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()

    def start_nginx(self, stack: ExitStack) -> None:
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.tmp / "nginx-tmp" / sub).mkdir(parents=True, exist_ok=True)
        user = ""
        if os.geteuid() == 0:  # workers drop to nobody: let them reach their temp folders
            account = pwd.getpwnam("nobody")
            os.chmod(self.tmp, 0o711)
            for path in [self.tmp / "nginx-tmp", *(self.tmp / "nginx-tmp").iterdir()]:
                os.chown(path, account.pw_uid, account.pw_gid)
            user = f"user nobody {grp.getgrgid(account.pw_gid).gr_name};"
        conf = self.tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=self.tmp, user=user, host=HOST, root=ROOT,
                                          port=self.ports["nginx"], port_a=self.ports["A"],
                                          port_b=self.ports["B"]))
        test = subprocess.run([self.nginx, "-t", "-p", str(self.tmp), "-c", str(conf)],
                              capture_output=True, text=True)
        if test.returncode:
            raise RuntimeError(f"nginx refused its configuration:\n{test.stderr}")
        process = subprocess.Popen([self.nginx, "-p", str(self.tmp), "-c", str(conf)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def stop():
            process.terminate()
            process.wait(timeout=20)

        stack.callback(stop)
        wait_for("nginx", lambda: self.ready(self.ports["nginx"]), 30)

    # -- clients --------------------------------------------------------------------

    def url(self, where: str, path: str) -> str:
        return f"http://{HOST}:{self.ports[where]}{path}"

    def login(self, where: str, username: str) -> requests.Session:
        client = requests.Session()
        fields = self.form(client, self.url(where, "/login"))
        fields.update(username=username, password=PASSWORD)
        answer = client.post(self.url(where, "/login"), data=fields, allow_redirects=False,
                             timeout=60)
        if answer.status_code != 302:
            raise RuntimeError(f"{username} could not log in through {where} "
                               f"({answer.status_code})")
        return client

    @staticmethod
    def form(client: requests.Session, url: str) -> dict:
        page = client.get(url, timeout=60)
        page.raise_for_status()
        reader = FormReader()
        reader.feed(page.text)
        return reader.fields

    @staticmethod
    def with_cookies(source: requests.Session) -> requests.Session:
        """A second browser holding a copy of the first one's cookie."""
        copy = requests.Session()
        for cookie in source.cookies:
            copy.cookies.set(cookie.name, cookie.value, domain=cookie.domain,
                             path=cookie.path)
        return copy

    def signed_in(self, client: requests.Session, where: str) -> bool:
        answer = client.get(self.url(where, "/admin/"), allow_redirects=False, timeout=60)
        return answer.status_code == 200

    # -- the checks -----------------------------------------------------------------

    def sessions(self) -> None:
        through_a = self.login("A", "gm")
        on_b = self.with_cookies(through_a)
        self.check("login through A is honoured by B", self.signed_in(on_b, "B"),
                   "GET /admin/ on B with the cookie A issued: 200")
        fields = self.form(on_b, self.url("B", "/logout"))
        answer = on_b.post(self.url("B", "/logout"), data=fields, allow_redirects=False,
                           timeout=60)
        still_a = self.signed_in(self.with_cookies(through_a), "A")
        still_b = self.signed_in(self.with_cookies(through_a), "B")
        self.check("logout through B ends the session on both",
                   answer.status_code == 302 and not still_a and not still_b,
                   f"POST /logout on B: {answer.status_code}; the same cookie afterwards: "
                   f"A {'signed in' if still_a else 'sent to login'}, "
                   f"B {'signed in' if still_b else 'sent to login'}")

    def upload(self) -> None:
        clerk = self.login("A", "clerk.sales")
        listing = clerk.get(self.url("A", "/admin/archive_file/?page_size=100"), timeout=60)
        ids = list(dict.fromkeys(re.findall(r"/admin/archive_file/edit/\?id=(\d+)",
                                            listing.text)))
        data = b"%PDF-1.4\n% two-server proof " + uuid.uuid4().hex.encode() + b"\n" * 2000
        name = f"两台服务器-{uuid.uuid4().hex[:6]}.pdf"
        saved = None
        for record_id in ids:
            path = f"/admin/archive_file/edit/?id={record_id}"
            page = clerk.get(self.url("A", path), timeout=60)
            if page.status_code != 200 or 'name="upload"' not in page.text:
                continue
            reader = FormReader()
            reader.feed(page.text)
            answer = clerk.post(self.url("A", path), data=reader.fields,
                                files={"upload": (name, data, "application/pdf")},
                                allow_redirects=False, timeout=60)
            if answer.status_code == 302:
                saved = record_id
                break
        if saved is None:
            self.check("upload through A downloads through B", False,
                       "no archive file of clerk.sales took an upload")
            return
        with self.engine.connect() as connection:
            attachment_id, stored = connection.execute(sa.text(
                "SELECT id, stored_name FROM attachment WHERE filename = :name"),
                {"name": name}).one()
        on_b = self.with_cookies(clerk)
        download = on_b.get(self.url("B", f"/files/{attachment_id}"), timeout=60)
        in_bucket = self.s3.get_object(Bucket=self.bucket,
                                       Key=f"attachments/{stored}")["Body"].read()
        local = list((self.tmp / "uploads-A").glob("*")) if (self.tmp / "uploads-A").exists() \
            else []
        self.figures["upload_bytes"] = len(data)
        self.check("upload through A downloads through B",
                   download.status_code == 200 and download.content == data
                   and in_bucket == data and not local,
                   f"{len(data)} bytes to archive file {saved} through A; GET /files/"
                   f"{attachment_id} through B: {download.status_code}, "
                   f"sha256 {'equal' if download.content == data else 'DIFFERENT'}; "
                   f"the object is in the bucket, {len(local)} file(s) on A's disk")

    def daily_job(self) -> None:
        from models.numbering import local_date_of
        from models.workdays import is_working_day

        today = local_date_of(None)
        if is_working_day(today)[0]:
            day, how = today, "two `flask scheduler` processes (A's and B's settings)"
            commands = [[sys.executable, "-m", "flask", "--app", "app", "scheduler"]] * 2
        else:  # the schedulers would skip a day off: race two runs of the last working day
            day = today
            while not is_working_day(day)[0]:
                day = date_before(day)
            how = f"two `flask daily-jobs run --day {day}` (today is a day off)"
            commands = [[sys.executable, "-m", "flask", "--app", "app", "daily-jobs", "run",
                         "--day", day.isoformat()]] * 2
        logs = [self.tmp / f"scheduler-{name}.log" for name in "AB"]
        runners = [subprocess.Popen(command, cwd=ROOT, env=self.env_of(name),
                                    stdout=open(log, "wb"), stderr=subprocess.STDOUT)
                   for command, name, log in zip(commands, "AB", logs, strict=True)]

        def both_reported():
            texts = [log.read_text(errors="replace") for log in logs]
            return all(re.search(r"reminders: (done|taken|failed)", t) for t in texts) \
                and texts

        try:
            texts = wait_for("both runners to report", both_reported, 120, 0.5)
        finally:
            for runner in runners:
                if runner.poll() is None:
                    runner.send_signal(signal.SIGTERM)
            for runner in runners:
                try:
                    runner.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    runner.kill()
        states = [re.search(r"reminders: (done|taken|failed)", t).group(1) for t in texts]
        with self.engine.connect() as connection:
            runs = connection.execute(sa.text(
                "SELECT job, status, attempts, runner, outcome FROM daily_job_run "
                "WHERE day = :day"), {"day": day}).all()
            issued = connection.scalar(sa.text(
                "SELECT count(*) FROM reminder WHERE day = :day AND subject = 'complaint'"),
                {"day": day})  # the service records' 催办单 are another job's
        reminder_runs = [run for run in runs if run.job == "reminders"]
        ok = (sorted(states) == ["done", "taken"] and len(reminder_runs) == 1
              and reminder_runs[0].status == "done" and reminder_runs[0].attempts == 1
              and int(reminder_runs[0].outcome) == issued > 0)
        self.figures["reminders_issued"] = issued
        self.check("the daily reminder job runs exactly once across both", ok,
                   f"{how} for {day}: A {states[0]}, B {states[1]}; claim rows "
                   f"{[(r.job, r.status, r.attempts) for r in runs]}; {issued} 催办单 issued")

    def restart_under_load(self) -> None:
        """wrk through nginx while A reloads (HUP) and B stops and starts again; wrk
        runs until B has served again for a while, then is stopped (SIGINT: it prints
        its figures)."""
        reader = self.login("nginx", "gm")
        cookie = "; ".join(f"{c.name}={c.value}" for c in reader.cookies)
        script = self.tmp / "statuses.lua"
        script.write_text(COUNT_STATUSES)
        access_log = self.tmp / "nginx-access.log"
        before_lines = len(access_log.read_text().splitlines()) if access_log.exists() else 0
        wrk = subprocess.Popen(
            [self.wrk, "-t2", "-c4", "-d300s", "--timeout", "60s", "-s",
             str(script), "-H", f"Cookie: {cookie}",
             self.url("nginx", "/admin/reminder/")], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        began = time.monotonic()
        events = []

        def event(text: str) -> None:
            events.append(f"{time.monotonic() - began:.1f}s {text}")

        time.sleep(LOAD_BEFORE)
        master = self.servers["A"].pid
        old_workers = workers_of(master)
        os.kill(master, signal.SIGHUP)
        event("HUP to A (graceful reload: new workers, the old finish their requests)")
        # As an operator reloads machine by machine: the next one only once this one
        # is reloaded (none of its old workers left) and answers again.
        wait_for("A reloaded", lambda: len(workers_of(master)) == int(
            self.env["GUNICORN_WORKERS"]) and not workers_of(master) & old_workers
            and self.ready(self.ports["A"]), 120)
        event("A reloaded (new workers only) and answering")
        time.sleep(LOAD_BEFORE)
        event("TERM to B")
        self.stop_server("B")
        event("B stopped")
        time.sleep(LOAD_BEFORE)  # load on A alone; nginx finds B refusing
        self.start_server("B")
        wait_for("B back", lambda: self.ready(self.ports["B"]), 90)
        event("B started again and ready")
        back = time.time()
        # nginx keeps a server it found refusing out of the rotation for fail_timeout
        # (10 s) after its last failed try, so B may wait that long for its first
        # request: wait for it (the check fails if it never comes), then load both.
        names = {str(self.ports["A"]): "A", str(self.ports["B"]): "B"}
        wait_for("nginx to send B a request again", lambda: any(
            server == "B" and at > back
            for at, server, _ in proxied(access_log, before_lines, names)), 45, 0.5)
        event("B served a request through nginx again")
        time.sleep(LOAD_AFTER)
        wrk.send_signal(signal.SIGINT)
        output, _ = wrk.communicate(timeout=60)
        seconds = time.monotonic() - began
        statuses = {int(s): int(n) for s, n in re.findall(r"STATUS (\d+) (\d+)", output)}
        found = re.search(r"ERRORS (.*)", output)
        if not found:
            raise RuntimeError(f"wrk said: {output}")
        errors = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", found.group(1))}
        latency = re.search(r"LATENCY (.*)", output).group(1)
        served: dict[str, int] = {}
        retried = b_after_restart = 0
        for at, server, tries in proxied(access_log, before_lines, names):
            retried += tries > 1
            served[server] = served.get(server, 0) + 1
            b_after_restart += server == "B" and at > back
        total = sum(statuses.values())
        lost = total - statuses.get(200, 0) + sum(errors.values())
        self.figures.update(wrk_seconds=round(seconds, 1), wrk_requests=total,
                            wrk_statuses=statuses, wrk_errors=errors,
                            wrk_latency_ms=latency, served_by=served,
                            served_by_b_after_restart=b_after_restart,
                            retried_by_nginx=retried, restart=events)
        self.check("restarting one server under wrk load loses no request",
                   total > 0 and lost == 0 and b_after_restart > 0,
                   f"{total} requests in {seconds:.0f}s (wrk -t2 -c4 through nginx): "
                   f"statuses {statuses}, socket errors {errors}; served by {served} "
                   f"({b_after_restart} by B after its restart), {retried} retried on the "
                   f"other server by nginx; latency {latency}; " + "; ".join(events))

    def writes_and_audit(self) -> None:
        with self.engine.connect() as connection:
            first = connection.scalar(sa.text("SELECT coalesce(max(id), 0) FROM complaint"))
            events_before = connection.scalar(sa.text("SELECT count(*) FROM audit_event"))
        results = {"saved": 0, "refused": 0}
        lock = threading.Lock()

        def register(where: str, username: str, count: int):
            client = self.login(where, username)
            customers = client.get(self.url(where, "/admin/complaint/ajax/lookup/"
                                                   "?name=customer&query="), timeout=60).json()
            for n in range(count):
                fields = self.form(client, self.url(where, "/admin/complaint/new/"))
                fields.update(customer=str(customers[n % len(customers)][0]),
                              complainant=f"两台服务器{where}",
                              content="空调不制冷，部署验证登记。",
                              request="上门检修", product="KF-35GW")
                answer = client.post(self.url(where, "/admin/complaint/new/"), data=fields,
                                     allow_redirects=False, timeout=60)
                with lock:
                    results["saved" if answer.status_code == 302 else "refused"] += 1

        threads = [threading.Thread(target=register, args=(where, user, 4))
                   for where in "AB" for user in ("clerk.sales", "clerk.service")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        with self.engine.connect() as connection:
            added = connection.scalar(sa.text("SELECT count(*) FROM complaint WHERE id > :f"),
                                      {"f": first})
            events = connection.scalar(sa.text("SELECT count(*) FROM audit_event"))
        verify = self.flask(self.env_of("A"), "audit", "verify")
        summary = " ".join(line for line in verify.stdout.splitlines()
                           if line.startswith(("Audit chain", "Attachments")))
        self.figures.update(complaints_registered=added, audit_events=events)
        self.check("the audit chain stays single with writes through both",
                   verify.returncode == 0 and added == results["saved"] == 16,
                   f"{results['saved']} complaints registered through A and B at once "
                   f"({results['refused']} refused), {events - events_before} audit events "
                   f"added; flask audit verify: exit {verify.returncode}: {summary}")
        if verify.returncode:
            self.say(verify.stdout + verify.stderr)

    # -- the run --------------------------------------------------------------------

    def run(self) -> int:
        with ExitStack() as stack:
            if not self.keep:
                stack.callback(shutil.rmtree, self.tmp, True)
            self.tools()
            url = self.database(stack)
            self.engine = sa.create_engine(url)
            stack.callback(self.engine.dispose)
            self.env = {**os.environ, "DATABASE_URL": url, **self.store(stack),
                        "SECRET_KEY": uuid.uuid4().hex, "AUDIT_KEY": uuid.uuid4().hex,
                        "LOG_FORMAT": "json", "TRUSTED_PROXIES": "1", "FLASK_DEBUG": "0",
                        "GUNICORN_WORKERS": "2", "GUNICORN_LOG_LEVEL": "warning",
                        "BACKUP_FOLDER": str(self.tmp / "backups")}
            self.say(f"database {self.database_name}, bucket {self.bucket}, "
                     f"A on :{self.ports['A']}, B on :{self.ports['B']}, "
                     f"nginx on :{self.ports['nginx']}, folder {self.tmp}")
            self.flask(self.env, "db", "upgrade")
            self.flask(self.env, "seed-demo")
            self.say("migrated and loaded the demo data")
            for name in "AB":
                self.start_server(name)
            stack.callback(self.stop_servers)
            for name in "AB":
                wait_for(f"server {name}", lambda n=name: self.ready(self.ports[n]), 90)
            self.start_nginx(stack)
            self.say("A, B and nginx answer /readyz")
            for step in (self.sessions, self.upload, self.daily_job,
                         self.restart_under_load, self.writes_and_audit):
                try:
                    step()
                except Exception as error:  # noqa: BLE001 - one failed check, go on
                    self.check(step.__name__, False, f"{type(error).__name__}: {error}")
            failed = [c for c in self.checks if not c["ok"]]
            if failed and self.keep:
                self.say(f"logs kept in {self.tmp}")
            elif failed:
                for log in sorted(self.tmp.glob("*.log")):
                    tail = log.read_text(errors="replace").splitlines()[-15:]
                    print(f"--- {log.name} (last lines)\n" + "\n".join(tail))
        seconds = round(time.monotonic() - self.began, 1)
        print(json.dumps({"passed": sum(c["ok"] for c in self.checks),
                          "failed": sum(not c["ok"] for c in self.checks),
                          "seconds": seconds, "figures": self.figures,
                          "checks": self.checks}, ensure_ascii=False, indent=2))
        return 0 if self.checks and all(c["ok"] for c in self.checks) else 1


def proxied(access_log: Path, skip: int, names: dict[str, str]):
    """(time, server that answered, servers tried) of each list request nginx logged
    after its first `skip` lines; servers named through `names` (port to name)."""
    lines = access_log.read_text().splitlines()[skip:] if access_log.exists() else []
    for line in lines:
        found = re.match(r'([\d.]+) \d+ "([^"]*)" "[^"]*" GET /admin/reminder/', line)
        if not found:
            continue
        tried = [address.strip() for address in found.group(2).split(",")]
        yield (float(found.group(1)), names.get(tried[-1].rsplit(":", 1)[-1], tried[-1]),
               len(tried))


def workers_of(master: int) -> set[int]:
    """The pids of a gunicorn master's workers (its child processes)."""
    try:
        return {int(pid) for pid in
                Path(f"/proc/{master}/task/{master}/children").read_text().split()}
    except OSError:
        return set()


def date_before(day):
    from datetime import timedelta

    return day - timedelta(days=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    proof = Proof(args.keep)
    try:
        return proof.run()
    except Unavailable as reason:
        print(f"UNAVAILABLE: {reason}", flush=True)
        return UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
