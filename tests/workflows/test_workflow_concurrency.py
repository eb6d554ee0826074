"""Steps fired at the same moment, on PostgreSQL: two requests in two threads, each with
its own database session, held at a barrier until both have checked and changed the
record, then committed together. Exactly one wins; the other gets a clear message."""
from __future__ import annotations

import threading

import pytest

import admin_views.workflow as workflow
from models import Loan, Penalty

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    fetch,
    make_file,
    make_loan,
    make_penalty,
    step,
    text,
    transitions_logged,
    user_client_fixture,
)
from ..threads import run_at_once


@pytest.fixture
def postgres_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrency is proved on PostgreSQL (SQLite serialises writers)")


@pytest.fixture
def together(monkeypatch):
    """Hold each step just before its commit until the other one got there too."""
    barrier = threading.Barrier(2, timeout=20)
    original = workflow.record_event

    def wait_then_record(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(workflow, "record_event", wait_then_record)
    return barrier


def test_two_users_deciding_one_notice_at_once(app, world, clean, user_client,
                                               postgres_only, together):
    pk = make_penalty(app, world)
    first, second = user_client("gm"), user_client("gm")
    pages = run_at_once(
        lambda: step(first, "penalty", pk, "approve"),
        lambda: step(second, "penalty", pk, "reject", decision_reason="同时驳回"))
    assert [page.status_code for page in pages] == [200, 200]
    bodies = [text(page) for page in pages]
    won = [body for body in bodies if "Done:" in body]
    lost = [body for body in bodies if "someone else changed this record at the same "
            "moment; nothing was changed" in body]
    assert len(won) == 1 and len(lost) == 1
    status, reason = fetch(app, Penalty, pk, "status", "decision_reason")
    assert (status == "approved" and reason is None) or \
        (status == "rejected" and reason == "同时驳回")
    assert len(transitions_logged(app, "penalty", pk)) == 1


def test_two_loans_of_one_file_approved_at_once(app, world, clean, user_client,
                                                postgres_only, together):
    file = make_file(app, world)
    loans = [make_loan(app, world, file),
             make_loan(app, world, file, borrower="clerk.sales", department="sales")]
    clients = [user_client("gm"), user_client("gm")]
    pages = run_at_once(*(lambda c=c, pk=pk: step(c, "loan", pk, "approve")
                          for c, pk in zip(clients, loans, strict=True)))
    assert [page.status_code for page in pages] == [200, 200]
    bodies = [text(page) for page in pages]
    assert sum("Done: Approve." in body for body in bodies) == 1
    assert sum("This archive file is already promised or lent to another borrower" in body
               for body in bodies) == 1
    statuses = sorted(fetch(app, Loan, pk, "status") for pk in loans)
    assert statuses == ["approved", "requested"]
