"""The demo's records show who did what, when: their history is their users' doing.

Issue 12 item 7: the demo's history showed one "系统 新建" entry per record, so nobody
could see who approved complaint 2609005. The demo is seeded into a database of its
own (SQLite and PostgreSQL) and read back through the audit log, the details page's
history and ``flask audit verify``.
"""
from __future__ import annotations

import html
import json
import re

import pytest
import sqlalchemy as sa

from demo import USERS
from demo_story import shanghai
from models import (
    REGISTRY,
    AppUser,
    ArchiveFile,
    AuditEvent,
    Complaint,
    Contract,
    Customer,
    Loan,
    Penalty,
    ReturnSlip,
    db,
)
from models.workflow import Stateful, duty_refusal

from ..conftest import fresh_database
from ..sessions import sign_in
from ..test_audit_support import disposed, make_app

DEMO_USERNAMES = {username for username, *_ in USERS}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def history_url(request, tmp_path_factory):
    yield from fresh_database(request, tmp_path_factory, "demo_history")


@pytest.fixture(scope="module")
def seeded(history_url, tmp_path_factory):
    with disposed(make_app(history_url, tmp_path_factory, world=False, demo=True)) as app:
        yield app


@pytest.fixture
def ctx(seeded):
    with seeded.app_context():
        yield
        db.session.rollback()


def story_of(record) -> list[tuple[str, str, str]]:
    """(creation or step name, username, Shanghai time) of a record's events, in order."""
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.model == record.__tablename__, AuditEvent.record_id == str(record.id))
        .order_by(AuditEvent.id)).all()
    return [(json.loads(e.changes or "{}").get("transition", e.action), e.username,
             shanghai(e.at)) for e in events]


def one(model, *where):
    return db.session.scalars(sa.select(model).where(*where)).one()


