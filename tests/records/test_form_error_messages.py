"""Form errors a clerk understands (issue 11, item 22).

A value the database cannot store used to come back as the exception's own text
(``date value out of range``, ``[<class 'decimal.InvalidOperation'>]``), or was kept
as typed on SQLite. Now each is refused on its field, with a translated message
naming the field, and nothing is saved; anything else failing on the save path shows
a plain message while the log keeps the detail.
"""
from __future__ import annotations

import decimal
import logging

import pytest
import sqlalchemy as sa

from bench.soak import FormReader
from models import REGISTRY, db

#: Text of exceptions that must never reach the page.
RAW = ("date value out of range", "InvalidOperation", "<class", "Traceback",
       "out of range for", "too large to convert", "Failed to create record. date")


def form_fields(client, path: str) -> dict:
    reader = FormReader()
    reader.feed(client.get(path).get_data(as_text=True))
    return reader.fields


def label_of(app, table: str, column: str) -> str:
    with app.test_request_context():  # zh_CN, the default locale
        return str(REGISTRY[table].__table__.c[column].info["label"])


def count(app, table: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(
            REGISTRY[table].__table__))


def assert_refused_naming(app, response, table: str, column: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 200  # the form again, with the user's input
    assert f"{label_of(app, table, column)}：" in body, "no message naming the field"
    assert not [raw for raw in RAW if raw in body]


def a_customer_id(client) -> str:
    found = client.get("/admin/complaint/ajax/lookup/?name=customer&query=").get_json()
    return str(found[0][0])


@pytest.mark.parametrize(("column", "value"), [
    ("annual_sales", "1e30"), ("annual_sales", "12.3.4"), ("credit_limit", "9" * 40),
    ("first_trade_date", "0001-01-01"), ("first_trade_date", "9999-12-31"),
    ("first_trade_date", "2026-02-30")])
def test_customer_form(app, client, login_as, column, value):
    login_as("clerk.sales")
    data = form_fields(client, "/admin/customer/new/")
    data.update(code=f"FORM-{column[:5]}-{len(value)}{value[:2]}", name="表单测试客户",
                **{column: value})
    before = count(app, "customer")
    assert_refused_naming(app, client.post("/admin/customer/new/", data=data),
                          "customer", column)
    assert count(app, "customer") == before


@pytest.mark.parametrize(("column", "value"), [
    ("received_at", "0001-01-01 00:00:00"), ("received_at", "9999-12-31 23:59:00"),
    ("quantity_affected", str(10**20))])
def test_complaint_form(app, client, login_as, column, value):
    login_as("clerk.sales")
    data = form_fields(client, "/admin/complaint/new/")
    if column not in data:
        pytest.skip(f"{column} is not on the registration form")
    data.update(customer=a_customer_id(client), complainant="张三", content="不制冷",
                **{column: value})
    before = count(app, "complaint")
    assert_refused_naming(app, client.post("/admin/complaint/new/", data=data),
                          "complaint", column)
    assert count(app, "complaint") == before


def test_edit_form_keeps_the_stored_value(app, client, login_as, world):
    login_as("clerk.sales")
    row = next(r for r in world.rows_of("customer")
               if r.department == "sales" and r.level == "internal")
    path = f"/admin/customer/edit/?id={row.id}"
    data = form_fields(client, path)
    data["annual_sales"] = "1" + "0" * 20
    assert_refused_naming(app, client.post(path, data=data), "customer", "annual_sales")
    with app.app_context():
        stored = db.session.get(REGISTRY["customer"], row.id).annual_sales
    assert stored is None or stored < 10**14


def test_any_other_failure_on_save_is_told_plainly_and_logged(app, client, login_as,
                                                              monkeypatch, caplog):
    """What no check foresaw: a plain message on the page, the exception in the log."""
    login_as("clerk.sales")
    view = next(v for v in app.extensions["admin"][0]._views
                if getattr(v, "endpoint", None) == "customer")

    def fail(*args, **kwargs):
        raise decimal.InvalidOperation([decimal.InvalidOperation])

    monkeypatch.setattr(view, "on_model_change", fail)
    # Alembic's fileConfig (the fixture migrates in-process) disables existing loggers.
    monkeypatch.setattr(app.logger, "disabled", False)
    data = form_fields(client, "/admin/customer/new/")
    data.update(code="FORM-UNFORESEEN", name="表单测试客户")
    before = count(app, "customer")
    with caplog.at_level(logging.ERROR):
        response = client.post("/admin/customer/new/", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "无法保存该记录" in body
    assert not [raw for raw in RAW if raw in body]
    assert count(app, "customer") == before
    assert any(record.exc_info and record.exc_info[0] is decimal.InvalidOperation
               for record in caplog.records)
