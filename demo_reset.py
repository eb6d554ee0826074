"""``flask demo reset``: put the demo back as it was loaded, with one command.

A demo is tried by people who click everything; after a day it is full of their test
records. Resetting empties the configured database (its schema too, so the migrations
build it again exactly), removes the attachment files its rows pointed at from the
store, migrates, loads the demo data and runs the day's jobs (so the 催办单 are there
at once).

It refuses a database that is not a demo: one whose accounts are not exactly the
demo's (someone made a real account, or it is not the demo at all), unless
``--force``. ``./run.sh --reset-demo`` calls it before serving.

The audit chain starts again with the new data; the reset is written to the heads
file (``audit_anchor.py``) like a restore, a new life of the database, so that heads
recorded at backups of the old demo are no longer checked against it.
"""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from file_modes import secure_sqlite, sqlite_file
from models import db

demo_group = AppGroup("demo", help="The demo data set.")


def accounts() -> set[str] | None:
    """The usernames in the database; None if it has no accounts table."""
    if not sa.inspect(db.engine).has_table("app_user"):
        return None
    return set(db.session.scalars(sa.text("SELECT username FROM app_user")))


def demo_refusal() -> str | None:
    """Why this database is not a demo database (None: it is one)."""
    from demo import USERS

    found = accounts()
    if found is None:
        return "it has no accounts table (not a migrated records database)"
    expected = {username for username, *_ in USERS}
    if not found:
        return "it has no accounts (a new installation, not the demo)"
    others = sorted(found - expected)
    if others:
        shown = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
        return f"it has accounts that are not the demo's ({shown})"
    if expected - found:
        return "some demo accounts are missing (" + ", ".join(sorted(expected - found)) + ")"
    return None


def remove_attachment_files() -> int:
    """Delete the files the database's attachment rows name from the store: only those
    (a bucket may hold other things)."""
    from attachment_store import MissingObject, current_store

    if not sa.inspect(db.engine).has_table("attachment"):
        return 0
    names = list(db.session.scalars(sa.text("SELECT stored_name FROM attachment")))
    store = current_store()
    for name in names:
        try:
            store.delete(name)
        except (MissingObject, FileNotFoundError):
            pass
    return len(names)


def empty_database() -> None:
    """Drop every table, index, trigger, function and search structure."""
    db.session.remove()
    engine = db.engine
    url = engine.url
    if engine.dialect.name == "sqlite":
        engine.dispose()
        path = sqlite_file(url)
        if path is None:
            raise click.ClickException("Only a SQLite file database can be reset.")
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        secure_sqlite(url)  # owner-only again, before SQLite makes it
        return
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.DBAPIError as error:
        raise click.ClickException(
            "Could not empty the database (the account must own the database and its "
            f"schema public): {error.orig}") from error
    engine.dispose()


def reset() -> list[tuple[str, str, str]]:
    """Empty, migrate, load the demo, run the day's jobs; the jobs' results."""
    from flask_migrate import upgrade

    from audit.anchor import anchor_restore
    from daily_jobs import run_due
    from demo import seed

    remove_attachment_files()
    empty_database()
    upgrade(directory=current_app.extensions["migrate"].directory)
    seed()
    anchor_restore("demo reset")
    return run_due(db.session)


@demo_group.command("reset")
@click.option("--force", is_flag=True,
              help="Reset even a database that does not look like the demo's.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset_command(force, yes):
    """Empty the database and load the demo data again (demo databases only)."""
    target = db.engine.url.render_as_string(hide_password=True)
    refusal = demo_refusal()
    if refusal and not force:
        raise click.ClickException(
            f"Refused: {target} is not a demo database: {refusal}. Nothing was changed. "
            "Use --force only if everything in it may be deleted.")
    if not yes:
        click.confirm(f"Delete everything in {target} and load the demo data again?",
                      abort=True)
    for job, state, detail in reset():
        click.echo(f"{job}: {state} ({detail})")
    click.echo(f"Demo data loaded again into {target}.")
    click.echo("Demo logins (password demo-pass-2026): admin, clerk.sales, "
               "clerk.service, supervisor, gm, legal, auditor")