#: A sample of every stateful type (and a customer): the record, and its story.
SAMPLES = {
    "general complaint 2609005: approved by the service manager": (
        lambda: one(Complaint, Complaint.number == "2609005"), [
            ("insert", "clerk.service", "2026-09-29 16:30"),
            ("assign", "supervisor", "2026-09-29 16:50"),  # its 经办人, the clerk
            ("investigate", "clerk.service", "2026-09-29 17:00"),
            ("determine_responsibility", "supervisor", "2026-09-30 08:30"),
            ("propose_handling", "supervisor", "2026-09-30 10:30"),
            ("approve_general", "manager.service", "2026-09-30 14:00")]),
    "major complaint 2609003: approved by the GM office, customer notified": (
        lambda: one(Complaint, Complaint.number == "2609003"), [
            ("insert", "clerk.service", "2026-09-21 09:40"),
            ("assign", "supervisor", "2026-09-21 10:00"),
            ("investigate", "clerk.service", "2026-09-21 10:10"),
            ("determine_responsibility", "supervisor", "2026-09-21 11:40"),
            ("propose_handling", "supervisor", "2026-09-21 13:40"),
            ("approve_major", "gm", "2026-09-23 17:00"),
            ("notify_customer", "clerk.service", "2026-09-24 10:00")]),
    "complaint 2610001: not upheld, closed, reopened by the customer's refusal": (
        lambda: one(Complaint, Complaint.number == "2610001"), [
            ("insert", "clerk.service", "2026-10-16 10:00"),
            ("investigate", "clerk.service", "2026-10-16 10:30"),
            ("determine_responsibility", "supervisor", "2026-10-16 12:00"),
            ("not_upheld", "supervisor", "2026-10-16 14:00"),
            ("approve_general", "manager.service", "2026-10-19 09:30"),
            ("notify_customer", "clerk.service", "2026-10-19 15:00"),
            ("close", "clerk.service", "2026-10-22 10:00"),
            ("reopen", "clerk.service", "2026-10-26 09:30")]),
    "the reopened complaint 2610003": (
        lambda: one(Complaint, Complaint.number == "2610003"), [
            ("insert", "clerk.service", "2026-10-26 09:30"),
            ("assign", "supervisor", "2026-10-26 09:50"),
            ("investigate", "clerk.service", "2026-10-26 10:00")]),
    "return slip: confirmed by the supervisor, approved by the service manager": (
        lambda: one(ReturnSlip, ReturnSlip.order_no == "SO2609-0207"), [
            ("insert", "clerk.service", "2026-10-12 10:00"),
            ("assign", "supervisor", "2026-10-12 10:20"),
            ("confirm", "supervisor", "2026-10-12 16:00"),
            ("approve", "manager.service", "2026-10-13 09:00"),
            ("receive", "clerk.service", "2026-11-18 10:00")]),
    "confidential return slip, closed": (
        lambda: one(ReturnSlip, ReturnSlip.order_no == "SO2608-0153"), [
            ("insert", "supervisor", "2026-09-09 10:00"),
            ("confirm", "supervisor", "2026-09-09 15:00"),
            ("approve", "manager.service", "2026-09-10 09:00"),
            ("receive", "supervisor", "2026-09-14 10:00"),
            ("inspect", "supervisor", "2026-09-16 15:00"),
            ("decide", "supervisor", "2026-09-18 16:00"),
            ("close", "supervisor", "2026-09-18 17:30")]),
    "penalty notice, approved and applied": (
        lambda: one(Penalty, Penalty.responsible_person == "马立新"), [
            ("insert", "supervisor", "2026-09-19 10:00"),
            ("approve", "gm", "2026-09-22 10:00"),
            ("distribute", "gm", "2026-09-22 10:00"),
            ("apply", "gm", "2026-09-30 10:00")]),
    "penalty notice, rejected": (
        lambda: one(Penalty, Penalty.responsible_person == "黄磊"), [
            ("insert", "supervisor", "2026-10-10 10:00"),
            ("reject", "gm", "2026-10-12 15:00")]),
    "contract, terminated": (
        lambda: one(Contract, Contract.number == "HT2026-006"), [
            ("insert", "clerk.sales", "2026-01-08 09:00"),
            ("submit_review", "clerk.sales", "2026-01-14 10:00"),
            ("update", "clerk.sales", "2026-01-15 17:00"),  # the review opinions
            ("approve_quote", "gm", "2026-01-19 16:00"),
            ("sign", "supervisor", "2026-01-20 15:00"),
            ("put_in_force", "supervisor", "2026-02-01 09:00"),
            ("terminate", "supervisor", "2026-08-31 17:00")]),
    "contract with a confirmed order change": (
        lambda: one(Contract, Contract.number == "HT2026-001"), [
            ("insert", "clerk.sales", "2025-12-29 09:00"),
            ("submit_review", "clerk.sales", "2026-01-04 10:00"),
            ("update", "clerk.sales", "2026-01-05 17:00"),
            ("approve_quote", "gm", "2026-01-07 16:00"),
            ("sign", "supervisor", "2026-01-08 15:00"),
            ("put_in_force", "supervisor", "2026-01-10 09:00"),
            ("update", "clerk.sales", "2026-09-25 14:00"),  # the order change notice
            ("confirm_changes", "supervisor", "2026-09-28 10:30")]),
    "archive file, superseded by a later scan": (
        lambda: one(ArchiveFile, ArchiveFile.title == "家具城展厅租赁合同档案（原扫描件）"), [
            ("insert", "supervisor", "2026-01-22 09:00"),
            ("transfer", "supervisor", "2026-02-05 10:00"),
            ("receive", "gm", "2026-02-05 15:00"),
            ("update", "supervisor", "2026-08-24 11:00"),  # refers to the new scan
            ("supersede", "gm", "2026-08-25 09:00")]),
    "loan to an outside borrower: legal office, then GM office": (
        lambda: one(Loan, Loan.outside_organ == "police"), [
            ("insert", "supervisor", "2026-11-17 16:00"),
            ("legal_approve", "legal", "2026-11-18 11:00"),
            ("approve", "gm", "2026-11-19 09:00")]),
    "a court's loan registered by the GM office's archive keeper, waiting for legal": (
        lambda: one(Loan, Loan.outside_organ == "court"), [
            ("insert", "gm.archive", "2026-11-30 14:30")]),
    "project file, transferred and received": (
        lambda: one(ArchiveFile, ArchiveFile.category == "project_docs"), [
            ("insert", "clerk.sales", "2026-01-05 10:00"),
            ("transfer", "clerk.sales", "2026-01-20 10:00"),
            ("receive", "gm", "2026-01-21 15:00")]),
    "customer, imported by the sales clerk": (
        lambda: one(Customer, Customer.code == "KH0002"), [
            ("insert", "clerk.sales", "2025-05-06 09:00")]),
}


@pytest.mark.parametrize("sample", list(SAMPLES))
def test_each_step_is_by_its_actor_at_its_time(ctx, sample):
    find, expected = SAMPLES[sample]
    assert story_of(find()) == expected


def test_nothing_is_the_systems_but_loading_the_demo(ctx):
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    by_system = [e for e in events if e.username is None]
    assert [(e.action, e.model) for e in by_system] == [("seed_demo", None)]
    assert {e.username for e in events} - {None} <= DEMO_USERNAMES
    assert all(e.user_id is not None for e in events if e.username)
    # The log reads in time order: ids follow the story, the load comes last.
    times = [e.at for e in events]
    assert times == sorted(times) and events[-1].action == "seed_demo"


