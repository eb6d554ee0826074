"""Point 4: no lost updates. Two users edit the same record over HTTP; the second save
is refused with a clear message, keeps its input, and leaves the first save intact."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from models import Customer, ReturnLine, ReturnSlip, db

from ..test_audit_support import KINDS, log_in, own_app


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "conflict") as app:
        yield app


@pytest.fixture
def customer_id(app):
    world = app.extensions["test_world"]
    with app.app_context():
        customer = Customer(code="CONFLICT-1", name="原名称", kind="dealer", grade="B",
                            department_id=world.departments["service"], level="internal")
        db.session.add(customer)
        db.session.commit()
        pk = customer.id
        db.session.remove()
    yield pk
    with app.app_context():
        db.session.delete(db.session.get(Customer, pk))
        db.session.commit()
        db.session.remove()


def loaded_version(page: str) -> str:
    match = re.search(r'<input[^>]*name="loaded_version"[^>]*>', page)
    assert match, "the edit form carries the version the user loaded"
    return re.search(r'value="([^"]*)"', match.group(0)).group(1)


def form(app, name: str, version: str) -> dict:
    world = app.extensions["test_world"]
    return {"code": "CONFLICT-1", "name": name, "kind": "dealer", "grade": "B",
            "department": str(world.departments["service"]), "loaded_version": version}


def stored_name(app, pk) -> str:
    with app.app_context():
        name = db.session.get(Customer, pk).name
        db.session.remove()
        return name


def test_the_second_save_is_refused_and_keeps_its_input(app, customer_id):
    url = f"/admin/customer/edit/?id={customer_id}"
    first = log_in(app.test_client(), app, "clerk.service")
    second = log_in(app.test_client(), app, "supervisor")
    first_version = loaded_version(first.get(url).get_data(as_text=True))
    second_version = loaded_version(second.get(url).get_data(as_text=True))
    assert first_version == second_version

    saved = first.post(url, data=form(app, "第一位用户的修改", first_version))
    assert saved.status_code == 302

    refused = second.post(url, data=form(app, "第二位用户的修改", second_version))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "clerk.service" in page  # who saved in between
    assert "第二位用户的修改" in page  # their input is still in the form
    assert stored_name(app, customer_id) == "第一位用户的修改"  # the first save is intact

    # Having seen the conflict, saving the same form again is a deliberate overwrite.
    again = second.post(url, data=form(app, "第二位用户的修改", loaded_version(page)))
    assert again.status_code == 302
    assert stored_name(app, customer_id) == "第二位用户的修改"


def test_the_message_is_translated(app, customer_id):
    url = f"/admin/customer/edit/?id={customer_id}"
    first = log_in(app.test_client(), app, "clerk.service")
    second = log_in(app.test_client(), app, "supervisor")
    version = loaded_version(first.get(url).get_data(as_text=True))
    first.post(url, data=form(app, "甲", version))
    chinese = second.post(url, data=form(app, "乙", version)).get_data(as_text=True)
    assert "在您编辑期间保存了此记录" in chinese
    second.post("/lang/en")
    english = second.post(url, data=form(app, "乙", version)).get_data(as_text=True)
    assert "saved this record at" in english and "while you were editing it" in english
    assert stored_name(app, customer_id) == "甲"


def test_a_form_without_the_version_is_still_accepted(app, customer_id):
    """A client posting no version (an older page) is not locked out; the ORM's version
    column still refuses a save that overlaps another one in the database."""
    url = f"/admin/customer/edit/?id={customer_id}"
    client = log_in(app.test_client(), app, "clerk.service")
    data = form(app, "无版本", "")
    del data["loaded_version"]
    assert client.post(url, data=data).status_code == 302
    assert stored_name(app, customer_id) == "无版本"


class FormFields(HTMLParser):
    """The fields a browser would submit from the page's edit form."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.data[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            # Browsers drop the newline that follows <textarea>.
            text = self.data[self._textarea]
            self.data[self._textarea] = text[2:] if text.startswith("\r\n") else \
                text[1:] if text.startswith("\n") else text
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_of(page: str) -> dict:
    parser = FormFields()
    parser.feed(page)
    return parser.data


def test_a_change_to_an_inline_line_conflicts_too(app):
    world = app.extensions["test_world"]
    with app.app_context():
        customer = db.session.get(Customer, next(
            r.id for r in world.rows_of("customer") if r.level == "internal"))
        # Every text field filled: saving the form unchanged then changes no slip column.
        slip = ReturnSlip(customer=customer, department_id=world.departments["service"],
                          level="internal", order_no="SO-1", remarks="备注")
        slip.lines.append(ReturnLine(product="电源适配器", specification="65W",
                                     batch_no="B1", reason="不良", quantity_claimed=10,
                                     decision_reason="-"))
        db.session.add(slip)
        db.session.commit()
        pk = slip.id
        db.session.remove()
    url = f"/admin/return_slip/edit/?id={pk}"
    first = log_in(app.test_client(), app, "clerk.service")
    second = log_in(app.test_client(), app, "supervisor")
    first_form, second_form = (form_of(c.get(url).get_data(as_text=True))
                               for c in (first, second))
    quantity = next(k for k in first_form if k.endswith("quantity_claimed"))
    assert first.post(url, data={**first_form, quantity: "8"}).status_code == 302
    refused = second.post(url, data={**second_form, quantity: "12"})
    assert refused.status_code == 200
    assert 'value="12' in refused.get_data(as_text=True)
    with app.app_context():
        line = db.session.scalar(sa.select(ReturnLine).where(ReturnLine.slip_id == pk))
        assert line.quantity_claimed == 8
        db.session.remove()
