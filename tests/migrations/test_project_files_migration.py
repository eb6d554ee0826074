"""Migration 0032 on a database of the revision before: every archive number stays as it
was, loans and cross-references keep their files, the full-text search still finds old
and new files (SQLite rebuilds the table), and a project file fits the new table."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from models import db

from ..migration_support import app_before

REVISION = "0032_project_files"
NOW = {"now": "2026-01-05 01:00:00"}


@pytest.fixture(params=["sqlite", "postgresql"])
def old_app(request, tmp_path_factory):
    """An app on a database migrated up to the revision before this one."""
    yield from app_before(request, tmp_path_factory, REVISION, "projects")


def _old_rows(run) -> dict[str, int]:
    """A department, a customer, two numbered files referring to each other, a user and
    a loan of the first file, as the old schema has them."""
    run(sa.text("INSERT INTO department (code, name, active) VALUES ('svc', '客服部', :t)"),
        {"t": True})
    ids = {"department": run(sa.text("SELECT id FROM department")).scalar_one()}
    run(sa.text("INSERT INTO customer (code, name, kind, grade, department_id, level, "
                "version_id, created_at, updated_at) VALUES ('KH1', '甲公司', 'dealer', 'B', "
                ":d, 'internal', 1, :now, :now)"), {**NOW, "d": ids["department"]})
    ids["customer"] = run(sa.text("SELECT id FROM customer")).scalar_one()
    for number, title in (("DA202600001", "甲公司销售档案"), ("DA202600002", "甲公司维修档案")):
        run(sa.text("INSERT INTO archive_file (number, customer_id, category, title, "
                    "retention, status, department_id, level, version_id, created_at, "
                    "updated_at) VALUES (:n, :c, 'sales', :t, 'permanent', 'in_archive', :d, "
                    "'internal', 1, :now, :now)"),
            {**NOW, "n": number, "t": title, "c": ids["customer"], "d": ids["department"]})
    files = run(sa.text("SELECT id FROM archive_file ORDER BY number")).scalars().all()
    ids["file"], ids["other"] = files
    run(sa.text("INSERT INTO archive_reference (from_id, to_id) VALUES (:a, :b)"),
        {"a": ids["file"], "b": ids["other"]})
    run(sa.text("INSERT INTO app_user (username, full_name, password_hash, roles, "
                "department_id, clearance, active, created_at, session_version) VALUES "
                "('u', '用户', 'x', 'clerk', :d, 'internal', :t, :now, 1)"),
        {**NOW, "d": ids["department"], "t": True})
    ids["user"] = run(sa.text("SELECT id FROM app_user")).scalar_one()
    run(sa.text("INSERT INTO loan (archive_file_id, borrower_id, purpose, mode, due_date, "
                "status, department_id, level, version_id, created_at, updated_at, "
                "needs_legal) VALUES (:f, :u, '查阅', 'read', '2026-02-01', 'requested', :d, "
                "'internal', 1, :now, :now, :f0)"),
        {**NOW, "f": ids["file"], "u": ids["user"], "d": ids["department"], "f0": False})
    return ids


def test_numbers_loans_and_search_survive(old_app):
    with old_app.app_context():
        run = db.session.execute
        ids = _old_rows(run)
        db.session.commit()
        upgrade(revision="heads")
        rows = run(sa.text("SELECT id, number, customer_id, project_id, property_no "
                           "FROM archive_file ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            (ids["file"], "DA202600001", ids["customer"], None, None),
            (ids["other"], "DA202600002", ids["customer"], None, None)]
        assert run(sa.text("SELECT archive_file_id FROM loan")).scalar_one() == ids["file"]
        assert run(sa.text("SELECT to_id FROM archive_reference")).scalar_one() == ids["other"]
        # A project file: no customer, a project, a long number by property.
        run(sa.text("INSERT INTO project (code, name, department_id, level, version_id, "
                    "created_at, updated_at) VALUES ('XM001', '碧水湾花园', :d, 'internal', 1, "
                    ":now, :now)"), {**NOW, "d": ids["department"]})
        project = run(sa.text("SELECT id FROM project")).scalar_one()
        number = "XM001-" + "碧水湾花园3栋1单元1501号商铺" + "-01"
        run(sa.text("INSERT INTO archive_file (number, project_id, category, title, "
                    "retention, status, department_id, level, version_id, created_at, "
                    "updated_at) VALUES (:n, :p, 'project_docs', '升级后项目文档', '30y', "
                    "'with_department', :d, 'internal', 1, :now, :now)"),
            {**NOW, "n": number, "p": project, "d": ids["department"]})
        if db.engine.dialect.name == "sqlite":
            search = ("SELECT count(*) FROM archive_file_fts "
                      "WHERE archive_file_fts MATCH :term")
            assert run(sa.text(search), {"term": '"甲公司销售"'}).scalar() == 1
            assert run(sa.text(search), {"term": '"升级后项目"'}).scalar() == 1
        # Still: a file names a customer or a project; the categories are checked.
        for values in ("NULL, 'sales'", f"{project}, 'unknown'"):
            with pytest.raises(sa.exc.IntegrityError):
                with db.session.begin_nested():
                    run(sa.text("INSERT INTO archive_file (project_id, category, title, "
                                "retention, status, department_id, level, version_id, "
                                "created_at, updated_at) VALUES (" + values + ", '无主', "
                                "'permanent', 'with_department', :d, 'internal', 1, :now, "
                                ":now)"), {**NOW, "d": ids["department"]})
        db.session.rollback()
        db.session.remove()
