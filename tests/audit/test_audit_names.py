"""Issue 16 item 4: people by their names. A record's history, the case timeline and the
audit log name who acted by full name (姓名); the audit log keeps the login name beside
it and finds an event by either. The log itself is not changed: the name is looked up
when it is read, and an event whose account was renamed or whose login name now
belongs to another account shows what it recorded."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from audit import recorded_as
from models import AppUser, AuditEvent, Complaint, Customer, db

from ..performance.test_performance_queries import Statements
from ..test_audit_support import KINDS, log_in, own_app
from .test_audit_history import log_view

SUPERVISOR, CLERK = "陈国华", "王丽娟"


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "names") as app:
        with app.app_context():
            for username, name in (("supervisor", SUPERVISOR), ("clerk.service", CLERK)):
                db.session.execute(sa.update(AppUser).where(AppUser.username == username)
                                   .values(full_name=name))
            db.session.commit()
            db.session.remove()
        yield app


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def edited_by_supervisor(app, code: str, username: str = "supervisor") -> int:
    """A customer the supervisor (or ``username``) registered and edited through the
    screens."""
    world = app.extensions["test_world"]
    form = {"name": f"客户{code}", "kind": "dealer", "level": "internal",
            "department": str(world.departments["service"])}
    client = log_in(app.test_client(), app, username)
    assert client.post("/admin/customer/new/", data=form).status_code == 302
    with app.app_context():
        pk = db.session.scalar(sa.select(Customer.id).where(Customer.name == f"客户{code}"))
        db.session.remove()
    assert client.post(f"/admin/customer/edit/?id={pk}",
                       data={**form, "contact_person": "张先生"}).status_code == 302
    return pk


def log_rows(client, url) -> str:
    body = page(client, url)
    return body[body.index("<tbody"):]


def test_a_records_history_names_who_changed_it(app):
    pk = edited_by_supervisor(app, "NAME-H")
    reader = log_in(app.test_client(), app, "clerk.service")
    history = page(reader, f"/admin/customer/details/?id={pk}")
    history = history[history.index('id="history"'):]
    assert history.count(f'title="supervisor" data-login="supervisor">{SUPERVISOR}<') == 2
    assert ">supervisor<" not in history  # the login name is the tooltip only


def test_the_case_timeline_and_the_printed_form_name_who_registered_it(app):
    world = app.extensions["test_world"]
    customer_id = edited_by_supervisor(app, "NAME-C")
    with app.app_context():
        supervisor = db.session.get(AppUser, world.users["supervisor"])
        with recorded_as(supervisor, datetime(2026, 11, 2, 2)):
            complaint = Complaint(customer_id=customer_id, content="案件投诉",
                                  received_at=datetime(2026, 11, 2, 1, 30),
                                  department_id=world.departments["service"])
            db.session.add(complaint)
        db.session.commit()
        pk = complaint.id
        db.session.remove()
    auditor = log_in(app.test_client(), app, "auditor")
    timeline = page(auditor, f"/admin/case/?id={pk}")
    assert f'data-login="supervisor">{SUPERVISOR}<' in timeline
    assert ">supervisor<" not in timeline
    # The printed complaint record's "registered by" signs with the name too.
    printed = page(log_in(app.test_client(), app, "supervisor"),
                   f"/print/complaint-record?id={pk}")
    assert f"<div>{SUPERVISOR}</div>" in printed and "<div>supervisor</div>" not in printed


def test_the_audit_log_names_the_person_and_keeps_the_login(app):
    pk = edited_by_supervisor(app, "NAME-L")
    auditor = log_in(app.test_client(), app, "auditor")
    rows = log_rows(auditor, f"/admin/audit_event/?search={pk}+{SUPERVISOR}")
    assert f"{SUPERVISOR} (supervisor)" in rows
    with app.app_context():
        event_id = db.session.scalar(sa.select(AuditEvent.id).where(
            AuditEvent.model == "customer", AuditEvent.record_id == str(pk)))
        db.session.remove()
    details = page(auditor, f"/admin/audit_event/details/?id={event_id}")
    assert f"{SUPERVISOR} (supervisor)" in details
    csv = auditor.get("/admin/audit_event/export/csv/").get_data(as_text=True)
    assert f"{SUPERVISOR} (supervisor)" in csv


@pytest.mark.parametrize("term", [SUPERVISOR, "国华", "supervisor", "SUPERV"])
def test_the_log_finds_a_persons_events_by_full_name_or_login(app, term):
    pk = edited_by_supervisor(app, f"NAME-S{len(term)}{term.isascii():d}")
    auditor = log_in(app.test_client(), app, "auditor")
    found = log_rows(auditor, f"/admin/audit_event/?search={term}")
    assert 'href="/admin/audit_event/details/?id=' in found
    assert f"{SUPERVISOR} (supervisor)" in found
    assert "(clerk.service)" not in found and "(auditor)" not in found
    # the "User contains" filter as well
    index = next(i for i, f in enumerate(log_view(app)._filters)
                 if type(f).__name__ == "PersonFilter")
    filtered = log_rows(auditor, f"/admin/audit_event/?flt0_{index}={term}"
                                 f"&search={pk}")
    assert f"{SUPERVISOR} (supervisor)" in filtered
    assert log_rows(auditor, f"/admin/audit_event/?flt0_{index}=无此人") \
        .count('href="/admin/audit_event/details/?id=') == 0


def test_a_renamed_account_and_a_reused_login_show_what_was_recorded(app):
    """The log keeps the login name an event was written under; a name is shown only
    for the account that wrote it. Renamed, then its old login given to someone else:
    the event says ``leaver``, neither person's name."""
    world = app.extensions["test_world"]
    with app.app_context():
        leaver = AppUser(username="leaver", full_name="离职员工", roles="clerk",
                         department_id=world.departments["service"], password_hash="x")
        db.session.add(leaver)
        db.session.commit()
        with recorded_as(leaver, datetime(2026, 11, 2, 2)):
            db.session.add(Customer(name="客户NAME-R", kind="dealer",
                                    grade="B", level="internal",
                                    department_id=world.departments["service"]))
        db.session.commit()
        pk = db.session.scalar(sa.select(Customer.id).where(Customer.name == "客户NAME-R"))
        leaver.username = "leaver.old"
        db.session.commit()
        db.session.add(AppUser(username="leaver", full_name="新来的人", roles="clerk",
                               department_id=world.departments["service"],
                               password_hash="x"))
        db.session.commit()
        db.session.remove()
    reader = log_in(app.test_client(), app, "clerk.service")
    history = page(reader, f"/admin/customer/details/?id={pk}")
    history = history[history.index('id="history"'):]
    assert "leaver" in history
    assert "离职员工" not in history and "新来的人" not in history
    auditor = log_in(app.test_client(), app, "auditor")
    rows = log_rows(auditor, "/admin/audit_event/?search=leaver")
    assert "新来的人" not in rows and "离职员工" not in rows and ">leaver<" in rows


def test_the_log_looks_names_up_once_per_page(app):
    edited_by_supervisor(app, "NAME-Q1")
    edited_by_supervisor(app, "NAME-Q2", "clerk.service")
    auditor = log_in(app.test_client(), app, "auditor")
    with app.app_context():
        engine = db.engine
    with Statements(engine) as recorder:
        body = log_rows(auditor, "/admin/audit_event/")
    assert f"{SUPERVISOR} (supervisor)" in body and f"{CLERK} (clerk.service)" in body
    lookups = [s for s in (" ".join(s.split()) for s, _p in recorder.seen)
               if "FROM app_user WHERE app_user.username IN" in s]
    assert len(lookups) == 1, lookups
