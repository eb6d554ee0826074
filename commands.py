"""Command-line tools: ``flask --app app create-user | seed-demo``."""
from __future__ import annotations

import click
import sqlalchemy as sa

from models import AppUser, Department, db
from models.choices import LEVELS, ROLES


@click.command("create-user")
@click.option("--username", prompt=True)
@click.option("--full-name", prompt=True)
@click.option("--department", "department_code", prompt="Department code")
@click.option("--role", "roles", multiple=True, type=click.Choice(list(ROLES)),
              default=["clerk"], show_default=True)
@click.option("--clearance", type=click.Choice(list(LEVELS)), default="internal",
              show_default=True)
@click.password_option(confirmation_prompt=True)
def create_user(username, full_name, department_code, roles, clearance, password):
    """Create an account; the password is read from a prompt, never an argument."""
    department = db.session.scalar(sa.select(Department).where(
        Department.code == department_code))
    if department is None:
        raise click.UsageError(f"No department with code {department_code!r}; "
                               "create it first (the admin's Departments screen).")
    if db.session.scalar(sa.select(AppUser).where(AppUser.username == username)):
        raise click.UsageError(f"A user named {username!r} already exists.")
    user = AppUser(username=username, full_name=full_name, roles=" ".join(roles),
                   department=department, clearance=clearance)
    try:
        user.set_password(password)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {username} ({', '.join(roles)}, {clearance}).")


@click.command("seed-demo")
def seed_demo():
    """Load the deterministic demo data set (safe to run twice)."""
    from demo import seed

    created = seed()
    click.echo("Demo data loaded." if created else "Demo data already present.")
    click.echo("Demo logins (password demo-pass-2026): admin, clerk.sales, "
               "clerk.service, supervisor, gm, legal, auditor")


def init_app(app) -> None:
    for command in (create_user, seed_demo):
        app.cli.add_command(command)
