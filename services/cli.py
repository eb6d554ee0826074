"""``flask --app app step TABLE ID STEP --as USER [field=value …]``: fire a declared step
from the command line, through the same core as the screens and the API.

The rules are the user's (``--as``): grants, clearance, separation of duties, required
fields; the audit trail names them. Outside a request no row filter applies by itself,
so the record is looked up through ``visible()`` for that user, like every door does.
"""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from models import REGISTRY, AppUser, db
from permissions import visible
from permissions.scoping import Principal

from .steps import STEP_ERRORS, fire, refusal_of


@click.command("step")
@with_appcontext
@click.argument("table")
@click.argument("record_id", type=int)
@click.argument("step")
@click.argument("values", nargs=-1)
@click.option("--as", "username", required=True, help="The user who fires the step.")
def step_command(table, record_id, step, values, username):
    """Fire STEP on record RECORD_ID of TABLE as a user; VALUES are field=value pairs."""
    model = REGISTRY.get(table)
    if model is None or step not in {s.name for s in getattr(model, "steps", tuple)()}:
        raise click.UsageError(f"{table!r} declares no step {step!r}.")
    user = db.session.scalar(sa.select(AppUser).where(AppUser.username == username,
                                                      AppUser.active.is_(True)))
    if user is None:
        raise click.UsageError(f"No active user named {username!r}.")
    record = db.session.scalar(sa.select(model).where(
        model.id == record_id, visible(Principal.of(user), model)))
    if record is None:
        raise click.UsageError(f"{username} sees no {table} {record_id}.")
    pairs = dict(value.partition("=")[::2] for value in values)
    try:
        fire(user, record, step, pairs)
        db.session.commit()
    except STEP_ERRORS as exc:
        db.session.rollback()
        raise click.ClickException(refusal_of(record, exc)) from None
    click.echo(f"{record}: {step} → {record.status}")
