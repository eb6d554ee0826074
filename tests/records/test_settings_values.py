"""Settings the office changes on the settings screen: the declared list with its
defaults, typed forms, refusals on the field with nothing changed, a stale edit refused,
reset to default, the audit trail old → new, and the workflows reading the new value."""
from __future__ import annotations

import html
import json
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from models import AuditEvent, Complaint, Loan, MonthlyReview, ReturnSlip, db
from models.numbering import period_of
from models.office_settings import SETTINGS, validate

from ..settings_support import (  # noqa: F401  (fixture)
    edit_setting,
    restore_defaults_fixture,
    setting_id,
    stored,
)

pytestmark = pytest.mark.usefixtures("restore_defaults")

#: The settings screen's list: key → default (the code's value).
DECLARED = {
    "contract.number_format": "HT{yy}{serial:04d}",
    "contract.required_reviews": ("production", "quality", "materials"),
    "complaint.serial_width": 3,
    "complaint.deadlines": {"general": 1, "major": 3},
    "complaint.max_extension": 7,
    "complaint.closing_deadline": 5,
    "penalty.number_format": "JF{yymm}{serial:03d}",
    "monthly_review.due_day": 10,
    "return_slip.number_format": "TH{yymm}{serial:03d}",
    "return_slip.inspection_days": 3,
    "return_slip.decision_days": 5,
    "return_slip.refuse_cross_year_returns": True,
    "loan.legal_levels": ("secret",),
    "loan.legal_categories": ("litigation",),
    "customer.number_format": "KH{serial:05d}",
    "visit_frequency.grade_a_months": 1,
    "visit_frequency.grade_b_months": 3,
    "visit_frequency.grade_c_months": 6,
    "visit_frequency.grade_d_months": 12,
    "visit_frequency.residential_d_months": 24,
    "grading_review.interval_months": 12,
    "follow_up_call.due_after_days": 3,
    "service_settings.handle_hours": {"inquiry": 6, "repair": 6, "alarm": 24},
    "service_settings.repair_hours": 24,
    "complaint.step.investigation": 3,
    "complaint.step.combined_opinion": 1,
}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_declared_settings_and_their_defaults():
    assert {key: s.default for key, s in SETTINGS.items()} == DECLARED


def test_the_screen_lists_every_setting_with_its_default(app, client_as):
    page = text(client_as("admin").get("/admin/app_setting/?page_size=100"))
    for declared in SETTINGS.values():
        assert str(declared.label) in page
    assert "Default (in the code)" in page and "Grants in force" in page


def test_a_change_takes_effect_and_is_audited_old_to_new(app, client_as, world):
    admin = client_as("admin")
    response = edit_setting(admin, app, "complaint.max_extension", value="10")
    assert response.status_code == 302, text(response)[:3000]
    value, _version = stored(app, "complaint.max_extension")
    assert value == 10
    with app.app_context():
        assert Complaint.max_extension == 10
        event = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.model == "app_setting",
            AuditEvent.record_id == str(setting_id(app, "complaint.max_extension")))
            .order_by(AuditEvent.id.desc())).first()
        assert json.loads(event.changes)["value"] == [None, 10]
        assert event.user_id == world.users["admin"]
        db.session.remove()
    # The details page names the value, its default and who changed it.
    details = text(admin.get(f"/admin/app_setting/details/?id="
                             f"{setting_id(app, 'complaint.max_extension')}"))
    assert "10" in details and "7" in details


def test_a_visit_frequency_set_on_the_screen_moves_the_visits_due(app, client_as):
    """A setting declared from outside its class (models/setting_rules.py) is read by
    the code that uses it: grade B customers visited every 2 months instead of 3."""
    from models.visit_frequency import VisitFrequency

    admin = client_as("admin")
    try:
        assert edit_setting(admin, app, "visit_frequency.grade_b_months",
                            value="2").status_code == 302
        with app.app_context():
            assert VisitFrequency.months("B") == 2
        assert edit_setting(admin, app, "visit_frequency.grade_b_months",
                            value="0").status_code == 200  # out of range: refused
        with app.app_context():
            assert VisitFrequency.months("B") == 2
    finally:
        with app.app_context():
            from models import AppSetting
            db.session.execute(sa.update(AppSetting).where(
                AppSetting.key == "visit_frequency.grade_b_months").values(value=None))
            db.session.commit()
            from models import office_settings
            office_settings.forget(app)


