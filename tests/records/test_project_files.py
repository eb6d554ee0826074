"""Project files (项目文档, 001 篇7 5.8): archive files of a project that belong to no
customer, kept 30 years, 10 years or permanently as chosen, at company C at least like
every file; customer files stay permanent. Their archive numbers, and those of a
customer's file about one property, are made of the project's code and the property
number (5.10.1 具体房号) by the system."""
from __future__ import annotations

import itertools
import re

import sqlalchemy as sa

from models import ArchiveFile, Loan, Project, db

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    dept,
    fetch,
    make_file,
    make_loan,
    row_of,
    step,
    text,
    user_client_fixture,
)

SERIAL = itertools.count(1)


def project_of(app, world, level="internal", department="service") -> tuple[int, str]:
    """A world project's id and its system code."""
    pk = row_of(world, "project", department, level).id
    return pk, fetch(app, Project, pk, "code")


def new_file(client, world, **values):
    """Post the new-file form as a project file of the service department's internal
    project unless ``values`` say otherwise; (page shown after it, the new file's id)."""
    title = f"项目文档 {next(SERIAL)}"
    form = {"project": str(row_of(world, "project").id), "category": "project_docs",
            "title": title, "retention": "30y", "department": str(dept(world)),
            "level": "internal", **values}
    page = text(client.post("/admin/archive_file/new/", data=form, follow_redirects=True))
    with client.application.app_context():
        pk = db.session.scalar(sa.select(ArchiveFile.id).where(ArchiveFile.title == title))
        db.session.remove()
    return page, pk


def test_a_project_gets_the_systems_code(app, world, clean, user_client):
    supervisor = user_client("supervisor")
    form = supervisor.get("/admin/project/new/").get_data(as_text=True)
    assert 'name="code"' not in form
    for name in ("丽景苑", "海悦花园"):
        response = supervisor.post("/admin/project/new/", data={
            "name": name, "department": str(dept(world)), "level": "internal",
            "code": "MINE-1"})
        assert response.status_code == 302
    with app.app_context():
        codes = db.session.scalars(sa.select(Project.code).where(
            Project.name.in_(("丽景苑", "海悦花园"))).order_by(Project.id)).all()
        db.session.remove()
    assert all(re.fullmatch(r"XM\d{3}", code) for code in codes)
    assert int(codes[1][2:]) == int(codes[0][2:]) + 1


def test_a_project_file_is_kept_for_the_period_chosen(app, world, clean, user_client):
    supervisor = user_client("supervisor")
    _project, code = project_of(app, world)
    numbers = []
    for retention in ("30y", "10y", "permanent"):
        _page, pk = new_file(supervisor, world, retention=retention)
        assert pk is not None
        assert fetch(app, ArchiveFile, pk, "retention", "customer_id", "level") == (
            retention, None, "internal")
        numbers.append(fetch(app, ArchiveFile, pk, "number"))
    # The project's code and the serial of its project files: XM001-WD001, -WD002…
    serials = [int(re.fullmatch(rf"{code}-WD(\d{{3}})", n).group(1)) for n in numbers]
    assert serials == [serials[0], serials[0] + 1, serials[0] + 2]


def test_a_customer_file_stays_permanent_even_with_a_project(app, world, clean,
                                                            user_client):
    page, pk = new_file(user_client("supervisor"), world, category="sales",
                        customer=str(row_of(world, "customer").id), retention="10y")
    assert pk is None
    assert "Retention period: a customer's file is kept permanently" in page


def test_a_file_names_a_customer_or_a_project(app, world, clean, user_client):
    page, pk = new_file(user_client("clerk.service"), world, project="")
    assert pk is None
    assert ("Customer: choose the customer, or the project of a project file that belongs "
            "to no customer.") in page
    page, pk = new_file(user_client("clerk.service"), world, project="",
                        customer=str(row_of(world, "customer").id), category="sales",
                        retention="permanent", property_no="3栋1单元1501")
    assert pk is None
    assert "Project: choose the project the property belongs to." in page


def test_the_database_refuses_a_file_of_nobody(app, world, clean):
    with app.app_context():
        db.session.add(ArchiveFile(title="无主档案", department_id=dept(world),
                                   level="internal", number="DA-NOBODY"))
        try:
            db.session.flush()
            raised = None
        except sa.exc.IntegrityError as exc:
            raised = exc
        db.session.rollback()
        db.session.remove()
    assert raised is not None and "customer_or_project" in str(raised)


