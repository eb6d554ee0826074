"""The generator builds a working, secured screen for a model it has never seen."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_migrate import upgrade
from sqlalchemy.orm import Mapped, mapped_column

from admin_views.checks import DeclarationError, check_declaration
from app import create_app
from models import REGISTRY, Model, db
from models.mixins import BusinessRecord
from models.workflow import Stateful, Transition
from permissions.policy import POLICY, grant

from ..conftest import TEST_CONFIG
from ..sessions import sign_in
from ..world import build_world


@pytest.fixture
def gadget_app(tmp_path, monkeypatch):
    """A fresh app with a throwaway record type, declared here and nowhere else."""

    class Gadget(Stateful, BusinessRecord, Model):
        __tablename__ = "gadget"
        statuses = {"new": _l("New"), "done": _l("Done")}
        initial_status = "new"
        transitions = (Transition("finish", _l("Finish"), ("new",), "done"),)
        locked_from = {"*": "done"}  # a record type says when it is decided
        id: Mapped[int] = mapped_column(primary_key=True)
        label: Mapped[str] = mapped_column(sa.String(40), info={"label": _l("Label")})

        class Admin:
            label = "Gadget"
            label_plural = "Gadgets"
            list_columns = ("label", "status", "level")
            search = ("label",)
            filters = ("status",)
            form_columns = ("label", "department", "level")
            lookup_fields = ("label",)

    monkeypatch.setitem(POLICY["clerk"], "gadget",
                        grant("department", "list", "view", "create", "edit", "finish"))
    app = create_app({**TEST_CONFIG,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/gadget.db"})
    with app.app_context():
        upgrade(revision="heads")
        Gadget.__table__.create(db.engine)
        world = build_world()
        db.session.commit()
    yield app, world, Gadget
    REGISTRY.pop("gadget")
    db.metadata.remove(Gadget.__table__)


def test_a_new_model_gets_list_create_edit_details_without_view_code(gadget_app):
    app, world, gadget = gadget_app
    client = app.test_client()
    sign_in(app, client, world.users["clerk.sales"])
    assert client.get("/admin/gadget/").status_code == 200
    assert client.get("/admin/gadget/new/").status_code == 200
    created = client.post("/admin/gadget/new/", data={
        "label": "小工具一号", "department": str(world.departments["sales"]),
        "level": "internal"})
    assert created.status_code == 302
    with app.app_context():
        pk = db.session.scalar(sa.select(gadget.id).where(gadget.label == "小工具一号"))
    assert "小工具一号" in client.get("/admin/gadget/").get_data(as_text=True)
    assert client.get(f"/admin/gadget/details/?id={pk}").status_code == 200
    edited = client.post(f"/admin/gadget/edit/?id={pk}", data={
        "label": "小工具二号", "department": str(world.departments["sales"])})
    assert edited.status_code == 302
    finished = client.post("/admin/gadget/transition/",
                           data={"id": pk, "transition": "finish"})
    assert finished.status_code == 302
    with app.app_context():
        row = db.session.get(gadget, pk)
        assert (row.label, row.status) == ("小工具二号", "done")
    # …and the same security: another department's clerk does not see it,
    # nobody may delete it, and a role without a grant is refused.
    sign_in(app, client, world.users["clerk.service"])
    assert client.get(f"/admin/gadget/details/?id={pk}").status_code == 404
    assert client.post("/admin/gadget/delete/", data={"id": pk}).status_code == 403
    sign_in(app, client, world.users["legal"])
    assert client.get("/admin/gadget/").status_code == 403


@pytest.fixture
def declare():
    """Declare a throwaway model; removed from the registry and metadata afterwards."""
    made = []

    def make(admin: dict, transitions=()):
        name = f"probe_{len(made)}"
        attributes = {
            "__tablename__": name, "statuses": {"new": "New", "done": "Done"},
            "initial_status": "new", "transitions": transitions,
            "__annotations__": {"id": Mapped[int], "code": Mapped[str]},
            "id": mapped_column(primary_key=True), "code": mapped_column(sa.String(10)),
            "Admin": type("Admin", (), {"list_columns": ("code",),
                                        "form_columns": ("code",), **admin}),
        }
        model = type("Probe", (Stateful, BusinessRecord, Model), attributes)
        made.append(model)
        return model
    yield make
    for model in made:
        REGISTRY.pop(model.__tablename__, None)
        db.metadata.remove(model.__table__)


@pytest.mark.parametrize(("setting", "message"), [
    ({"list_columns": ("cod",)}, "records.E002 Probe.Admin.list_columns names 'cod', "
                                 "which is not a column or relationship of probe_0."),
    ({"search": ("nme",)}, "records.E002 Probe.Admin.search names 'nme', which is not a "
                           "column or relationship of probe_0."),
])
def test_a_declaration_naming_an_unknown_column_fails_at_start(declare, setting, message):
    with pytest.raises(DeclarationError) as failure:
        check_declaration(declare(setting))
    assert str(failure.value) == message


@pytest.mark.parametrize(("transition", "message"), [
    (Transition("x", "X", ("new",), "done", requires=("nope",)),
     "records.E004 Probe transition 'x' names field 'nope', which probe_0 does not have."),
    (Transition("x", "X", ("new",), "gone"),
     "records.E005 Probe transition 'x' names status 'gone', which is not in "
     "Probe.statuses."),
])
def test_a_transition_naming_an_unknown_field_fails_at_start(declare, transition, message):
    with pytest.raises(DeclarationError) as failure:
        check_declaration(declare({}, transitions=(transition,)))
    assert str(failure.value) == message