@pytest.mark.parametrize("model", sorted(REGISTRY))
def test_every_record_was_registered_by_a_demo_user(ctx, model):
    """One creation event per record, by a demo user, at the record's creation time."""
    model = REGISTRY[model]
    records = db.session.scalars(sa.select(model)).all()
    created = {event.record_id: event for event in db.session.scalars(sa.select(AuditEvent)
               .where(AuditEvent.model == model.__tablename__,
                      AuditEvent.action == "insert"))}
    for record in records:
        event = created.pop(str(record.id))
        assert event.username in DEMO_USERNAMES, record
        if hasattr(record, "created_at"):
            assert event.at == record.created_at, record
    assert not created


def stateful_records():
    for model in REGISTRY.values():
        if issubclass(model, Stateful):
            yield from ((model, record) for record in db.session.scalars(sa.select(model)))


def signer_of(record, step):
    """Who signed ``step`` on ``record``; None for a step that signs the rows it acts on
    (``signed_as="order_changes.…"``: one signer per row, checked by its own tests)."""
    if not step.signature or "." in step.signature:
        return None
    return getattr(record, step.signature)


def test_every_signature_is_the_step_of_its_signer(ctx):
    """Each ``*_by_id`` a step stamped names the user of that step's event, and each
    ``*_at`` its time: the record and its history say the same."""
    checked = 0
    for model, record in stateful_records():
        story = story_of(record)
        for step in model.steps():
            signer = signer_of(record, step)
            if not signer or not any(name == step.name for name, *_ in story):
                continue
            name, username, at = [entry for entry in story if entry[0] == step.name][-1]
            assert username == db.session.get(AppUser, signer).username, (record, name)
            for stamp in step.stamps:
                if stamp.endswith("_at"):
                    assert shanghai(getattr(record, stamp)) == at, (record, stamp)
            checked += 1
    assert checked > 40


def test_separation_of_duties_holds_on_every_record(ctx):
    """Nobody signed a step the rules forbid them (the confirmer approving, the proposer
    approving, another department's supervisor approving a return slip)."""
    for model, record in stateful_records():
        for step in model.steps():
            signer = signer_of(record, step)
            if signer and step.not_by or signer and step.by_department:
                refusal = duty_refusal(record, step, db.session.get(AppUser, signer))
                assert refusal is None, refusal


def test_audit_chain_verifies_after_seeding(seeded):
    result = seeded.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def history_rows(page: str) -> list[tuple[str, str, str]]:
    """(time, user, what) of each row of the details page's history table."""
    table = page[page.index('data-history="1"'):]
    rows = re.findall(r"<tr[^>]*data-event[^>]*>(.*?)</tr>", table, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [tuple(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
                  for cell in row[:3]) for row in cells]


def test_details_page_shows_who_approved_complaint_2609005(seeded):
    with seeded.app_context():
        complaint = one(Complaint, Complaint.number == "2609005")
        pk = complaint.id
        gm = one(AppUser, AppUser.username == "gm").id
    client = seeded.test_client()
    sign_in(seeded, client, gm, locale="en")
    page = client.get(f"/admin/complaint/details/?id={pk}").get_data(as_text=True)
    rows = history_rows(page)
    # People by their names (issue 16 item 4), the login name as the name's tooltip.
    assert ("2026-09-30 14:00", "黄建军", "Workflow step: Approve handling") in rows
    assert ("2026-09-30 10:30", "陈国华", "Workflow step: Propose handling") in rows
    assert ("2026-09-29 16:30", "王丽娟", "Created") in rows
    assert 'title="manager.service" data-login="manager.service">黄建军<' in page
    assert not [row for row in rows if row[1] in ("system", "系统")]


def test_the_past_is_not_written_from_a_request(seeded):
    """``recorded_as`` writes down what happened earlier (the demo); a request records
    what its user does now, as that user."""
    from audit import recorded_as

    with seeded.test_request_context(), seeded.app_context():
        gm = one(AppUser, AppUser.username == "gm")
        with pytest.raises(RuntimeError), recorded_as(gm, gm.created_at):
            pass


def test_penalty_notices_come_from_closed_complaints(ctx):
    """A notice is raised from a closed complaint (``Penalty.raised_from_statuses``): the
    demo's records pass the rules a save checks."""
    for penalty in db.session.scalars(sa.select(Penalty)):
        assert penalty.complaint.status == "closed", penalty