def test_categories_of_project_files_and_customer_files(app, world, clean, user_client):
    supervisor = user_client("supervisor")
    page, pk = new_file(supervisor, world, category="sales")
    assert pk is None
    assert "Category: a project file is one of" in page
    page, pk = new_file(supervisor, world, category="major_event", retention="permanent",
                        customer=str(row_of(world, "customer").id))
    assert pk is None
    assert "Category: Major complaint or event is for project files" in page
    for category in ("major_event", "lease", "other"):
        _page, pk = new_file(supervisor, world, category=category)
        assert fetch(app, ArchiveFile, pk, "category") == category


def test_a_project_file_is_company_c_at_least(app, world, clean, user_client):
    page, pk = new_file(user_client("supervisor"), world, level="public")
    assert pk is None
    assert "Confidentiality: an archive file is at least Internal (company C)." in page
    page, pk = new_file(user_client("supervisor"), world, level="confidential")
    assert "The file is kept at Internal (company C): archive files are company C" in page
    assert fetch(app, ArchiveFile, pk, "level", "requested_level") == (
        "internal", "confidential")
    gm = user_client("gm")
    step(gm, "archive_file", pk, "change_level", requested_level="confidential",
         level_decision_reason="含未公开的项目规划")
    assert fetch(app, ArchiveFile, pk, "level") == "confidential"


def test_a_customers_files_are_numbered_by_property(app, world, clean, user_client):
    supervisor = user_client("supervisor")
    _project, code = project_of(app, world)
    customer = str(row_of(world, "customer").id)
    numbers = []
    for category, prop in (("sales", "3栋1单元1501"), ("maintenance", "3栋1单元1501"),
                           ("sales", "5栋102")):
        _page, pk = new_file(supervisor, world, customer=customer, category=category,
                             retention="permanent", property_no=prop)
        numbers.append(fetch(app, ArchiveFile, pk, "number"))
    first, second, other = numbers
    assert re.fullmatch(rf"{code}-3栋1单元1501-\d{{2}}", first)
    assert second[:-2] == first[:-2] and int(second[-2:]) == int(first[-2:]) + 1
    assert re.fullmatch(rf"{code}-5栋102-01", other)
    # A customer's file with no property keeps the year serial.
    _page, pk = new_file(supervisor, world, customer=customer, category="sales",
                         retention="permanent", project="")
    assert re.fullmatch(r"DA\d{4}\d{5}", fetch(app, ArchiveFile, pk, "number"))


def test_a_number_by_property_stays_with_its_property(app, world, clean, user_client):
    supervisor = user_client("supervisor")
    customer = str(row_of(world, "customer").id)
    _page, pk = new_file(supervisor, world, customer=customer, category="sales",
                         retention="permanent", property_no="8栋808")
    number = fetch(app, ArchiveFile, pk, "number")
    form = {"customer": customer, "project": str(row_of(world, "project").id),
            "property_no": "9栋909", "category": "sales", "title": "改房号",
            "retention": "permanent", "department": str(dept(world)), "level": "internal"}
    page = text(supervisor.post(f"/admin/archive_file/edit/?id={pk}", data=form,
                                follow_redirects=True))
    assert f"archive number {number} was given for this project and property" in page
    assert fetch(app, ArchiveFile, pk, "number", "property_no") == (number, "8栋808")


def test_a_number_by_property_stays_with_its_project(app, world, clean, user_client):
    """Re-pointing the file to another project would make its number lie: refused."""
    supervisor = user_client("supervisor")
    customer = str(row_of(world, "customer").id)
    _page, pk = new_file(supervisor, world, customer=customer, category="sales",
                         retention="permanent", property_no="6栋606")
    number = fetch(app, ArchiveFile, pk, "number")
    other = row_of(world, "project", "sales", "internal").id
    form = {"customer": customer, "project": str(other), "property_no": "6栋606",
            "category": "sales", "title": "改项目", "retention": "permanent",
            "department": str(dept(world)), "level": "internal"}
    page = text(supervisor.post(f"/admin/archive_file/edit/?id={pk}", data=form,
                                follow_redirects=True))
    assert f"archive number {number} was given for this project and property" in page
    assert fetch(app, ArchiveFile, pk, "project_id") == row_of(world, "project").id


