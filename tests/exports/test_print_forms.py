"""Printable forms (issue 15 item 3): each form shows its record's fields, its copies
(联, one page each) and its signature block; the details page offers the print
button, lists a bulk "print selected"; printing is audited and a record the user may
not see is a 404."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import AuditEvent, Complaint, Penalty, ReturnSlip, db
from reports.forms import FORMS

from ..stats_support import delete_records, make_records
from ..test_complaints_support import shanghai

#: What each form must say besides the record's values: its title and field labels.
EXPECTED = {
    "complaint-record": ("Customer complaint record", "What the customer says",
                         "Cause analysis", "Approved by"),
    "return-application": ("Product return application form", "Receipt",
                           "Regional / office manager", "Quantity counted"),
    "return-slip": ("Return slip", "Finished goods warehouse", "General manager"),
    "sales-allowance": ("Sales allowance certificate", "Customer's signature and seal",
                        "Accounting, for the books"),
    "penalty-notice": ("Reward and penalty notice", "Accounting, for checking",
                       "The deducting department", "Reason"),
    "reminder": ("Reminder", "Reply of the responsible department", "Days overdue"),
    "loan-slip": ("Loan slip", "Approve (legal office)", "Purpose", "Return by"),
    "archive-label": ("Archive cover label", "Retention period",
                      "Internal material: not to be passed outside", "Date filed"),
}


@pytest.fixture(scope="module")
def records(app, world):
    """One internal record of each printable kind (a slip with an allowance line), and a
    secret complaint."""
    made = make_records(app, world, "internal", "P", extra_lines=[dict(
        product="折让产品P", quantity_claimed=Decimal("2"), decision="allowance",
        decision_reason="外观瑕疵")], slip_fields={
            "confirmed_by_id": world.users["supervisor"],
            "confirmed_at": shanghai("2025-04-07 10:30")})
    with app.app_context():
        secret = Complaint(customer_id=world.rows_of("customer")[0].id,
                           received_at=shanghai("2025-04-02 09:00"), content="机密投诉",
                           department_id=world.departments["service"], level="secret")
        db.session.add(secret)
        db.session.commit()
        made[Complaint].append(secret.id)
        db.session.remove()
    yield made
    delete_records(app, made)


def record_id(made, world, form) -> int:
    if form.model.__tablename__ == "reminder":
        return next(r.id for r in world.rows_of("reminder") if r.level == "internal"
                    and r.department == "service")
    return made[form.model][0]


def pages(html: str, key: str) -> int:
    return len(re.findall(rf'class="form-page" data-form="{key}"', html))


@pytest.mark.parametrize("form", FORMS, ids=[f.key for f in FORMS])
def test_each_form_prints_its_fields_copies_and_signatures(form, app, world, records,
                                                          client_as):
    pk = record_id(records, world, form)
    response = client_as("gm").get(f"/print/{form.key}?id={pk}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in EXPECTED[form.key]:
        assert text in html, text
    assert pages(html, form.key) == len(form.copies)
    if form.copies[0][0] is not None:
        assert html.count('data-copy="1"') == len(form.copies)
        assert "Copy 1" in html and f"Copy {len(form.copies)}" in html
    if form.signatures:
        assert html.count('data-signatures="1"') == len(form.copies)
        assert html.count('data-signed=') == len(form.signatures) * len(form.copies)
        assert html.count('class="sign-line"') >= len(form.signatures)


def test_signatures_name_who_signed_on_the_system(app, world, records, client_as):
    html = client_as("gm").get(f"/print/return-application?id={records[ReturnSlip][0]}"
                               ).get_data(as_text=True)
    block = html.split('data-signatures="1"')[1]
    assert "supervisor" in block and "2025-04-07 10:30" in block
    assert '<td data-signed="0">' in block  # customer service has not signed yet


def test_the_values_of_the_record_are_on_the_form(app, world, records, client_as):
    html = client_as("gm").get(f"/print/sales-allowance?id={records[ReturnSlip][0]}"
                               ).get_data(as_text=True)
    assert "折让产品P" in html and "外观瑕疵" in html and "统计客户P" in html
    html = client_as("gm").get(f"/print/penalty-notice?id={records[Penalty][0]}").get_data(
        as_text=True)
    assert "300.00" in html


def test_a_hidden_record_is_a_404_and_the_refusal_is_audited(app, world, records,
                                                            client_as):
    secret = records[Complaint][-1]
    visible = records[Complaint][0]
    clerk = client_as("clerk.service")
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    assert clerk.get(f"/print/complaint-record?id={secret}").status_code == 404
    # Mixed with a visible one: still nothing printed.
    response = clerk.get(f"/print/complaint-record?id={visible}&id={secret}")
    assert response.status_code == 404 and "机密投诉" not in response.get_data(as_text=True)
    assert clerk.get("/print/complaint-record?id=999999999").status_code == 404
    assert clerk.get("/print/no-such-form?id=1").status_code == 404
    assert clerk.get("/print/complaint-record").status_code == 400
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.id > (last or 0))).all()
        assert any(e.action == "refused" and e.record_id == str(secret) for e in events)
        assert not any(e.action == "print" for e in events)
    assert client_as("gm").get(f"/print/complaint-record?id={secret}").status_code == 200


def test_printing_is_audited_per_record(app, world, records, client_as):
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    ids = records[Complaint][:1] + [records[Complaint][-1]]
    response = client_as("gm").get("/print/complaint-record", query_string={"id": ids})
    assert pages(response.get_data(as_text=True), "complaint-record") == 2
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.id > (last or 0), AuditEvent.action == "print")).all()
        assert sorted(int(e.record_id) for e in events) == sorted(ids)
        assert {e.model for e in events} == {"complaint"}
        assert all("complaint-record" in str(e.changes) for e in events)


def test_the_details_page_has_a_print_button(app, world, records, client_as):
    html = client_as("gm").get(f"/admin/return_slip/details/?id={records[ReturnSlip][0]}"
                               ).get_data(as_text=True)
    links = re.findall(r'href="(/print/[^"]+)"[^>]*data-print-form', html)
    assert [link.split("?")[0] for link in links] == [
        "/print/return-application", "/print/return-slip", "/print/sales-allowance"]


def test_print_selected_gives_one_document_with_a_page_per_record(app, world, records,
                                                                 client_as):
    gm = client_as("gm")
    reminders = [r.id for r in world.rows_of("reminder") if r.level != "secret"][:3]
    listing = gm.get("/admin/reminder/").get_data(as_text=True)
    assert "print_selected" in listing
    response = gm.post("/admin/reminder/action/", data={"action": "print_selected",
                                                         "rowid": reminders})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/print/reminder?")
    html = gm.get(response.headers["Location"]).get_data(as_text=True)
    assert pages(html, "reminder") == len(reminders)
    assert "page-break-before: always" in gm.get("/reports/static/print.css").get_data(
        as_text=True)


def test_the_print_style_hides_the_navigation(client_as):
    css = client_as("gm").get("/reports/static/print.css").get_data(as_text=True)
    media = css[css.index("@media print"):]
    assert "nav" in media and ".no-print" in media and "display: none" in media
    assert "size: A4" in css


def test_no_allowance_no_sales_allowance_certificate(app, world, client_as):
    made = make_records(app, world, "internal", "Q")
    try:
        slip = made[ReturnSlip][0]
        assert client_as("gm").get(f"/print/sales-allowance?id={slip}").status_code == 404
        assert client_as("gm").get(f"/print/return-slip?id={slip}").status_code == 200
    finally:
        delete_records(app, made)
    assert date.today()  # the slip above is dated in the past period on purpose


@pytest.fixture(scope="module")
def slips(app, world):
    """Two internal return slips of the service department and a secret one."""
    made = [make_records(app, world, "internal", tag) for tag in ("B1", "B2")]
    made.append(make_records(app, world, "secret", "BS"))
    with app.app_context():
        numbers = [db.session.get(ReturnSlip, m[ReturnSlip][0]).number for m in made]
        assert all(numbers)
        db.session.remove()
    yield [m[ReturnSlip][0] for m in made], numbers
    for m in made:
        delete_records(app, m)


def test_each_form_of_a_model_is_a_bulk_action_of_its_list(app, world, client_as):
    listing = client_as("clerk.service").get("/admin/return_slip/").get_data(as_text=True)
    for name, title in (("print_selected", "Product return application form"),
                        ("print_selected:return-slip", "Return slip"),
                        ("print_selected:sales-allowance", "Sales allowance certificate")):
        assert f"modelActions.execute('{name}');\">Print selected: {title}</button>" \
            in listing, name


def test_bulk_printing_with_the_second_form_leaves_out_a_forged_hidden_id(
        app, world, slips, client_as):
    (first, second, secret), numbers = slips
    clerk = client_as("clerk.service")
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    response = clerk.post("/admin/return_slip/action/", data={
        "action": "print_selected:return-slip", "rowid": [first, secret, second]})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == f"/print/return-slip?id={first}&id={second}"
    html = clerk.get(location).get_data(as_text=True)
    # One document: each slip's four copies, a page each, the first slip's before the
    # second's; every page but the first starts on a new sheet.
    records = re.findall(r'class="form-page" data-form="return-slip" data-record="(\d+)"',
                         html)
    assert records == [str(first)] * 4 + [str(second)] * 4
    assert numbers[0] in html and numbers[1] in html
    assert numbers[2] not in html and "统计客户BS" not in html
    css = clerk.get("/reports/static/print.css").get_data(as_text=True)
    assert re.search(r"\.form-page \+ \.form-page\s*\{[^}]*page-break-before: always", css)
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.id > last)).all()
    printed = [e for e in events if e.action == "print"]
    assert sorted(int(e.record_id) for e in printed) == sorted([first, second])
    assert all(e.model == "return_slip" and "return-slip" in str(e.changes)
               for e in printed)
    # The forged id is audited as a refusal, as for every bulk action.
    assert any(e.action == "refused" and e.record_id == str(secret) for e in events)


def test_a_form_none_of_the_selection_prints_as_sends_back_to_the_list(
        app, world, slips, client_as):
    (first, second, _secret), _numbers = slips
    clerk = client_as("clerk.service")
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    response = clerk.post("/admin/return_slip/action/", data={
        "action": "print_selected:sales-allowance", "rowid": [first, second]},
        follow_redirects=True)
    assert response.status_code == 200 and response.request.path == "/admin/return_slip/"
    assert "None of the selected records prints as" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalar(sa.select(sa.func.count()).where(
            AuditEvent.id > last, AuditEvent.action == "print"))