def test_workflows_read_the_new_value(app, client_as):
    admin = client_as("admin")
    assert edit_setting(admin, app, "complaint.deadlines", value_general="2",
                        value_major="5").status_code == 302
    assert edit_setting(admin, app, "return_slip.inspection_days",
                        value="4").status_code == 302
    with app.app_context():
        complaint = Complaint(received_at=datetime(2026, 11, 2, 2), severity="general")
        assert complaint.deadlines == {"general": 2, "major": 5}
        assert ReturnSlip.inspection_days == 4
        assert MonthlyReview.due_day == 10  # untouched: still the default
        db.session.remove()
    assert edit_setting(admin, app, "loan.legal_levels",
                        value=["confidential", "secret"]).status_code == 302
    assert edit_setting(admin, app, "return_slip.number_format",
                        value="RS{yymm}{serial:03d}").status_code == 302
    assert edit_setting(admin, app, "return_slip.refuse_cross_year_returns",
                        value="").status_code == 302  # an unticked box: no
    with app.app_context():
        assert Loan.legal_levels == ("confidential", "secret")
        assert ReturnSlip.number_format == "RS{yymm}{serial:03d}"
        assert ReturnSlip.refuse_cross_year_returns is False
        slip = ReturnSlip(applied_on=date(2026, 9, 3))
        assert period_of(slip) == "RS2609"
        db.session.remove()


@pytest.mark.parametrize(("key", "fields", "message"), [
    ("complaint.max_extension", {"value": "abc"}, "Not a valid integer value"),
    ("complaint.max_extension", {"value": "99"}, "between 1 and 30"),
    ("monthly_review.due_day", {"value": "31"}, "between 1 and 28"),
    ("complaint.deadlines", {"value_general": "4", "value_major": "3"},
     "a general complaint is not given longer than a major one"),
    ("return_slip.decision_days", {"value": "2"},
     "decision days are at least inspection days"),
    ("complaint.max_extension", {"value": "2"}, "its limit is at least a major"),
    ("return_slip.number_format", {"value": "TH{yymm}"}, "end with the serial"),
    ("return_slip.number_format", {"value": "TH{serial:03d}{yymm}"}, "end with the serial"),
    ("return_slip.number_format", {"value": "{nope}{serial:03d}"}, "end with the serial"),
    ("penalty.number_format", {"value": "JIANGFA-TONGZHI-{yyyy}{serial:08d}"},
     "longer than the"),
    ("complaint.step.investigation", {"value": "4"}, "no later than a major"),
])
def test_bad_values_are_refused_on_their_field_and_nothing_changes(
        app, client_as, key, fields, message):
    before = stored(app, key)
    with app.app_context():
        version_events = db.session.scalar(sa.select(sa.func.count()).select_from(
            AuditEvent).where(AuditEvent.model == "app_setting"))
        db.session.remove()
    response = edit_setting(client_as("admin"), app, key, **fields)
    assert response.status_code == 200
    body = text(response)
    assert message in body
    assert "is-invalid" in body or "invalid-feedback" in body  # on the field itself
    assert stored(app, key) == before
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.model == "app_setting")) == version_events
        db.session.remove()


def test_validation_checks_types_outside_the_form(app):
    with app.app_context():
        for key, value in (("complaint.max_extension", "7"), ("loan.legal_levels", ["top"]),
                           ("return_slip.refuse_cross_year_returns", "yes"),
                           ("complaint.deadlines", {"general": 1})):
            with pytest.raises(ValueError):
                validate(key, value if key != "complaint.max_extension" else "x")
        assert validate("loan.legal_levels", ["secret", "confidential"]) == (
            "confidential", "secret")
        db.session.remove()


def test_a_stale_edit_is_refused_like_a_stale_record(app, client_as):
    key = "return_slip.decision_days"
    version = stored(app, key)[1]
    first = edit_setting(client_as("admin"), app, key, version=version, value="6")
    assert first.status_code == 302
    second = edit_setting(client_as("admin"), app, key, version=version, value="8")
    assert second.status_code == 200
    assert "while you were editing" in text(second)
    assert stored(app, key)[0] == 6


