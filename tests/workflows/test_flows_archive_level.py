"""Customer archive files as 001 篇7 has them: 客户资料密级统一定为公司C级 (5.1.5) — a
file is at 内部（公司C级） by default and never below; any other level is the GM office's
decision, at creation too (anyone else gets C, and the level they chose waits for the GM
office as a level-change request) — and 客户资料属于公司永久保存的档案 (5.12.1): a
customer's file is kept permanently."""
from __future__ import annotations

import itertools

import sqlalchemy as sa

from models import ArchiveFile, db

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    dept,
    fetch,
    make_file,
    row_of,
    step,
    text,
    user_client_fixture,
)

SERIAL = itertools.count(1)


def new_file(client, world, department="service", **values):
    """Post the new-file form; (the page shown after it, the file's id or None)."""
    title = f"客户销售档案 {next(SERIAL)}"
    form = {"customer": str(row_of(world, "customer", department).id), "category": "sales",
            "title": title, "retention": "permanent",
            "department": str(dept(world, department)), "level": "internal", **values}
    page = text(client.post("/admin/archive_file/new/", data=form, follow_redirects=True))
    with client.application.app_context():
        pk = db.session.scalar(sa.select(ArchiveFile.id).where(ArchiveFile.title == title))
        db.session.remove()
    return page, pk


def test_a_new_file_starts_at_company_c_and_permanent(app, world, clean, user_client):
    form = text(user_client("supervisor").get("/admin/archive_file/new/"))
    assert 'value="internal" selected' in form.replace("selected=\"selected\"", "selected") \
        or '<option selected value="internal">' in form
    _page, pk = new_file(user_client("supervisor"), world)
    assert fetch(app, ArchiveFile, pk, "level", "retention") == ("internal", "permanent")


def test_a_supervisors_higher_level_waits_for_the_gm_office(app, world, clean, user_client):
    page, pk = new_file(user_client("supervisor"), world, level="confidential")
    assert "The file is kept at Internal (company C)" in page
    assert "is asked of the GM office" in page
    assert fetch(app, ArchiveFile, pk, "level", "requested_level",
                 "level_requested_by_id") == ("internal", "confidential",
                                              world.users["supervisor"])
    assert fetch(app, ArchiveFile, pk, "level_requested_at") is not None
    gm = user_client("gm")
    assert 'value="change_level"' in text(gm.get(f"/admin/archive_file/details/?id={pk}"))
    assert "Done" in text(step(gm, "archive_file", pk, "change_level",
                               requested_level="confidential",
                               level_decision_reason="含合同价格，同意提高密级"))
    assert fetch(app, ArchiveFile, pk, "level", "level_decided_by_id") == (
        "confidential", world.users["gm"])


def test_the_gm_office_decides_a_level_on_its_own_edit(app, world, clean, user_client):
    """The GM office creates no files; it decides levels, by the steps or its own edit."""
    pk = make_file(app, world, status="with_department")
    form = {"customer": str(fetch(app, ArchiveFile, pk, "customer_id")), "category": "sales",
            "title": "诉讼相关销售档案", "retention": "permanent",
            "department": str(dept(world)), "level": "secret"}
    user_client("gm").post(f"/admin/archive_file/edit/?id={pk}", data=form)
    assert fetch(app, ArchiveFile, pk, "level") == "secret"


def test_no_file_below_company_c(app, world, clean, user_client):
    for username in ("clerk.service", "supervisor"):
        page, pk = new_file(user_client(username), world, level="public")
        assert "Confidentiality: a customer file is at least Internal (company C)." in page
        assert pk is None
    pk = make_file(app, world, level="internal")
    gm = user_client("gm")
    form = {"customer": str(fetch(app, ArchiveFile, pk, "customer_id")), "category": "sales",
            "title": "降为公开", "retention": "permanent",
            "department": str(dept(world)), "level": "public"}
    page = text(gm.post(f"/admin/archive_file/edit/?id={pk}", data=form,
                        follow_redirects=True))
    assert "a customer file is at least Internal (company C)" in page
    assert fetch(app, ArchiveFile, pk, "level", "title") == ("internal",
                                                             fetch(app, ArchiveFile, pk,
                                                                   "title"))
    assert fetch(app, ArchiveFile, pk, "title") != "降为公开"
    asked = text(step(user_client("supervisor"), "archive_file", pk, "request_level_change",
                      requested_level="public", level_change_reason="可公开"))
    assert "Level asked for: a customer file is at least Internal (company C)." in asked
    assert fetch(app, ArchiveFile, pk, "requested_level") is None


def test_a_customers_file_is_kept_permanently(app, world, clean, user_client):
    for username, retention in (("supervisor", "10y"), ("clerk.service", "30y")):
        page, pk = new_file(user_client(username), world, retention=retention)
        assert "Retention period: a customer's file is kept permanently" in page
        assert pk is None
    pk = make_file(app, world, status="with_department")
    form = {"customer": str(fetch(app, ArchiveFile, pk, "customer_id")), "category": "sales",
            "title": "改为十年", "retention": "10y", "department": str(dept(world)),
            "level": "internal"}
    page = text(user_client("supervisor").post(f"/admin/archive_file/edit/?id={pk}",
                                               data=form, follow_redirects=True))
    assert "Retention period: a customer's file is kept permanently" in page
    assert fetch(app, ArchiveFile, pk, "retention") == "permanent"


def test_a_file_recorded_before_the_rule_still_moves(app, world, clean, user_client):
    """A file kept at 公开 / 10年 before this rule (migration 0026 raises those it finds)
    is refused nothing else: its steps go on."""
    pk = make_file(app, world, status="with_department", level="public", retention="10y")
    assert "Done" in text(step(user_client("clerk.service"), "archive_file", pk,
                               "transfer"))
    assert fetch(app, ArchiveFile, pk, "status") == "transferred"
