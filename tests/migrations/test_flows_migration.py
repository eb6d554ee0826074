"""Migration 0026 on a database of the revision before: customer files below company C
are raised to 内部 and every customer's file becomes permanent (001 篇7 5.1.5, 5.12.1);
the penalty distribution columns come empty."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from models import db

from ..migration_support import app_before, department_and_customer

REVISION = "0026_regulation_flows"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_app(request, tmp_path_factory):
    """An app on a database migrated up to the revision before this one."""
    yield from app_before(request, tmp_path_factory, REVISION, "flows")


def test_customer_files_become_company_c_and_permanent(old_app):
    with old_app.app_context():
        run = db.session.execute
        now = {"now": "2026-01-05 01:00:00"}
        department, customer = department_and_customer(run, now)
        for title, level, retention in (("公开十年", "public", "10y"),
                                        ("秘密三十年", "secret", "30y"),
                                        ("内部永久", "internal", "permanent")):
            run(sa.text("INSERT INTO archive_file (customer_id, category, title, retention, "
                        "status, department_id, level, version_id, created_at, updated_at) "
                        "VALUES (:c, 'sales', :title, :r, 'with_department', :d, :level, 1, "
                        ":now, :now)"), {**now, "c": customer, "title": title, "r": retention,
                                         "d": department, "level": level})
        db.session.commit()
        upgrade(revision="heads")
        rows = run(sa.text("SELECT title, level, retention FROM archive_file "
                           "ORDER BY title")).all()
        assert sorted(tuple(r) for r in rows) == sorted([
            ("公开十年", "internal", "permanent"), ("秘密三十年", "secret", "permanent"),
            ("内部永久", "internal", "permanent")])
        # Its full-text triggers are still there (no table rebuild): a file added
        # after the upgrade is found.
        if db.engine.dialect.name == "sqlite":
            run(sa.text("INSERT INTO archive_file (customer_id, category, title, retention, "
                        "status, department_id, level, version_id, created_at, updated_at) "
                        "VALUES (:c, 'sales', '升级后新建档案', 'permanent', "
                        "'with_department', :d, 'internal', 1, :now, :now)"),
                {**now, "c": customer, "d": department})
            found = run(sa.text("SELECT count(*) FROM archive_file_fts "
                                "WHERE archive_file_fts MATCH '\"升级后新建\"'")).scalar()
            assert found == 1
        db.session.remove()
