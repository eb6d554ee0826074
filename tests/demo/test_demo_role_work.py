"""The demo holds what each role needs to try its work (issue 16 item 8): a pending
outside borrower's loan of a secret file for the legal office, loans and penalty notices
waiting for the GM office, new complaints for the supervisor; and project files with
their numbers (001 篇7 5.8, 5.10.1). Asked of the product's own rules (grants, the
step's source status and guard, separation of duties), as the demo users."""
from __future__ import annotations

import html
import re

import sqlalchemy as sa

from models import AppUser, ArchiveFile, Complaint, Loan, Penalty, Project, db
from models.workflow import duty_refusal
from permissions import can

from ..sessions import sign_in
from .test_demo import ctx, demo_app, demo_url  # noqa: F401  (fixtures)


def user(username: str) -> AppUser:
    return db.session.scalar(sa.select(AppUser).where(AppUser.username == username))


def waiting_for(username: str, model, step_name: str) -> list:
    """Records of ``model`` on which ``username`` may fire ``step_name`` now."""
    who = user(username)
    step = model.transition(step_name)
    return [record for record in db.session.scalars(sa.select(model))
            if step.applies_to(record) and can(who, step_name, record)
            and duty_refusal(record, step, who) is None]


def test_each_role_finds_work_waiting(ctx):  # noqa: F811
    outside = [loan for loan in waiting_for("legal", Loan, "legal_approve")
               if loan.is_outside and loan.archive_file.level == "secret"]
    assert outside, "the legal office has an outside borrower's loan of a secret file"
    assert waiting_for("gm", Loan, "approve")
    assert waiting_for("gm", Penalty, "approve")
    assert waiting_for("supervisor", Complaint, "investigate")


def test_the_court_loan_goes_through_legal_then_another_gm_member(demo_app):  # noqa: F811
    with demo_app.app_context():
        loan = db.session.scalar(sa.select(Loan).where(Loan.outside_organ == "court"))
        pk, requester = loan.id, loan.requested_by.username
        ids = {name: user(name).id for name in ("legal", "gm", "gm.archive")}
        db.session.remove()
    assert requester == "gm.archive"  # registered by the GM office on the court's behalf

    def fire(username: str, name: str) -> str:
        client = demo_app.test_client()
        sign_in(demo_app, client, ids[username], locale="en")
        return html.unescape(client.post("/admin/loan/transition/", data={
            "id": pk, "transition": name}, follow_redirects=True).get_data(as_text=True))

    assert "Done" in fire("legal", "legal_approve")
    assert "cannot be the same person" in fire("gm.archive", "approve")
    assert "Done" in fire("gm", "approve")
    with demo_app.app_context():
        assert db.session.get(Loan, pk).status == "approved"
        db.session.remove()


def test_project_files_and_numbers_by_property(ctx):  # noqa: F811
    codes = {p.name: p.code for p in db.session.scalars(sa.select(Project))}
    assert all(re.fullmatch(r"XM\d{3}", code) for code in codes.values())
    files = db.session.scalars(sa.select(ArchiveFile).where(
        ArchiveFile.project_id.is_not(None))).all()
    project_files = [f for f in files if f.customer_id is None]
    assert {f.retention for f in project_files} == {"30y", "10y", "permanent"}
    assert {"project_docs", "major_event"} <= {f.category for f in project_files}
    assert all(re.fullmatch(rf"{f.project.code}-WD\d{{3}}", f.number)
               for f in project_files)
    (by_property,) = [f for f in files if f.customer_id is not None]
    assert by_property.number == f"{by_property.project.code}-3栋1单元1501-01"
    assert by_property.retention == "permanent"


def test_the_clerk_has_items_and_the_supervisor_something_to_assign(demo_app):  # noqa: F811
    """经办人: the demo's supervisor assigned the open records, all but the newest of each
    kind; the clerk's home page lists theirs under 我的事项."""
    with demo_app.app_context():
        unassigned = [c for c in waiting_for("supervisor", Complaint, "assign")
                      if c.owner_id is None]
        clerk = user("clerk.service").id
        db.session.remove()
    assert unassigned
    client = demo_app.test_client()
    sign_in(demo_app, client, clerk, locale="zh_CN")
    page = client.get("/admin/").get_data(as_text=True)
    assert "我的事项" in page
    assert re.search(r'data-mine-kind="complaint" data-mine-count="[1-9]', page)
