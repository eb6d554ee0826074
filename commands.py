"""Command-line tools: ``flask --app app create-user | seed-demo | recompute-deadlines |
issue-reminders``."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

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
    """Create an account; the password is read from a prompt, never an argument.

    The root of trust: run by whoever holds the server, outside any request, so no
    account-change approval applies (permissions/accounts.py). It makes the first
    administrator and the first GM-office members; every later account is made on the
    screens, where grants beyond the administrator's own wait for the GM office."""
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
    except ValueError as exc:  # passwords.WeakPassword: the reasons, in Chinese
        raise click.BadParameter(str(exc), param_hint="password") from exc
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
               "clerk.service, supervisor, manager.service, gm, gm.archive, legal, auditor")


@click.command("recompute-deadlines")
@with_appcontext
def recompute_deadlines():
    """Recompute provisional complaint due dates (run after upgrading chinesecalendar).

    A due date that reached into a year the calendar package did not cover was
    counted on weekends alone and marked provisional; this counts it again. The
    statistics' handling times (working days, summed in ``complaint_tally`` when each
    complaint was notified) are recounted on the new calendar too.
    """
    from models.complaint import recompute_provisional_deadlines
    from reports.tally import rebuild

    fixed, still = recompute_provisional_deadlines(db.session)
    db.session.commit()
    with db.engine.begin() as connection:
        rebuild(connection)
    click.echo(f"Recomputed {fixed} provisional due date(s); {still} still provisional.")
    if still:
        click.echo("The installed chinesecalendar does not cover their dates yet: upgrade it "
                   "(pip install -U chinesecalendar) once the State Council has published the "
                   "year's holidays, then run this command again.")


@click.command("issue-reminders")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Day to issue for (YYYY-MM-DD); default: today in Asia/Shanghai.")
@with_appcontext
def issue_reminders_command(day):
    """Issue today's reminders (催办单) for overdue complaints, late service requests and
    work orders; safe to run more than once."""
    from models.numbering import local_date_of
    from models.reminder import issue_reminders, issue_service_reminders

    day = day.date() if day else local_date_of(None)
    issued = issue_reminders(db.session, day) + issue_service_reminders(db.session, day)
    click.echo(f"{issued} reminder(s) issued for {day.isoformat()}.")


def init_app(app) -> None:
    from services.cli import step_command  # a step fired through the core, as a user

    for command in (create_user, seed_demo, recompute_deadlines, issue_reminders_command,
                    step_command):
        app.cli.add_command(command)
    from daily_jobs import daily_jobs_group
    from scheduler import scheduler_command

    app.cli.add_command(daily_jobs_group)
    app.cli.add_command(scheduler_command)
    from demo_reset import demo_group
    from reports.tally import statistics_group

    app.cli.add_command(demo_group)
    app.cli.add_command(statistics_group)
