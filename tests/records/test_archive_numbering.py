"""Archive numbers (档号) by a pattern the office can set: plain, typed class attributes
(``ArchiveFile.number_format``, ``property_number_format``, ``project_number_format``)
checked at start-up (records.E120) and by ``number_format_problem`` for anything that
lets the office change them; a changed pattern numbers the next files, the numbers
given stay; never twice, also at the same moment."""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from admin_views.checks import DeclarationError, check_number_formats
from models import ArchiveFile, Customer, Project, db
from models.numbering import number_format_problem

from ..test_workflow_support import clean_fixture, dept, row_of  # noqa: F401  (fixture)
from ..threads import run_at_once

SIZES = ArchiveFile.number_field_sizes()


@pytest.mark.parametrize(("pattern", "problem"), [
    ("{project}-{property}-{serial:02d}", None),
    ("{project}/{property}/{serial:04d}", None),
    ("{project}/{yyyy}/{property}/{serial:04d}", "gives numbers of up to 63 characters"),
    ("", "must be a non-empty text"),
    ("{project}-{property}", "must use {serial} exactly once"),
    ("{serial}{serial}{property}{project}", "must use {serial} exactly once"),
    ("{project}-{room}-{serial}", "uses {room}; it may use"),
    ("{project}-{serial:02d}", "must use {property}"),
    ("{project}-{property}-{serial:02x", "is not a valid pattern"),
    ("{project}-{property}-{serial:>99}", "gives numbers of up to 151 characters"),
    ("{project}-{property}-{serial:q}", "cannot be filled in"),
])
def test_a_pattern_is_checked_before_it_numbers_anything(pattern, problem):
    found = number_format_problem(pattern, SIZES, ("project", "property"), 60)
    assert (found is None) if problem is None else (problem in found), found


def test_the_shipped_patterns_pass_and_a_bad_one_stops_the_start(monkeypatch):
    check_number_formats(ArchiveFile)
    check_number_formats(Project)
    monkeypatch.setattr(ArchiveFile, "property_number_format", "{project}-{serial}")
    with pytest.raises(DeclarationError) as raised:
        check_number_formats(ArchiveFile)
    assert str(raised.value) == ("records.E120 ArchiveFile.property_number_format = "
                                 "'{project}-{serial}' must use {property}.")


def _file(world, **values) -> ArchiveFile:
    values.setdefault("customer_id", row_of(world, "customer").id)
    values.setdefault("category", "sales")
    return ArchiveFile(title="编号测试", retention="permanent", department_id=dept(world),
                       level="internal", **values)


def test_a_changed_pattern_numbers_the_next_files_only(app, world, clean, monkeypatch):
    project = row_of(world, "project").id
    with app.app_context():
        before = _file(world, project_id=project, property_no="7栋701")
        db.session.add(before)
        db.session.commit()
        old = before.number
        monkeypatch.setattr(ArchiveFile, "property_number_format",
                            "{project}/{property}/{serial:03d}")
        after = _file(world, project_id=project, property_no="7栋701")
        db.session.add(after)
        db.session.commit()
        code = db.session.get(Project, project).code
        assert re.fullmatch(rf"{code}-7栋701-\d\d", old)
        assert after.number == f"{code}/7栋701/001"
        assert db.session.get(ArchiveFile, before.id).number == old
        db.session.remove()


def test_a_new_project_and_its_first_file_in_one_save(app, world, clean):
    """The project gets its code first, whatever order the save holds them in."""
    with app.app_context():
        project = Project(name="同时登记的项目", department_id=dept(world), level="internal")
        record = _file(world, customer_id=None, project=project, category="project_docs")
        other = _file(world, project=project, property_no="1栋101")
        db.session.add_all([other, record, project])
        db.session.commit()
        assert re.fullmatch(r"XM\d{3}", project.code)
        assert record.number == f"{project.code}-WD001"
        assert other.number == f"{project.code}-1栋101-01"
        db.session.remove()


def test_a_long_property_number_is_counted_under_a_digest(app, world, clean):
    """The counter's key is short (``number_counter.scope``): a long prefix is kept by its
    digest, and each property still counts its own files."""
    project = row_of(world, "project").id
    long_one = "碧水湾花园二期商业街东区3栋1单元1501号商铺"
    other = long_one.replace("1501", "1502")
    with app.app_context():
        made = [_file(world, project_id=project, property_no=p)
                for p in (long_one, long_one, other)]
        for record in made:
            db.session.add(record)
            db.session.commit()
        assert [r.number[-2:] for r in made] == ["01", "02", "01"]
        db.session.remove()


def test_concurrent_files_of_one_property_get_distinct_numbers(app, world, clean):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrent registrations are proved on PostgreSQL")
    clerks, project = 6, row_of(world, "project").id
    barrier = threading.Barrier(clerks)

    def register():
        with app.app_context():
            record = _file(world, project_id=project, property_no="9栋同时")
            db.session.add(record)
            barrier.wait(timeout=30)
            db.session.commit()
            number = record.number
            db.session.remove()
            return number

    numbers = run_at_once(*[register] * clerks)
    assert sorted(int(n[-2:]) for n in numbers) == list(range(1, clerks + 1))


def test_the_customer_stays_unnumbered_by_property(app, world, clean):
    """A customer's code keeps its own pattern: the generic numbering is unchanged."""
    with app.app_context():
        customer = Customer(name="编号不变", kind="dealer", grade="B",
                            department_id=dept(world), level="internal")
        db.session.add(customer)
        db.session.commit()
        assert re.fullmatch(r"KH\d{5}", customer.code)
        assert db.session.scalar(sa.select(Customer.code).where(
            Customer.id == customer.id)) == customer.code
        db.session.remove()
