"""What to tell a user when the database refuses a write, and which referenced rows a
user may point at — the parts of the save rules that read the database."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from models import db
from models.mixins import Classified, Owned
from permissions import visible
from permissions.scoping import actor, principal_of


def visible_or_reference(model, user=None):
    """Business records: the user's visible rows. Reference data (users, departments):
    active rows, readable by anyone allowed to fill in a form that points to them.
    ``user``: whose rows (default: the request's user)."""
    if issubclass(model, (Owned, Classified)):
        return visible(actor() if user is None else principal_of(user), model)
    if hasattr(model, "active"):
        return model.active.is_(True)
    return sa.true()


def constraint_message(model, exc: IntegrityError, labels=None,
                       typed=None, user=None) -> str | None:
    """What to tell the user when the database refuses a write, or None if the
    constraint is not one the model explains: the model's own words for a constraint it
    names (``constraint_messages``), else the field whose unique value is taken. Says
    which field, never which record: it may be one the user cannot see.

    ``typed`` (the submitted values): a unique value is said to be "already in use" only
    when its holder is a record the user may see; a hidden holder gets None, the message
    that names nothing. (Numbers users would guess in series are the system's, so no
    clerk types a value a hidden record could hold; see ``models/numbering.py``.) Call it
    after the failed transaction is rolled back: it may read the holder.

    PostgreSQL names the violated index; SQLite names its columns, so both are matched.
    """
    return constraint_problem(model, exc, labels, typed, user)[1]


def constraint_problem(model, exc: IntegrityError, labels=None, typed=None,
                       user=None) -> tuple[str | None, str | None]:
    """``constraint_message`` with the field it is about: (field or None, message)."""
    text = str(getattr(exc, "orig", exc))
    messages = getattr(model, "constraint_messages", {})
    for index in model.__table__.indexes:
        if index.name in messages and (index.name in text or all(
                f"{model.__tablename__}.{column.name}" in text for column in index.columns)):
            return None, str(messages[index.name])
    for column in model.__table__.columns:
        label = (labels or {}).get(column.name) or column.info.get("label", column.name)
        if f"ck_{model.__tablename__}_{column.name}_finite" in text:  # models.mixins
            return column.key, _("%(field)s: %(problem)s", field=label,
                                 problem=_("enter a number."))
        if column.unique and column.name in text.lower():
            if typed is not None and not held_visibly(model, column, typed.get(column.key),
                                                      user):
                return None, None
            return column.key, _("%(field)s: this value is already in use; choose "
                                 "another.", field=label)
    return None, None


def held_visibly(model, column, value, user=None) -> bool:
    """Does a record the user may see hold ``value`` in the unique ``column``?"""
    if value in (None, ""):
        return False
    who = actor() if user is None else principal_of(user)
    query = sa.select(sa.func.count()).select_from(model).where(
        column == value, visible(who, model))
    return bool(db.session.scalar(query))
