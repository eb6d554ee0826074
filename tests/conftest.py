"""Fixtures: the app on SQLite and on PostgreSQL, a small world, ``login_as(role)``.

Every test that takes ``app`` runs once per database. PostgreSQL is used when
reachable at ``TEST_POSTGRES_URL`` (default: the local server's ``test`` database);
the suite creates a uniquely named database for the run and drops it at the end.
With ``REQUIRE_POSTGRES=1`` (what ``.ci/run`` sets) an unreachable server fails the
run instead of skipping its half.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from models import db

from .sessions import sign_in
from .world import build_world

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG)
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES") == "1"


def _postgres_available() -> str | None:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0]


def pytest_collection_modifyitems(config, items):
    problem = _postgres_available()
    config._pg_problem = problem
    if problem and not REQUIRE_PG:
        skip = pytest.mark.skip(reason=f"PostgreSQL not reachable: {problem}")
        for item in items:
            if "[postgresql" in item.nodeid or "postgresql]" in item.nodeid \
                    or "-postgresql" in item.nodeid:
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    ran = [r for r in terminalreporter.stats.get("passed", []) if "postgresql" in r.nodeid]
    terminalreporter.write_line(f"PostgreSQL tests passed: {len(ran)}")
    if REQUIRE_PG and not ran:
        terminalreporter.write_line("REQUIRE_POSTGRES=1 but no PostgreSQL test ran",
                                    red=True)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if REQUIRE_PG and reporter is not None and session.testscollected:
        ran = [r for r in reporter.stats.get("passed", []) if "postgresql" in r.nodeid]
        if not ran:
            session.exitstatus = 1


def skip_without_postgres(request) -> None:
    problem = request.config._pg_problem
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL is not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")


@contextmanager
def empty_database(kind: str, request, tmp_path_factory, label: str = "audit"):
    """The URL of a new, empty database of ``kind``; a PostgreSQL one is dropped after."""
    if kind == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp(label) / f"{label}.db")
        return
    skip_without_postgres(request)
    name = f"records_{label}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(PG_ADMIN_URL).set(database=name) \
            .render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fresh_database(request, tmp_path_factory, prefix: str):
    """Yield the URL of a new empty database of the requested kind (``request.param``);
    drop it after."""
    with empty_database(request.param, request, tmp_path_factory, prefix) as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A fresh, empty database for this test run."""
    yield from fresh_database(request, tmp_path_factory, "test")


TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
}


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads"))})
    with app.app_context():
        upgrade(revision="heads")  # the schema the migrations build, not create_all()
        app.extensions["test_world"] = build_world()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def world(app):
    """Ids and unique texts of the records built by ``tests/world.py``."""
    return app.extensions["test_world"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(app, client, world):
    """Log the test client in as the world's user for ``role`` (e.g. ``"clerk"``)."""
    def login(username: str):
        sign_in(app, client, world.users[username])
        return client
    return login


@pytest.fixture
def client_as(app, world):
    """``client_as("gm")``: a test client of its own, logged in as that user, in English
    (for tests that hold several users' sessions at once)."""
    def make(username: str):
        client = app.test_client()
        sign_in(app, client, world.users[username], locale="en")
        return client
    return make
