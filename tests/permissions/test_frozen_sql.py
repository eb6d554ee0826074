"""A remembered statement sent as SQL text with its values written in
(``permissions.frozen``, the home page's counts and work queue): it reads exactly what
the ORM would, quotes what it writes in, reads a live value at each run, and is used
only for the user whose rules it carries."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import g

from models import AppUser, Complaint, db
from permissions import visible
from permissions.frozen import remembered_rows
from permissions.scoping import Principal, scope_options, scoped

#: Text values a frozen statement must quote: an apostrophe, a percent sign (psycopg's
#: placeholder character), a colon word (a named placeholder elsewhere), a backslash.
AWKWARD = "it's 100% :done \\ 完成"


def bind_user(world, username: str) -> Principal:
    principal = Principal.of(db.session.get(AppUser, world.users[username]))
    g.scope_user, g.scope_options = principal, scope_options(principal)
    return principal


def sent_statements(app):
    """The SQL texts the engine sends while the returned list is being filled."""
    sent: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    return sent, lambda: sa.event.remove(db.engine, "before_cursor_execute", seen)


def test_a_frozen_statement_reads_what_the_orm_reads(app, world):
    with app.test_request_context():
        clerk = bind_user(world, "clerk.sales")
        statement = scoped(sa.select(
            Complaint.id, Complaint.received_at, Complaint.status,
            sa.literal(AWKWARD).label("note"),
        ).where(Complaint.status.in_(["registered", "closed", "investigating"]),
                Complaint.content != AWKWARD).order_by(Complaint.id), clerk)
        expected = [tuple(row) for row in db.session.execute(statement).all()]
        sent, stop = sent_statements(app)
        try:
            rows = remembered_rows(statement)
            again = remembered_rows(statement)
        finally:
            stop()
        assert expected  # else the comparison proves nothing
        assert [tuple(row) for row in rows] == expected == [tuple(row) for row in again]
        assert all(row.note == AWKWARD and isinstance(row.received_at, datetime)
                   for row in rows)
        # Sent as text with the values written in, not as bound parameters.
        assert len(sent) == 2 and "'registered'" in sent[0] and sent[0] == sent[1]
        db.session.remove()


def test_a_live_value_is_read_at_each_run(app, world):
    """A bound parameter with a ``callable_`` (the home page's "now") stays a parameter:
    the same frozen statement counts differently when its value moves."""
    with app.test_request_context():
        gm = bind_user(world, "gm")
        received = list(db.session.scalars(sa.select(Complaint.received_at).where(
            visible(gm, Complaint)).execution_options(skip_visibility=True)))
        first, last = min(received), max(received)
        cutoff = [first]
        statement = scoped(sa.select(sa.func.count()).select_from(Complaint).where(
            Complaint.received_at < sa.bindparam(
                None, callable_=lambda: cutoff[0], type_=Complaint.received_at.type)), gm)
        counts = []
        for moment in (first - timedelta(minutes=1), last + timedelta(minutes=1)):
            cutoff[0] = moment
            counts.append(remembered_rows(statement)[0][0])
        assert counts == [0, len(received)] and received
        db.session.remove()


def test_a_statement_carried_for_another_user_is_not_sent_as_frozen(app, world):
    """Frozen text carries the rules it was compiled with. Run in another user's
    request it is not used: the statement goes through the ORM, whose hook adds the
    request's own rules, and the clerk sees no more than the clerk may."""
    with app.test_request_context():
        gm, clerk = (Principal.of(db.session.get(AppUser, world.users[name]))
                     for name in ("gm", "clerk.sales"))
        statement = scoped(sa.select(Complaint.id).order_by(Complaint.id), gm)
        g.scope_user, g.scope_options = gm, scope_options(gm)
        everything_gm_sees = [row.id for row in remembered_rows(statement)]
        bind_user(world, "clerk.sales")
        mine = list(db.session.scalars(sa.select(Complaint.id).where(
            visible(clerk, Complaint)).order_by(Complaint.id).execution_options(
                skip_visibility=True)))
        assert set(mine) < set(everything_gm_sees)  # else this proves nothing
        assert [row.id for row in remembered_rows(statement)] == mine
        db.session.remove()
