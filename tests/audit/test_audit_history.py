"""Point 3: every details page has a history section that never shows a value above
the reader's clearance; auditors have a case timeline; the audit log is a read-only,
filterable, exportable list for auditors and the GM office only."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models import (
    REGISTRY,
    ArchiveFile,
    AuditEvent,
    Complaint,
    Customer,
    Loan,
    Penalty,
    ReturnSlip,
    db,
)

from ..test_audit_support import KINDS, events, log_in, own_app

USERS = ("clerk.sales", "clerk.service", "supervisor", "gm", "legal", "auditor", "admin")
LOG_READERS = ("gm", "auditor")


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "history") as app:
        yield app


def add(app, *records):
    with app.app_context():
        db.session.add_all(records)
        db.session.commit()
        ids = [r.id for r in records]
        db.session.remove()
        return ids


def change(app, model, pk, **values):
    with app.app_context():
        record = db.session.get(model, pk)
        for key, value in values.items():
            setattr(record, key, value)
        db.session.commit()
        db.session.remove()


def customer(app, code, level="internal", department="sales", **extra):
    world = app.extensions["test_world"]
    return Customer(code=code, name=f"客户{code}", kind="dealer", grade="B", level=level,
                    department_id=world.departments[department], **extra)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def history_part(body: str) -> str:
    return body[body.index('id="history"'):]


# -- the details page's history ----------------------------------------------------------

def test_details_page_shows_who_changed_what_old_and_new(app):
    (pk,) = add(app, customer(app, "HIST-1"))
    client = log_in(app.test_client(), app, "supervisor")
    form = {"code": "HIST-1", "name": "新的名称", "kind": "retailer",
            "department": str(app.extensions["test_world"].departments["sales"])}
    log_in(app.test_client(), app, "gm").post(f"/admin/customer/edit/?id={pk}",
                                               data={**form, "level": "internal"})
    history = history_part(page(client, f"/admin/customer/details/?id={pk}"))
    assert "历史记录" in history
    assert "gm" in history and "修改" in history and "新建" in history
    assert "客户名称" in history and "客户HIST-1" in history and "新的名称" in history
    assert "零售商" in history  # a code shown by its label
    client.post("/lang/en")
    english = history_part(page(client, f"/admin/customer/details/?id={pk}"))
    assert "History" in english and "Customer name" in english and "Changed" in english


def test_history_never_shows_values_from_above_the_readers_clearance(app):
    (pk,) = add(app, customer(app, "HIST-LVL", level="secret", remarks="机密时期的备注"))
    change(app, Customer, pk, remarks="仍是机密的备注")
    change(app, Customer, pk, level="internal")
    change(app, Customer, pk, remarks="降为内部后的备注")

    reader = log_in(app.test_client(), app, "clerk.sales")  # clearance internal
    history = history_part(page(reader, f"/admin/customer/details/?id={pk}"))
    assert "降为内部后的备注" in history
    assert "机密时期的备注" not in history and "仍是机密的备注" not in history
    assert history.count('data-hidden="1"') == 3  # created, edited, level lowered
    assert "机密（公司A级）" not in history  # not even the old level
    assert "更高密级" in history  # the old value of the last edit dates from the secret time

    gm = log_in(app.test_client(), app, "gm")
    full = history_part(page(gm, f"/admin/customer/details/?id={pk}"))
    assert "机密时期的备注" in full and "仍是机密的备注" in full
    assert 'data-hidden="1"' not in full


def test_a_linked_record_above_clearance_is_not_named(app):
    secret, internal = customer(app, "HIST-S", level="secret"), customer(app, "HIST-I")
    secret_id, internal_id = add(app, secret, internal)
    world = app.extensions["test_world"]
    (complaint_id,) = add(app, Complaint(customer_id=secret_id, received_at=datetime(
        2026, 11, 2, 2), content="投诉", department_id=world.departments["sales"]))
    change(app, Complaint, complaint_id, customer_id=internal_id)
    reader = log_in(app.test_client(), app, "clerk.sales")
    history = history_part(page(reader, f"/admin/complaint/details/?id={complaint_id}"))
    assert "客户HIST-I" in history
    assert "客户HIST-S" not in history and "HIST-S" not in history
    assert "已隐藏" in history


# -- the case timeline ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def case(app):
    world = app.extensions["test_world"]
    service = world.departments["service"]
    (customer_id,) = add(app, customer(app, "CASE-1", department="service"))
    (complaint_id,) = add(app, Complaint(
        customer_id=customer_id, received_at=datetime(2026, 9, 1, 1, 30), content="案件投诉",
        department_id=service))
    slip, penalty, secret_penalty, archive = (
        ReturnSlip(customer_id=customer_id, complaint_id=complaint_id, department_id=service,
                   remarks="案件退货"),
        Penalty(complaint_id=complaint_id, responsible_person="张三", reason="案件罚款",
                department_id=service, level="confidential"),
        Penalty(complaint_id=complaint_id, responsible_person="李四", reason="机密罚款",
                department_id=service, level="secret"),
        ArchiveFile(customer_id=customer_id, title="案件档案", department_id=service))
    slip_id, penalty_id, secret_id, file_id = add(app, slip, penalty, secret_penalty, archive)
    (loan_id,) = add(app, Loan(
        archive_file_id=file_id, borrower_id=world.users["clerk.service"], purpose="案件借阅",
        due_date=date.today() + timedelta(days=5), department_id=service,
        requested_by_id=world.users["clerk.service"]))
    return {"complaint": complaint_id, "return_slip": slip_id, "penalty": penalty_id,
            "secret_penalty": secret_id, "loan": loan_id}


@pytest.mark.parametrize("username", USERS)
def test_only_log_readers_open_the_case_timeline(app, case, username):
    client = log_in(app.test_client(), app, username)
    response = client.get(f"/admin/case/?id={case['complaint']}")
    assert response.status_code == (200 if username in LOG_READERS else 403)
    details = client.get(f"/admin/complaint/details/?id={case['complaint']}")
    if details.status_code == 200:
        assert ('data-case-link="1"' in details.get_data(as_text=True)) == \
            (username in LOG_READERS)


def test_the_case_timeline_puts_the_related_records_on_one_timeline(app, case):
    auditor = log_in(app.test_client(), app, "auditor")
    body = page(auditor, f"/admin/case/?id={case['complaint']}")
    for table in ("complaint", "return_slip", "penalty", "loan"):
        assert f"/admin/{table}/details/?id={case[table]}" in body, table
    assert "受理时间" in body and "2026-09-01 09:30" in body  # a milestone, Shanghai time
    assert "案件罚款" in body
    assert "机密罚款" not in body  # a secret penalty stays unknown to the auditor
    gm = log_in(app.test_client(), app, "gm")
    assert "机密罚款" in page(gm, f"/admin/case/?id={case['complaint']}")


def test_a_case_above_clearance_is_not_found(app):
    world = app.extensions["test_world"]
    (customer_id,) = add(app, customer(app, "CASE-S"))
    (pk,) = add(app, Complaint(customer_id=customer_id, received_at=datetime(2026, 9, 1),
                               content="机密案件", level="secret",
                               department_id=world.departments["service"]))
    auditor = log_in(app.test_client(), app, "auditor")
    assert auditor.get(f"/admin/case/?id={pk}").status_code == 404
    assert auditor.get("/admin/case/?id=abc").status_code == 404


# -- the audit log screen ---------------------------------------------------------------------

def log_view(app):
    admin = app.extensions["admin"][0]
    return next(v for v in admin._views if getattr(v, "endpoint", None) == "audit_event")


def filter_arg(app, column: str, kind: str, after: bool | None = None) -> str:
    view = log_view(app)
    for index, flt in enumerate(view._filters):
        if flt.column.key == column and type(flt).__name__ == kind and \
                (after is None or flt.after == after):
            return f"flt0_{index}"
    raise AssertionError(f"no filter {kind} on {column}")


def rows_listed(client, url) -> int:
    return page(client, url).count("/admin/audit_event/details/?id=")


@pytest.mark.parametrize("username", USERS)
def test_only_auditors_and_the_gm_office_read_the_log(app, username):
    client = log_in(app.test_client(), app, username)
    expected = 200 if username in LOG_READERS else 403
    assert client.get("/admin/audit_event/").status_code == expected
    assert client.get("/admin/audit_event/details/?id=1").status_code == expected
    assert client.get("/admin/audit_event/export/csv/").status_code == expected
    menu = page(client, "/admin/")
    assert ('href="/admin/audit_event/"' in menu) == (username in LOG_READERS)


@pytest.mark.parametrize("username", LOG_READERS)
def test_nobody_changes_the_log(app, username):
    client = log_in(app.test_client(), app, username)
    before = len(events(app, AuditEvent.action != "refused"))
    for path, data in (("/admin/audit_event/new/", {"action": "x"}),
                       ("/admin/audit_event/edit/?id=1", {"action": "x"}),
                       ("/admin/audit_event/delete/", {"id": "1"}),
                       ("/admin/audit_event/action/", {"action": "delete", "rowid": "1"}),
                       ("/admin/audit_event/ajax/update/",
                        {"list_form_pk": "1", "action": "x"})):
        assert client.post(path, data=data).status_code == 403, path
    assert client.get("/admin/audit_event/edit/?id=1").status_code == 403
    list_page = page(client, "/admin/audit_event/")
    assert 'href="/admin/audit_event/new/' not in list_page
    assert 'href="/admin/audit_event/edit/' not in list_page
    assert len(events(app, AuditEvent.action != "refused")) == before


def test_the_log_hides_events_of_records_above_the_readers_clearance(app):
    (secret_id,) = add(app, customer(app, "LOG-SECRET", level="secret"))
    (lowered_id,) = add(app, customer(app, "LOG-RAISED"))
    change(app, Customer, lowered_id, level="secret")  # once internal, secret now
    auditor = log_in(app.test_client(), app, "auditor")  # clearance confidential
    gm = log_in(app.test_client(), app, "gm")
    record = filter_arg(app, "record_id", "FilterEqual")
    kind = filter_arg(app, "model", "FilterEqual")
    for pk, count in ((secret_id, 1), (lowered_id, 2)):
        url = f"/admin/audit_event/?{kind}=customer&{record}={pk}"
        assert rows_listed(auditor, url) == 0
        assert rows_listed(gm, url) == count
        csv = auditor.get(f"/admin/audit_event/export/csv/?{kind}=customer&{record}={pk}")
        assert "LOG-" not in csv.get_data(as_text=True)
    assert "LOG-SECRET" in gm.get(
        f"/admin/audit_event/export/csv/?{kind}=customer&{record}={secret_id}"
    ).get_data(as_text=True)
    with app.app_context():
        hidden_event = db.session.scalar(sa.select(AuditEvent.id).where(
            AuditEvent.model == "customer", AuditEvent.record_id == str(secret_id)))
        db.session.remove()
    assert auditor.get(f"/admin/audit_event/details/?id={hidden_event}").status_code == 404


def test_the_log_filters_by_user_record_type_record_and_date(app):
    (pk,) = add(app, customer(app, "LOG-FILTER"))
    client = log_in(app.test_client(), app, "auditor")
    user = filter_arg(app, "username", "FilterEqual")
    kind = filter_arg(app, "model", "FilterEqual")
    record = filter_arg(app, "record_id", "FilterEqual")
    base = f"/admin/audit_event/?{kind}=customer&{record}={pk}"
    assert rows_listed(client, base) == 1
    assert rows_listed(client, f"{base}&{user}=nobody") == 0
    client.get("/admin/audit_event/export/csv/")  # an event of the auditor's own
    assert rows_listed(client, f"/admin/audit_event/?{user}=auditor") >= 1
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    after = filter_arg(app, "at", "LocalDayFilter", after=True)
    before = filter_arg(app, "at", "LocalDayFilter", after=False)
    assert rows_listed(client, f"{base}&{after}={today}") == 1
    assert rows_listed(client, f"{base}&{before}={today - timedelta(days=1)}") == 0
    assert rows_listed(client, f"{base}&{before}={today}") == 1


def test_the_log_exports_what_the_list_shows(app):
    client = log_in(app.test_client(), app, "auditor")
    response = client.get("/admin/audit_event/export/csv/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "digest" in text.lower() or "摘要" in text
    assert len(text.splitlines()) > 10


def test_the_details_of_an_event_show_old_and_new(app):
    (pk,) = add(app, customer(app, "LOG-DETAIL"))
    change(app, Customer, pk, name="改过的名称")
    with app.app_context():
        event_id = db.session.scalar(sa.select(AuditEvent.id).where(
            AuditEvent.model == "customer", AuditEvent.record_id == str(pk),
            AuditEvent.action == "update"))
        db.session.remove()
    body = page(log_in(app.test_client(), app, "auditor"),
                f"/admin/audit_event/details/?id={event_id}")
    assert "客户LOG-DETAIL" in body and "改过的名称" in body and "客户名称" in body


def test_a_steps_entries_are_named_as_its_form_names_them(app):
    """What a step's form asked (确定责任: cause, responsible department) reads in
    Chinese in the record's history and in the log's list, not as stored names."""
    service = app.extensions["test_world"].departments["service"]
    (customer_id,) = add(app, customer(app, "LOG-STEP", department="service"))
    (pk,) = add(app, Complaint(customer_id=customer_id, received_at=datetime(2026, 9, 1),
                               content="步骤投诉", department_id=service,
                               status="investigating"))
    supervisor = log_in(app.test_client(), app, "supervisor")
    supervisor.post("/admin/complaint/transition/", data={
        "id": pk, "transition": "determine_responsibility", "cause_analysis": "包装不良",
        "responsible_department": service})
    history = history_part(page(supervisor, f"/admin/complaint/details/?id={pk}"))
    assert "<b>本步骤填写</b>: 原因分析: 包装不良; 责任部门: " in history
    assert "values" not in history
    kind = filter_arg(app, "model", "FilterEqual")
    record = filter_arg(app, "record_id", "FilterEqual")
    listed = page(log_in(app.test_client(), app, "gm"),
                  f"/admin/audit_event/?{kind}=complaint&{record}={pk}")
    assert "本步骤填写: 原因分析; 责任部门" in listed
    assert "values" not in listed and "cause_analysis" not in listed


def test_every_registered_model_is_readable_in_history(app):
    """A details page of every record type carries the section (generated, not per view)."""
    world = app.extensions["test_world"]
    gm = log_in(app.test_client(), app, "gm")
    for table in REGISTRY:
        rows = world.rows_of(table)
        if rows and REGISTRY[table].__tablename__ != "app_user":
            body = page(gm, f"/admin/{table}/details/?id={rows[0].id}")
            assert 'id="history"' in body and 'data-history="1"' in body, table


def test_refusals_show_in_a_records_history_for_log_readers_only(app):
    world = app.extensions["test_world"]
    row = next(r for r in world.rows_of("complaint")
               if r.department == "service" and r.level == "internal")
    outsider = log_in(app.test_client(), app, "clerk.sales")
    assert outsider.get(f"/admin/complaint/details/?id={row.id}").status_code == 404
    url = f"/admin/complaint/details/?id={row.id}"
    owner = history_part(page(log_in(app.test_client(), app, "clerk.service"), url))
    auditor = history_part(page(log_in(app.test_client(), app, "auditor"), url))
    assert "访问被拒绝" not in owner and "clerk.sales" not in owner
    assert "访问被拒绝" in auditor and "clerk.sales" in auditor
