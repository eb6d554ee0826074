"""Look-ups find a record by every short column its list search uses (issue 16 item 3):
the complaint form's customer field finds a customer by code, name, phone number or
contact person, within the user's visible customers."""
from __future__ import annotations

import pytest

from admin_views.factory import lookup_fields_of
from models import Complaint, Customer

from ..world import extra_rows


@pytest.fixture
def phoned_customer(app, world):
    row = {"code": "KH-LOOKUP-1", "name": "查找测试客户", "contact_person": "欧阳联系",
           "phone": "13912340001", "department_id": world.departments["sales"],
           "level": "internal"}
    with extra_rows(app, Customer, [row]) as (pk,):
        yield pk


@pytest.mark.parametrize("term", ["KH-LOOKUP-1", "查找测试", "13912340001", "欧阳联系"])
def test_customer_found_by_what_a_person_types(client, login_as, phoned_customer, term):
    login_as("clerk.sales")
    response = client.get(f"/admin/complaint/ajax/lookup/?name=customer&query={term}")
    assert response.status_code == 200
    assert phoned_customer in [item[0] for item in response.get_json()]


def test_a_hidden_customer_is_not_found_by_phone(app, client, login_as, world):
    row = {"code": "KH-LOOKUP-2", "name": "机密客户", "phone": "13912340002",
           "department_id": world.departments["sales"], "level": "secret"}
    with extra_rows(app, Customer, [row]) as (pk,):
        login_as("clerk.sales")  # clearance below secret
        response = client.get("/admin/complaint/ajax/lookup/?name=customer&query=13912340002")
        assert response.status_code == 200
        assert pk not in [item[0] for item in response.get_json()]


def test_long_texts_stay_out_of_look_ups():
    assert lookup_fields_of(Customer)[:2] == ("code", "name")
    assert {"phone", "contact_person"} <= set(lookup_fields_of(Customer))
    assert "content" not in lookup_fields_of(Complaint)
