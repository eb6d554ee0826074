"""Start-up checks of what models declare, in the spirit of Django's system checks.

A model that names a column or transition field it does not have fails when the
application starts, with a message that says where and what — not at the first click.
"""
from __future__ import annotations

import sqlalchemy as sa

from models.numbering import number_column_of, number_format_problem
from models.options import check_options


class DeclarationError(Exception):
    """A model's ``Admin`` or ``transitions`` declaration names something that does not exist."""


def _attributes(model) -> set[str]:
    return set(sa.inspect(model).attrs.keys())


def check_declaration(model) -> None:
    known = _attributes(model)
    declared = getattr(model, "Admin", None)
    if declared is None:
        raise DeclarationError(f"records.E001 {model.__name__} has no inner Admin class.")
    for setting in ("list_columns", "search", "filters", "form_columns", "create_columns",
                    "inline",
                    "editable", "lookup_fields"):
        for name in getattr(declared, setting, ()):
            if name not in known:
                raise DeclarationError(
                    f"records.E002 {model.__name__}.Admin.{setting} names {name!r}, "
                    f"which is not a column or relationship of {model.__tablename__}.")
    names = set()
    for transition in getattr(model, "transitions", ()):
        if transition.name in names:
            raise DeclarationError(f"records.E003 {model.__name__} declares transition "
                                   f"{transition.name!r} twice.")
        names.add(transition.name)
        for field in (*transition.requires, *transition.stamps,
                      *(f for f, _ in transition.when)):
            if field not in known:
                raise DeclarationError(
                    f"records.E004 {model.__name__} transition {transition.name!r} "
                    f"names field {field!r}, which {model.__tablename__} does not have.")
        for status in (*transition.source, transition.target):
            if status not in model.statuses:
                raise DeclarationError(
                    f"records.E005 {model.__name__} transition {transition.name!r} "
                    f"names status {status!r}, which is not in {model.__name__}.statuses.")
    check_locks(model)
    check_number_formats(model)
    problems = check_options(model)
    if problems:
        raise DeclarationError("\n".join(problems))


def check_number_formats(model) -> None:
    """Each number pattern a model declares (``number_format``, and the others named in
    ``number_formats``: attribute → fields it must use) can number records: known fields,
    ``{serial}`` once, numbers that fit the column (``number_format_problem``)."""
    if not getattr(model, "number_format", None):
        return
    column = model.__table__.c[number_column_of(model)]
    sizes = model.number_field_sizes() if hasattr(model, "number_field_sizes") else {}
    declared = getattr(model, "number_formats", None) or {"number_format": ()}
    for attribute, required in declared.items():
        problem = number_format_problem(getattr(model, attribute), sizes, tuple(required),
                                        getattr(column.type, "length", None))
        if problem:
            raise DeclarationError(
                f"records.E120 {model.__name__}.{attribute} = "
                f"{getattr(model, attribute)!r} {problem}.")


def check_locks(model) -> None:
    """A stateful model says when its fields are decided (``locked_from``): every name a
    field, every status one of its statuses, and a default for the fields not named."""
    if not getattr(model, "statuses", None):
        return
    locked = getattr(model, "locked_from", {})
    if "*" not in locked:
        raise DeclarationError(
            f"records.E110 {model.__name__}.locked_from has no \"*\": say from which "
            "status its fields are decided (None: never).")
    known = _attributes(model)
    for field, status in locked.items():
        if field != "*" and field not in known:
            raise DeclarationError(
                f"records.E111 {model.__name__}.locked_from names {field!r}, which is not "
                f"a column or relationship of {model.__tablename__}.")
        if status is not None and status not in model.statuses:
            raise DeclarationError(
                f"records.E112 {model.__name__}.locked_from locks {field!r} from status "
                f"{status!r}, which is not in {model.__name__}.statuses.")
