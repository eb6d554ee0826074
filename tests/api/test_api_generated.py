"""The extension promise for the API: a record type declared here, in the test, gets
working endpoints and its place in the OpenAPI document, without a line of API code."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app import create_app
from models import REGISTRY, AppUser, Department, Model, db
from models.mixins import BusinessRecord
from permissions.policy import POLICY, grant

from ..api_support import bearer, make_token
from ..conftest import TEST_CONFIG


@pytest.fixture
def visit_model():
    """A record type of its own, removed from the registry and the metadata after."""
    table = f"zz_visit_{uuid.uuid4().hex[:8]}"

    class Visit(BusinessRecord, Model):
        __tablename__ = table
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(100), info={"label": _l("Title")})
        visited_on: Mapped[date] = mapped_column(info={"label": _l("Date")})

        class Admin:
            label = _l("Visit")
            label_plural = _l("Visits")
            list_columns = ("title", "visited_on", "level")
            search = ("title",)
            filters = ("level",)
            form_columns = ("title", "visited_on", "department", "level")
            default_sort = ("visited_on", True)
            lookup_fields = ("title",)

    POLICY["clerk"][table] = grant("department", "list", "view", "create", "edit")
    try:
        yield Visit
    finally:
        POLICY["clerk"].pop(table, None)
        REGISTRY.pop(table, None)
        db.metadata.remove(Visit.__table__)


def test_a_record_type_declared_in_a_test_gets_working_endpoints(visit_model, tmp_path):
    table = visit_model.__tablename__
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{tmp_path / 'generated.db'}"})
    with app.app_context():
        db.create_all()
        sales, other = Department(code="sales", name="销售部"), \
            Department(code="service", name="客户服务部")
        db.session.add_all([sales, other])
        db.session.flush()
        clerk = AppUser(username="clerk", full_name="clerk", roles="clerk",
                        department_id=sales.id, clearance="internal")
        clerk.set_password("test-password-1")
        db.session.add(clerk)
        db.session.add(visit_model(title="机密拜访", visited_on=date(2026, 11, 1),
                                   department_id=sales.id, level="secret"))
        db.session.commit()
        clerk_id = clerk.id
    token = make_token(app, clerk_id)
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert f"/api/v1/{table}" in spec["paths"] and f"/api/v1/{table}/{{record_id}}" \
        in spec["paths"]

    made = client.post(f"/api/v1/{table}", headers=bearer(token),
                       json={"title": "回访客户", "visited_on": "2026-11-30"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["level"] == "internal" and body["version_id"] == 1
    listed = client.get(f"/api/v1/{table}", headers=bearer(token)).get_json()["items"]
    assert [item["title"] for item in listed] == ["回访客户"]  # not the secret visit
    changed = client.patch(f"/api/v1/{table}/{body['id']}", json={"title": "回访"},
                           headers=bearer(token, **{"If-Match": '"1"'}))
    assert changed.status_code == 200 and changed.get_json()["version_id"] == 2
    wrong = client.post(f"/api/v1/{table}", headers=bearer(token),
                        json={"title": "x" * 101, "visited_on": "2026-11-30"})
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.get_json()["errors"]} == {"title"}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(visit_model)) == 2
        db.session.remove()
        db.engine.dispose()
