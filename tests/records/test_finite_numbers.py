"""Numbers are finite: ``1e400``, ``NaN``, ``Infinity`` and ``inf`` are refused on every
numeric field of every create form with a message naming the field, and by the database
(``ck_<table>_<column>_finite``) for anything that writes past the forms."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from models import REGISTRY, Customer, ReturnLine, db

from ..test_workflow_support import clean_fixture  # noqa: F401  (fixture)

BAD = ("1e400", "-1e400", "NaN", "Infinity", "inf")


def _service(world, table: str) -> str:
    return str(next(r.id for r in world.rows_of(table)
                    if r.department == "service" and r.level == "internal"))


#: table -> (user, a complete create form, the field that carries the test's marker)
def base_forms(world) -> dict:
    common = {"department": str(world.departments["service"]), "level": "internal"}
    customer = _service(world, "customer")
    return {
        "customer": ("clerk.service", {"kind": "dealer", "grade": "B", **common}, "name"),
        "contract": ("clerk.service", {"customer": customer, "kind": "sales",
                                       "currency": "CNY", **common}, "title"),
        "complaint": ("clerk.service", {
            "customer": customer, "received_at": "2026-10-09 09:30:00", "channel": "phone",
            "kind": "quality", "severity": "general", **common}, "content"),
        "penalty": ("supervisor", {"responsible_person": "张三", "kind": "fine", **common},
                    "reason"),
        "return_slip": ("clerk.service", {
            "customer": customer, "quality_problem": "y", "within_warranty": "y",
            "lines-0-product": "浓缩洗衣液",
            "lines-0-quantity_claimed": "24", **common}, "remarks"),
        # The customer profile and grading (issue 14).
        "grading_review": ("supervisor", {"customer": customer, "trend": "stable",
                                          "grade": "B", **common}, "reasons"),
        "customer_year_sales": ("clerk.service", {"customer": customer, "year": "2019",
                                                  "sales": "1", **common}, "remarks"),
        "credit_incident": ("clerk.service", {"customer": customer,
                                              "occurred_on": "2026-05-01",
                                              "kind": "late_payment", **common},
                            "description"),
    }


def numeric_form_fields() -> list[tuple[str, str, object, str]]:
    """(table, form field, model holding the column, column) for every numeric field of
    every create form, inline rows included, read from the models' declarations."""
    found = []
    for table, model in REGISTRY.items():
        admin = getattr(model, "Admin", None)
        names = getattr(admin, "create_columns", ()) or getattr(admin, "form_columns", ())
        columns = sa.inspect(model).columns
        for name in names:
            if name in columns and isinstance(columns[name].type, sa.Numeric) \
                    and not columns[name].info.get("readonly"):
                found.append((table, name, model, name))
        for relation in getattr(admin, "inline", ()):
            child = sa.inspect(model).relationships[relation].mapper.class_
            for column in sa.inspect(child).columns:
                if isinstance(column.type, sa.Numeric):
                    found.append((table, f"{relation}-0-{column.key}", child, column.key))
    return found


FIELDS = numeric_form_fields()


def test_every_numeric_form_field_is_covered(world):
    assert FIELDS and {table for table, *_ in FIELDS} <= set(base_forms(world))


def saved(app, model, marker_field: str, marker: str) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
            getattr(model, marker_field) == marker))
        db.session.remove()
        return count


@pytest.mark.parametrize("table, field, holder, column", FIELDS,
                         ids=[f"{t}.{f}" for t, f, *_ in FIELDS])
def test_non_finite_numbers_are_refused_naming_the_field(app, world, clean, client_as,
                                                         table, field, holder, column):
    user, form, marker_field = base_forms(world)[table]
    model = REGISTRY[table]
    label = str(sa.inspect(holder).columns[column].info["label"])
    client = client_as(user)
    for value in BAD:
        marker = f"非有限数 {field} {value}"
        response = client.post(f"/admin/{table}/new/",
                               data={**form, marker_field: marker, field: value})
        assert response.status_code == 200, value
        body = response.get_data(as_text=True)
        assert f"{label}: enter a number." in body or \
            f"{label}: the number is too large." in body, value
        assert saved(app, model, marker_field, marker) == 0, value
    # The same form with an ordinary number saves: the refusals above were the number's.
    response = client.post(f"/admin/{table}/new/",
                           data={**form, marker_field: "有限数", field: "12.5"})
    assert response.status_code == 302
    assert saved(app, model, marker_field, "有限数") == 1


def numeric_columns() -> list[tuple[str, str]]:
    return [(table.name, column.name) for table in db.metadata.sorted_tables
            for column in table.columns if isinstance(column.type, sa.Numeric)]


@pytest.mark.parametrize("table, column", numeric_columns())
@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"),
                                   Decimal("1e400"), float("nan")], ids=str)
def test_the_database_refuses_what_is_not_a_number(app, world, table, column, value):
    """Written past the forms (a script, the ORM): the column's CHECK refuses it."""
    with app.app_context():
        if table == "return_line":
            record = ReturnLine(slip_id=int(_service(world, "return_slip")), product="x",
                                quantity_claimed=Decimal(1))
            db.session.add(record)
        else:
            model = REGISTRY[table]
            record = db.session.get(model, int(_service(world, table)))
        setattr(record, column, value)
        with pytest.raises(DBAPIError):
            db.session.flush()
        db.session.rollback()
        db.session.remove()


def test_a_new_record_with_nan_is_refused_by_the_database(app, world):
    with app.app_context():
        db.session.add(Customer(name="NaN 客户", kind="dealer", grade="B",
                                credit_limit=Decimal("NaN"), level="internal",
                                department_id=world.departments["service"]))
        with pytest.raises(DBAPIError):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).where(
            Customer.name == "NaN 客户")) == 0
        db.session.remove()