def test_a_project_file_given_a_customer_becomes_permanent_or_is_refused(
        app, world, clean, user_client):
    supervisor = user_client("supervisor")
    _page, pk = new_file(supervisor, world, category="other", retention="10y")
    form = {"customer": str(row_of(world, "customer").id),
            "project": str(row_of(world, "project").id), "category": "other",
            "title": "转为客户档案", "retention": "10y", "department": str(dept(world)),
            "level": "internal"}
    page = text(supervisor.post(f"/admin/archive_file/edit/?id={pk}", data=form,
                                follow_redirects=True))
    assert "Retention period: a customer's file is kept permanently" in page
    assert fetch(app, ArchiveFile, pk, "customer_id", "retention") == (None, "10y")


def test_an_old_number_stays_when_a_property_is_added(app, world, clean, user_client):
    pk = make_file(app, world, status="with_department", number="DA202500007")
    form = {"customer": str(fetch(app, ArchiveFile, pk, "customer_id")),
            "project": str(row_of(world, "project").id), "property_no": "1栋101",
            "category": "sales", "title": "补录房号", "retention": "permanent",
            "department": str(dept(world)), "level": "internal"}
    user_client("supervisor").post(f"/admin/archive_file/edit/?id={pk}", data=form)
    assert fetch(app, ArchiveFile, pk, "number", "property_no") == ("DA202500007", "1栋101")


def test_a_project_file_is_lent_like_any_file(app, world, clean, user_client):
    project, _code = project_of(app, world)
    pk = make_file(app, world, customer_id=None, project_id=project,
                   category="project_docs", retention="30y")
    clerk = user_client("clerk.service")
    response = clerk.post("/admin/loan/new/", data={
        "archive_file": str(pk), "borrower": str(world.users["clerk.service"]),
        "purpose": "查阅入伙通知书范本", "mode": "read",
        "due_date": "2099-01-31", "department": str(dept(world))})
    assert response.status_code == 302
    with app.app_context():
        loan = db.session.scalar(sa.select(Loan.id).where(Loan.archive_file_id == pk))
        db.session.remove()
    gm = user_client("gm")
    step(gm, "loan", loan, "approve")
    step(gm, "loan", loan, "lend")
    assert fetch(app, Loan, loan, "status") == "lent"
    assert fetch(app, ArchiveFile, pk, "status") == "on_loan"
    step(gm, "loan", loan, "return_file")
    assert fetch(app, ArchiveFile, pk, "status") == "in_archive"


def test_a_secret_project_file_needs_the_legal_office_too(app, world, clean, user_client):
    project, _code = project_of(app, world, level="secret", department="service")
    pk = make_file(app, world, customer_id=None, project_id=project,
                   category="major_event", retention="permanent", level="secret")
    loan = make_loan(app, world, pk, borrower="supervisor", requested_by_id=None)
    gm = user_client("gm")
    assert "legal office approves this loan first" in text(step(gm, "loan", loan, "approve"))
    step(user_client("legal"), "loan", loan, "legal_approve")
    step(gm, "loan", loan, "approve")
    assert fetch(app, Loan, loan, "status", "level") == ("approved", "secret")


def test_a_hidden_project_is_not_offered_nor_taken(app, world, clean, user_client):
    """A clerk (内部) does not find a secret project in the look-up, and a posted id of
    one saves nothing."""
    clerk = user_client("clerk.service")
    secret = row_of(world, "project", "service", "secret")
    found = clerk.get("/admin/archive_file/ajax/lookup/?name=project&query=").get_json()
    assert secret.id not in [item[0] for item in found]
    _page, pk = new_file(clerk, world, project=str(secret.id))
    assert pk is None


def test_a_property_number_too_long_is_refused_on_its_field(app, world, clean, user_client):
    page, pk = new_file(user_client("supervisor"), world, category="sales",
                        customer=str(row_of(world, "customer").id), retention="permanent",
                        property_no="碧" * 41)
    assert pk is None
    assert "Property no." in page and "40" in page


def test_a_file_numbered_by_property_is_edited_as_usual(app, world, clean, user_client):
    supervisor = user_client("supervisor")
    customer, project = str(row_of(world, "customer").id), str(row_of(world, "project").id)
    _page, pk = new_file(supervisor, world, customer=customer, category="sales",
                         retention="permanent", property_no="2栋202")
    number = fetch(app, ArchiveFile, pk, "number")
    form = {"customer": customer, "project": project, "property_no": "2栋202",
            "category": "sales", "title": "只改题名", "retention": "permanent",
            "department": str(dept(world)), "level": "internal"}
    response = supervisor.post(f"/admin/archive_file/edit/?id={pk}", data=form)
    assert response.status_code == 302
    assert fetch(app, ArchiveFile, pk, "title", "number") == ("只改题名", number)
