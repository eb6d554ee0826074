"""Issue 16 item 2: the record page — the status and the allowed steps at the top, the
destructive ones red and confirmed, fields grouped with the empty ones folded away,
breadcrumbs, the customer's related records with counts, and a save message that names
the record (admin_views/record_page.py)."""
from __future__ import annotations

import re

import sqlalchemy as sa

from models import Complaint, db

from ..complaints.test_complaints_workflow import form
from ..test_complaints_support import (  # noqa: F401  (fixtures)
    as_user_fixture,
    clean_complaints_fixture,
    register,
)


def test_the_save_message_names_the_record_and_its_due_date(app, world, as_user):
    page = as_user("clerk.service").post(
        "/admin/complaint/new/", data=form(world, content="名字在消息里"),
        follow_redirects=True).get_data(as_text=True)
    with app.app_context():
        complaint = db.session.scalars(sa.select(Complaint).where(
            Complaint.content == "名字在消息里")).one()
    assert f"Complaint {complaint.number} registered, due " \
           f"{complaint.current_due_date.isoformat()}." in page
    assert "Record was successfully created." not in page


def test_status_and_steps_come_before_the_fields(app, world, as_user):
    pk = register(app, world, status="handling_proposed")
    page = as_user("supervisor").get(f"/admin/complaint/details/?id={pk}&step=send_back") \
        .get_data(as_text=True)
    bar, table = page.index('data-status-bar="1"'), page.index('data-section="1"')
    assert bar < page.index('data-step="approve_general"') < table
    # 退回 is destructive: red, asked for a confirmation, opened by ?step=send_back.
    send_back = re.search(r'<details[^>]*data-step="send_back"[^>]*>(.*?)</details>', page,
                          re.S)
    assert send_back is not None and " open" in send_back.group(0).split(">")[0]
    assert "btn-outline-danger" in send_back.group(1)
    assert re.search(r'<input[^>]*type="checkbox" required[^>]*name="confirm"',
                     send_back.group(1))
    assert 'data-destructive="1"' in send_back.group(1)
    approve = re.search(r'data-step="approve_general"[^>]*>(.*?)</(div|details)>', page,
                        re.S).group(1)
    assert "btn-danger" not in approve and "btn-outline-danger" not in approve
    # Breadcrumbs: home / complaints / this complaint.
    crumbs = re.search(r'data-breadcrumbs="1">(.*?)</ol>', page, re.S).group(1)
    assert "/admin/complaint/" in crumbs
    # The empty optional fields are folded away, counted.
    assert re.search(r'<details class="mb-3" data-empty-fields="\d+">', page)


def test_the_customer_page_lists_its_records_with_counts(app, world, as_user):
    customer = world.rows_of("customer")[0].id
    for _ in range(2):
        register(app, world)
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
            Complaint.customer_id == customer))
    page = as_user("gm").get(f"/admin/customer/details/?id={customer}").get_data(
        as_text=True)
    found = re.search(r'data-related="(\d+)">Complaints', page)
    assert found is not None and int(found.group(1)) == count
    assert page.count("/admin/complaint/details/?id=") >= min(count, 5)