def test_reset_to_default(app, client_as):
    admin = client_as("admin")
    key = "complaint.closing_deadline"
    assert edit_setting(admin, app, key, value="9").status_code == 302
    with app.app_context():
        assert Complaint.closing_deadline == 9
        db.session.remove()
    response = admin.post("/admin/app_setting/action/", data={
        "action": "reset_default", "rowid": [str(setting_id(app, key))]},
        follow_redirects=True)
    assert "reset to the default" in text(response)
    assert stored(app, key)[0] is None
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.model == "app_setting", AuditEvent.record_id == str(
                setting_id(app, key))).order_by(AuditEvent.id.desc())).first()
        assert json.loads(event.changes)["value"] == [9, None]
        db.session.remove()
    with app.app_context():
        assert Complaint.closing_deadline == 5
        db.session.remove()


def test_serial_width_numbers_new_complaints(app, client_as, world):
    from ..test_workflow_support import dept, row_of

    assert edit_setting(client_as("admin"), app, "complaint.serial_width",
                        value="2").status_code == 302
    with app.app_context():
        complaint = Complaint(customer_id=row_of(world, "customer").id,
                              received_at=datetime(2026, 10, 14, 3), content="宽度测试",
                              department_id=dept(world), level="internal")
        db.session.add(complaint)
        db.session.flush()
        assert len(complaint.number) == 6 and complaint.number.startswith("2610")
        db.session.rollback()
        db.session.remove()


@pytest.mark.parametrize("username", ["supervisor", "gm", "auditor", "clerk.sales"])
def test_only_admin_changes_settings(app, client_as, username):
    key = "complaint.max_extension"
    response = edit_setting(client_as(username), app, key, value="9")
    assert response.status_code == 403
    assert stored(app, key)[0] is None
    reset = client_as(username).post("/admin/app_setting/action/", data={
        "action": "reset_default", "rowid": [str(setting_id(app, key))]})
    assert reset.status_code == 403


def test_the_screen_speaks_the_regulations_terms_in_chinese(app, login_as):
    page = text(login_as("admin").get("/admin/app_setting/?page_size=100"))
    for term in ("规则设定", "投诉处理期限（工作日）", "延期上限（工作日）",
                 "检验期限（到货后天数）", "默认值（程序规定）", "现行权限",
                 "步骤期限：调查报告（工作日）"):
        assert term in page, term


def test_one_line_makes_a_plain_class_attribute_a_setting(app):
    """How the coordinator turns another branch's attribute into a setting: one
    ``declare`` line (or ``setting(...)`` around the value, in the class)."""
    from models.office_settings import declare

    class VisitPlan:
        __tablename__ = "visit_plan_example"
        #: Days between two visits of a grade-A customer.
        grade_a_days = 30

    try:
        declare(VisitPlan, "grade_a_days", "Visit frequency, grade A (days)", low=1, high=365)
        assert VisitPlan.grade_a_days == 30  # no app context: the default
        assert SETTINGS["visit_plan_example.grade_a_days"].kind == "int"
        with app.app_context():
            assert VisitPlan.grade_a_days == 30
            with pytest.raises(ValueError):
                validate("visit_plan_example.grade_a_days", 0)
            db.session.remove()
    finally:
        SETTINGS.pop("visit_plan_example.grade_a_days", None)


def test_a_stored_value_the_code_no_longer_allows_falls_back_to_the_default(app, client_as):
    from models import AppSetting
    from models.office_settings import forget

    setting_id(app, "monthly_review.due_day")
    with app.app_context():
        row = db.session.scalar(sa.select(AppSetting).where(
            AppSetting.key == "monthly_review.due_day"))
        row.value = 31  # written past the checks (an old release allowed it, say)
        db.session.commit()
        forget(app)
        assert MonthlyReview.due_day == 10
        db.session.remove()
    page = client_as("admin").get(
        f"/admin/app_setting/edit/?id={setting_id(app, 'monthly_review.due_day')}")
    assert page.status_code == 200 and 'value="10"' in text(page)


