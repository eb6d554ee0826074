"""Helpers of the step-clock, 洽办单 and monthly-review tests (this module holds no test)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models import Complaint, FollowUpCall, MonthlyReview, Reminder, TimelinessInquiry, db

#: Tables these tests add rows to, children first.
ADDED = (FollowUpCall, TimelinessInquiry, MonthlyReview, Reminder, Complaint)


@pytest.fixture(name="clean_clocks", autouse=True)
def clean_clocks_fixture(app):
    with app.app_context():
        marks = {model: db.session.scalar(sa.select(sa.func.max(model.id))) or 0
                 for model in ADDED}
        db.session.remove()
    yield
    with app.app_context():
        db.session.execute(sa.update(Complaint).where(Complaint.id > marks[Complaint])
                           .values(reopened_from_id=None))
        for model in ADDED:
            db.session.execute(sa.delete(model).where(model.id > marks[model]))
        db.session.commit()
        db.session.remove()


def todo(page: str, key: str) -> tuple[int, str] | None:
    """(count, url) of the home page's to-do item ``key``, or None."""
    found = re.search(rf'href="([^"]+)" data-todo="{key}" data-todo-count="(\d+)"', page)
    return None if found is None else (int(found.group(2)), found.group(1).replace("&amp;", "&"))
