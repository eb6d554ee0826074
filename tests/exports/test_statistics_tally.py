"""The statistics' complaint tally (``models/complaint_tally.py``) stays exact.

Every way the product changes a complaint — registered, edited on a record read
without the changed value, several in one flush, a bulk UPDATE or DELETE through the
session, a change rolled back, a complaint deleted — leaves the tally equal to a
recount of the complaints; a period that cuts months gives the figures a live count
gives; a visibility rule on a column the tally does not carry falls back to live
counting; what bypasses the ORM is found by ``flask statistics check`` and mended by
``rebuild``.
"""
from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import Complaint, db
from models.complaint_tally import ComplaintTally
from reports import tally
from reports.tally import differences, on_tally, rebuild

from ..stats_support import tables_of
from ..test_complaints_support import shanghai
from ..threads import run_at_once

CHOICES = {
    "kind": ("quality", "non_quality"),
    "severity": ("general", "major"),
    "channel": ("phone", "letter", "fax", "email"),
    "product": ("冰箱", "空调", None),
    "level": ("internal", "confidential", "secret"),
    "handled_on_time": (True, False, None),
}


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        return differences(connection)


@pytest.fixture
def made(app):
    """Complaints a test adds, removed afterwards (through the session: the tally
    follows); the tally recounted first, so a test starts from an exact one."""
    with app.app_context():
        with db.engine.begin() as connection:
            rebuild(connection)
        mark = db.session.scalar(sa.select(sa.func.max(Complaint.id))) or 0
        db.session.remove()
    yield
    with app.app_context():
        db.session.execute(sa.delete(Complaint).where(Complaint.id > mark))
        db.session.commit()
    assert _differences(app) == []


def _random_values(rng: random.Random, world) -> dict:
    received = shanghai("2025-01-02 09:00") + timedelta(days=rng.randrange(170),
                                                        hours=rng.randrange(24))
    notified = received + timedelta(days=rng.randrange(1, 9)) if rng.random() < 0.6 \
        else None
    return {
        "received_at": received, "notified_at": notified,
        "department_id": rng.choice([world.departments["sales"],
                                     world.departments["service"]]),
        "responsible_department_id": rng.choice([None, world.departments["sales"]]),
        **{name: rng.choice(values) for name, values in CHOICES.items()},
    }


def _register(rng, world) -> Complaint:
    return Complaint(content="统计台账", customer_id=world.rows_of("customer")[0].id,
                     **_random_values(rng, world))


@pytest.mark.parametrize("seed", [1, 2])
def test_every_change_keeps_the_tally_exact(app, world, made, seed):
    rng = random.Random(seed)
    with app.app_context():
        db.session.add_all([_register(rng, world) for _ in range(10)])
        db.session.commit()
        ids = list(db.session.scalars(sa.select(Complaint.id).where(
            Complaint.content == "统计台账")))
        db.session.remove()
    assert _differences(app) == []
    for step in range(30):
        with app.app_context():
            pk = rng.choice(ids)
            record = db.session.get(Complaint, pk)
            operation = rng.choice(("edit", "edit", "unloaded", "several", "bulk",
                                    "rollback", "delete", "register"))
            values = _random_values(rng, world)
            changed = rng.sample(sorted(values), rng.randint(1, 4))
            if operation == "unloaded":  # the old values were never read
                db.session.expire(record)
            if operation in ("edit", "unloaded"):
                for name in changed:
                    setattr(record, name, values[name])
            elif operation == "several":
                for other in db.session.scalars(sa.select(Complaint).where(
                        Complaint.id.in_(rng.sample(ids, 3)))):
                    for name in changed:
                        setattr(other, name, values[name])
            elif operation == "bulk":
                db.session.execute(sa.update(Complaint).where(
                    Complaint.id.in_(rng.sample(ids, 4))).values(
                    {name: values[name] for name in changed}))
            elif operation == "rollback":
                setattr(record, changed[0], values[changed[0]])
                db.session.flush()
                db.session.rollback()
            elif operation == "delete" and len(ids) > 3:
                if rng.random() < 0.5:  # deleted without having been read
                    db.session.expire(record)
                db.session.delete(record)
                ids.remove(pk)
            else:
                new = _register(rng, world)
                db.session.add(new)
                db.session.flush()
                ids.append(new.id)
            db.session.commit()
            db.session.remove()
        assert _differences(app) == [], (step, operation, changed)


