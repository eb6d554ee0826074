"""Upgrading a database where the old forms stored an infinity (SQLite) or a NaN
(PostgreSQL): the value is cleared, the CHECKs are added, and the record's pages and the
table's search keep working (SQLite rebuilds the table: its triggers must come back)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from models import AppUser, Customer, db

from ..migration_support import app_before
from ..sessions import sign_in

REVISION = "0018_finite_numbers"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_app(request, tmp_path_factory):
    """An app on a database migrated up to the revision before this one."""
    yield from app_before(request, tmp_path_factory, REVISION, "finite")


def test_upgrade_clears_what_is_not_a_number_and_pages_keep_working(old_app):
    with old_app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        bad = "9e999" if sqlite else "'NaN'"  # what the old forms stored for 1e400 / NaN
        db.session.execute(sa.text(
            "INSERT INTO department (code, name, active) VALUES ('svc', '客服部', :t)"),
            {"t": True})
        department = db.session.execute(sa.text("SELECT id FROM department")).scalar_one()
        db.session.execute(sa.text(
            "INSERT INTO customer (code, name, kind, grade, credit_limit, annual_sales, "
            "department_id, level, version_id, created_at, updated_at) VALUES ('OLD-1', "
            f"'旧的客户甲', 'dealer', 'B', {bad}, 12.5, :d, 'internal', 1, :now, :now)"),
            {"now": "2026-01-05 01:00:00", "d": department})
        pk = db.session.execute(sa.text("SELECT id FROM customer")).scalar_one()
        db.session.commit()
        upgrade(revision="heads")
        old = db.session.get(Customer, pk)
        assert (old.credit_limit, old.annual_sales) == (None, 12.5)
        user = AppUser(username="gm", full_name="gm", roles="gm_office",
                       department_id=department,
                       clearance="secret")
        user.set_password("test-password-1")
        db.session.add(user)
        db.session.add(Customer(name="新的客户乙", kind="dealer", grade="B",
                                department_id=department, level="internal"))
        db.session.commit()
        user_id = user.id
        with pytest.raises(sa.exc.DBAPIError):  # the CHECK is there now
            db.session.execute(sa.text(f"UPDATE customer SET credit_limit = {bad}"))
        db.session.rollback()
        db.session.remove()
    client = old_app.test_client()
    sign_in(old_app, client, user_id, locale="en")
    details = client.get(f"/admin/customer/details/?id={pk}")
    assert details.status_code == 200 and "旧的客户甲" in details.get_data(as_text=True)
    for name in ("旧的客户甲", "新的客户乙"):  # full-text search: old rows and new ones
        found = client.get(f"/admin/customer/?search={name}").get_data(as_text=True)
        assert name in found.split("<tbody", 1)[-1], name
