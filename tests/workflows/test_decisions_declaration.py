"""``locked_from`` is checked at start-up (stable ids records.E110-E112), and every
stateful model says when its fields are decided."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from admin_views.checks import DeclarationError, check_declaration, check_locks
from models import REGISTRY, Model, db
from models.mixins import BusinessRecord
from models.workflow import Stateful, Transition


@pytest.fixture
def declare():
    """A throwaway stateful model; removed from the registry and metadata afterwards."""
    made = []

    def make(locked_from: dict):
        name = f"lockprobe_{len(made)}"
        model = type("LockProbe", (Stateful, BusinessRecord, Model), {
            "__tablename__": name, "statuses": {"new": "New", "done": "Done"},
            "initial_status": "new", "locked_from": locked_from,
            "transitions": (Transition("finish", "Finish", ("new",), "done"),),
            "__annotations__": {"id": Mapped[int], "code": Mapped[str]},
            "id": mapped_column(primary_key=True), "code": mapped_column(sa.String(10)),
            "Admin": type("Admin", (), {"list_columns": ("code",),
                                        "form_columns": ("code",)}),
        })
        made.append(model)
        return model
    yield make
    for model in made:
        REGISTRY.pop(model.__tablename__, None)
        db.metadata.remove(model.__table__)


@pytest.mark.parametrize(("locked_from", "message"), [
    ({"code": "done"}, 'records.E110 LockProbe.locked_from has no "*": say from which '
                       "status its fields are decided (None: never)."),
    ({"*": "done", "cod": "done"}, "records.E111 LockProbe.locked_from names 'cod', which "
                                   "is not a column or relationship of lockprobe_0."),
    ({"*": "closed"}, "records.E112 LockProbe.locked_from locks '*' from status 'closed', "
                      "which is not in LockProbe.statuses."),
])
def test_a_wrong_lock_declaration_fails_at_start(declare, locked_from, message):
    model = declare(locked_from)
    with pytest.raises(DeclarationError) as failure:
        check_declaration(model)
    assert str(failure.value) == message


def test_a_good_declaration_passes(declare):
    model = declare({"*": "done", "code": None})
    check_declaration(model)
    assert model.is_locked("status", "done") and not model.is_locked("code", "done")
    assert not model.is_locked("status", "new")


@pytest.mark.parametrize("model", [m for m in REGISTRY.values()
                                   if issubclass(m, Stateful)], ids=lambda m: m.__name__)
def test_every_stateful_model_declares_when_it_is_decided(model):
    check_locks(model)
    assert "*" in model.locked_from