@pytest.fixture
def spread(app, world, made):
    """Complaints on every few days from January to June 2025, of two departments and
    three levels, half notified."""
    rng = random.Random(7)
    with app.app_context():
        db.session.add_all([_register(rng, world) for _ in range(60)])
        db.session.commit()


@pytest.mark.parametrize("period", [("2025-01-15", "2025-05-20"),
                                    ("2025-02-01", "2025-04-30"),
                                    ("2025-03-10", "2025-03-20")])
@pytest.mark.parametrize("user", ["gm", "auditor", "clerk.sales"])
def test_a_period_reads_what_a_live_count_reads(spread, client_as, monkeypatch, period,
                                                user):
    client = client_as(user)

    def read() -> dict:
        page = client.get("/admin/statistics/", query_string={
            "from": period[0], "to": period[1], "section": "all"}).get_data(as_text=True)
        found = tables_of(page)
        return {key: found[key] for key in found if key.startswith("complaints-")
                and key != "complaints-top-customers"}

    from_tally = read()
    monkeypatch.setattr(tally, "on_tally", lambda clauses: None)  # count everything live
    live = read()
    assert from_tally == live
    assert len(from_tally) == 7
    assert any(v != "0" for row in from_tally["complaints-by-kind"].values()
               for v in row.values())


def test_the_visibility_clause_moves_onto_the_tally_or_not_at_all():
    moved = on_tally([Complaint.level.in_(["internal"]), Complaint.department_id == 3])
    text = " ".join(str(clause) for clause in moved)
    assert "complaint_tally.level" in text and "complaint_tally.department_id" in text
    assert "complaint." not in text
    # A rule the tally does not carry (here the 经办人): the screen counts live.
    assert on_tally([Complaint.level.in_(["internal"]), Complaint.owner_id == 1]) is None


def test_check_finds_a_raw_change_and_rebuild_mends_it(app, world, made):
    with app.app_context():
        db.session.add(_register(random.Random(3), world))
        db.session.commit()
        pk = db.session.scalar(sa.select(sa.func.max(Complaint.id)))
        db.session.remove()
        with db.engine.begin() as connection:  # beside the ORM, as an import script would
            connection.execute(sa.text("UPDATE complaint SET kind = CASE kind WHEN "
                                       "'quality' THEN 'non_quality' ELSE 'quality' END "
                                       "WHERE id = :pk"), {"pk": pk})
    runner = app.test_cli_runner()
    found = runner.invoke(args=["statistics", "check"])
    assert found.exit_code == 1 and "2 differing rows" in found.output
    assert runner.invoke(args=["statistics", "rebuild"]).exit_code == 0
    found = runner.invoke(args=["statistics", "check"])
    assert found.exit_code == 0 and "0 differing rows" in found.output


def test_concurrent_saves_of_one_figure_both_count(app, world, made, database_url):
    """Ten clerks register a complaint of the same month, department and level at the
    same moment: each save adds to the same tally rows, none is lost, none waits for
    ever (rows are taken in key order)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent saves are proved on PostgreSQL")
    clerks = 10
    barrier = threading.Barrier(clerks)
    values = {**_random_values(random.Random(5), world), "kind": "quality",
              "product": "冰箱"}

    month = values["received_at"] + timedelta(hours=8)
    row = (ComplaintTally.figure == "product", ComplaintTally.value == "冰箱",
           ComplaintTally.month == f"{month:%Y-%m}",
           ComplaintTally.department_id == values["department_id"],
           ComplaintTally.level == values["level"])

    def counted() -> int:
        with app.app_context():
            found = db.session.scalar(sa.select(ComplaintTally.complaints).where(*row))
            db.session.remove()
            return found or 0

    before = counted()

    def clerk():
        with app.app_context():
            db.session.add(Complaint(content="统计台账", customer_id=world.rows_of(
                "customer")[0].id, **values))
            barrier.wait(timeout=30)
            db.session.commit()
            db.session.remove()

    run_at_once(*[clerk] * clerks)
    assert _differences(app) == []
    assert counted() == before + clerks
