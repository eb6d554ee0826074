"""Second signatories for separation-of-duties tests (this module holds no test).

The world has one user per role; a rule "one person, one signature" needs a second
person with the same grants. ``colleagues`` adds them to the shared world once per
database and registers them in ``world.users``, so ``client_as(name)`` logs in as them.
They own no records, so the permission matrix's rows and counts are unchanged.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AppUser, db

#: username → (roles, department code, clearance)
COLLEAGUES = {
    # A second customer-service supervisor: approves what "supervisor" confirmed.
    "manager.service": ("supervisor", "service", "confidential"),
    # A supervisor outside the customer-service department.
    "supervisor.sales": ("supervisor", "sales", "confidential"),
    # A second member of the GM office and of the legal office.
    "gm.deputy": ("gm_office", "gm", "secret"),
    "legal.deputy": ("legal", "legal", "secret"),
    # One person holding two roles: may submit a contract for review and approve quotes,
    # propose penalty notices and decide them.
    "gm.supervisor": ("supervisor gm_office", "service", "secret"),
    # … and one who may request a loan and give the legal office's approval.
    "legal.supervisor": ("supervisor legal", "service", "secret"),
}


@pytest.fixture(name="colleagues")
def colleagues_fixture(app, world) -> dict[str, int]:
    """Create the ``COLLEAGUES`` unless they exist; their ids by username. (A test's
    ``clean`` fixture may delete them with the rows it added: they come back here.)"""
    with app.app_context():
        for username, (roles, department, clearance) in COLLEAGUES.items():
            user = db.session.scalar(sa.select(AppUser).where(AppUser.username == username))
            if user is None:
                user = AppUser(username=username, full_name=username, roles=roles,
                               department_id=world.departments[department],
                               clearance=clearance)
                user.set_password("test-password-1")
                db.session.add(user)
                db.session.commit()
            world.users[username] = user.id
        db.session.remove()
    return {name: world.users[name] for name in COLLEAGUES}
