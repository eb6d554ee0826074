"""Issue 16 item 4: a contract's currency is read by its name (人民币, 美元), on the list,
the details page, the form and the export; the API and the database keep the ISO code,
and a code outside the list is refused with the field named, nothing saved."""
from __future__ import annotations

import csv
import io

import pytest

from models import Contract, db

from ..api_support import bearer, fields_of, make_token
from ..world import extra_rows

MARK = "CURRENCY-NAMES-1"


@pytest.fixture
def contracts(app, world):
    """A draft contract in renminbi and one in US dollars, of the service department."""
    customer = next(r.id for r in world.rows_of("customer")
                    if r.department == "service" and r.level == "internal")
    common = {"customer_id": customer, "department_id": world.departments["service"],
              "level": "internal", "kind": "sales"}
    with extra_rows(app, Contract, [{**common, "title": f"{MARK} 人民币合同"},
                                    {**common, "title": f"{MARK} 美元合同",
                                     "currency": "USD"}]) as ids:
        yield ids


def cells(body: str) -> str:
    return body[body.index("<tbody"):]


def test_list_details_and_form_name_the_currency(client, login_as, contracts):
    login_as("supervisor")
    rows = cells(client.get(f"/admin/contract/?search={MARK}").get_data(as_text=True))
    assert ">人民币<" in rows and ">美元<" in rows
    assert "CNY" not in rows and "USD" not in rows
    details = client.get(f"/admin/contract/details/?id={contracts[0]}").get_data(as_text=True)
    assert "人民币" in details and "CNY" not in cells(details)
    form = client.get(f"/admin/contract/edit/?id={contracts[1]}").get_data(as_text=True)
    assert '<option selected value="USD">美元</option>' in form \
        or '<option value="USD" selected>美元</option>' in form
    assert ">港币</option>" in form and ">欧元</option>" in form
    client.post("/lang/en")
    english = cells(client.get(f"/admin/contract/?search={MARK}").get_data(as_text=True))
    assert ">Renminbi<" in english and ">US dollar<" in english


def test_the_export_names_the_currency(client, login_as, contracts):
    login_as("supervisor")
    response = client.get(f"/admin/contract/export/csv/?search={MARK}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    column = rows[0].index("币种")
    assert sorted(row[column] for row in rows[1:]) == ["人民币", "美元"]


def test_the_api_keeps_the_code_and_refuses_an_unknown_one(app, client, world, contracts):
    secret = make_token(app, world.users["supervisor"])
    path = f"/api/v1/contract/{contracts[0]}"
    read = client.get(path, headers=bearer(secret))
    assert read.status_code == 200 and read.get_json()["currency"] == "CNY"
    version = read.get_json()["version_id"]
    refused = client.patch(path, json={"currency": "RMB"},
                           headers=bearer(secret, **{"If-Match": f'"{version}"'}))
    assert refused.status_code == 422 and "currency" in fields_of(refused)
    done = client.patch(path, json={"currency": "HKD"},
                        headers=bearer(secret, **{"If-Match": f'"{version}"'}))
    assert done.status_code == 200 and done.get_json()["currency"] == "HKD"
    with app.app_context():
        assert db.session.get(Contract, contracts[0]).currency == "HKD"
        db.session.remove()


def test_the_form_refuses_an_unknown_currency_by_name(app, client, login_as, contracts):
    login_as("supervisor")
    with app.app_context():
        contract = db.session.get(Contract, contracts[0])
        form = {"title": contract.title, "kind": contract.kind, "currency": "RMB",
                "customer": str(contract.customer_id),
                "department": str(contract.department_id), "level": contract.level}
        db.session.remove()
    response = client.post(f"/admin/contract/edit/?id={contracts[0]}", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 200  # the form again, the message under the field
    assert body.index('id="currency"') < body.index("不是有效的选择") \
        < body.index('id="needs_review"')
    with app.app_context():
        assert db.session.get(Contract, contracts[0]).currency == "CNY"
        db.session.remove()