def test_a_reset_that_would_break_a_rule_is_refused(app, client_as):
    admin = client_as("admin")
    assert edit_setting(admin, app, "return_slip.decision_days", value="10").status_code == 302
    assert edit_setting(admin, app, "return_slip.inspection_days",
                        value="8").status_code == 302
    response = admin.post("/admin/app_setting/action/", data={
        "action": "reset_default",
        "rowid": [str(setting_id(app, "return_slip.decision_days"))]}, follow_redirects=True)
    body = text(response)
    assert "decision days are at least inspection days" in body and "Nothing was reset" in body
    assert stored(app, "return_slip.decision_days")[0] == 10
    # Both together, in either order: inspection back to 3 allows decision back to 5.
    admin.post("/admin/app_setting/action/", data={"action": "reset_default", "rowid": [
        str(setting_id(app, "return_slip.decision_days")),
        str(setting_id(app, "return_slip.inspection_days"))]})
    assert stored(app, "return_slip.decision_days")[0] is None
    assert stored(app, "return_slip.inspection_days")[0] is None


def test_two_saves_at_once_cannot_together_break_a_rule(app, world, client_as, monkeypatch,
                                                        tmp_path):
    """Decision days 10: one administrator moves inspection to 8 (fine with 10), another
    moves decision to 5 (fine with 3) at the same moment; the second save waits for the
    first and is refused (PostgreSQL: SQLite serialises writers anyway)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrency is proved on PostgreSQL")
    import threading

    import admin_views.settings_screen as screen
    from app import create_app

    from ..conftest import TEST_CONFIG
    from ..sessions import sign_in
    from ..settings_support import user_with_roles
    from ..threads import run_at_once

    user_with_roles(app, world, "admin.two", "admin", department="it", clearance="internal")
    assert edit_setting(client_as("admin"), app, "return_slip.decision_days",
                        value="10").status_code == 302
    versions = {key: stored(app, key)[1] for key in ("return_slip.inspection_days",
                                                     "return_slip.decision_days")}
    barrier = threading.Barrier(2, timeout=20)
    original = screen.lock_generation

    def both_then_lock(session):
        barrier.wait()  # both saves have read the other setting's old value
        return original(session)

    monkeypatch.setattr(screen, "lock_generation", both_then_lock)
    # The second administrator works on another worker (its own snapshot of the settings).
    other = create_app({**TEST_CONFIG,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "UPLOAD_FOLDER": str(tmp_path)})
    first, second = client_as("admin"), other.test_client()
    sign_in(other, second, world.users["admin.two"], locale="en")
    second.get("/admin/")  # its snapshot: decision 10, inspection 3
    pages = run_at_once(
        lambda: edit_setting(first, app, "return_slip.inspection_days",
                             version=versions["return_slip.inspection_days"], value="8"),
        lambda: edit_setting(second, app, "return_slip.decision_days",
                             version=versions["return_slip.decision_days"], value="5"))
    assert sorted(page.status_code for page in pages) == [200, 302]
    inspection = stored(app, "return_slip.inspection_days")[0] or 3
    decision = stored(app, "return_slip.decision_days")[0] or 5
    assert inspection <= decision
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_settings_form_carries_the_csrf_token(tmp_path_factory):
    """With CSRF protection on, as in production: the generated form's token saves."""
    import re

    from flask_migrate import upgrade

    from app import create_app

    from ..conftest import TEST_CONFIG
    from ..sessions import sign_in
    from ..world import build_world

    path = tmp_path_factory.mktemp("settings_csrf") / "csrf.db"
    app = create_app({**TEST_CONFIG, "WTF_CSRF_ENABLED": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(revision="heads")
        world = build_world()
        db.session.commit()
    client = app.test_client()
    sign_in(app, client, world.users["admin"])
    pk = setting_id(app, "complaint.max_extension")
    page = client.get(f"/admin/app_setting/edit/?id={pk}").get_data(as_text=True)
    form = re.search(r'<form[^>]*admin-form.*?</form>', page, re.S).group(0)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    assert client.post(f"/admin/app_setting/edit/?id={pk}", data={
        "value": "9", "loaded_version": "1"}).status_code == 400
    assert client.post(f"/admin/app_setting/edit/?id={pk}", data={
        "value": "9", "loaded_version": "1", "csrf_token": token}).status_code == 302
    with app.app_context():
        assert Complaint.max_extension == 9
        db.session.remove()
        db.engine.dispose()
