"""Form values the database cannot store, refused on their field before the save.

WTForms parses a number or a date but knows nothing of the column behind it: a year
0001 overflows when the local time is converted to UTC, 10**20 fits no INTEGER, a
NUMERIC(16, 2) holds 14 digits before the point (PostgreSQL refuses more, SQLite
silently keeps them). Without these checks the save failed with the exception's own
text (``date value out of range``, ``[<class 'decimal.InvalidOperation'>]``).
NaN and Infinity are the numeric fields' own validators' business.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from wtforms.fields import FieldList, FormField

from .fields import local_to_utc
from .filter_values import integer_range

#: Dates a record may carry: wide enough for any customer's history, narrow enough
#: that a mistyped year (0202, 20266) is caught and UTC conversion never overflows.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def converts_to_utc(value: datetime) -> bool:
    try:
        local_to_utc(value)
    except OverflowError:
        return False
    return True


def date_problem(value: date, model) -> str | None:
    """A model that declares its own ``years`` judges its dates itself (with its own
    words, on save), unless the value cannot even be converted to UTC."""
    years = getattr(model, "years", None)
    convertible = not isinstance(value, datetime) or converts_to_utc(value)
    if years and convertible:
        return None
    first, last = (date(years[0], 1, 1), date(years[1], 12, 31)) if years else \
        (FIRST_DAY, LAST_DAY)
    day = value.date() if isinstance(value, datetime) else value
    if not convertible or not first <= day <= last:
        return _("enter a date between %(first)s and %(last)s.",
                 first=first.isoformat(), last=last.isoformat())
    return None


def out_of_range(value, column, model=None) -> str | None:
    """Why ``value`` does not fit ``column`` (a sentence without the field), or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, date):
        return date_problem(value, model)
    column_type = getattr(column, "type", None)
    if isinstance(value, int):
        limit = integer_range(column_type if column_type is not None else sa.Integer())
        if abs(value) > limit:
            return _("enter a whole number between %(low)s and %(high)s.",
                     low=-limit, high=limit)
        return None
    if isinstance(value, Decimal) and value.is_finite() \
            and isinstance(column_type, sa.Numeric) and column_type.precision:
        digits = column_type.precision - (column_type.scale or 0)
        if abs(value) >= Decimal(10) ** digits:
            return _("at most %(digits)s digits before the decimal point.", digits=digits)
    return None


def fields_with_models(form, model):
    """(field, column or None, model) for every field of the form and of its inline
    rows."""
    columns = model.__table__.columns if model is not None else {}
    relations = sa.inspect(model).relationships if model is not None else {}
    for field in form:
        if isinstance(field, FieldList):
            child = relations[field.name].mapper.class_ if field.name in relations else None
            for entry in field.entries:
                if isinstance(entry, FormField):
                    yield from fields_with_models(entry.form, child)
        else:
            yield field, columns.get(field.name) if field.name in columns else None, model


def refuse_unstorable_values(form, model) -> list[str]:
    """Add an error to every field whose value the database cannot store, and return
    one message per field that failed to parse or to fit, naming the field."""
    messages = []
    for field, column, owner in fields_with_models(form, model):
        label = field.label.text if field.label else field.name
        # A parse error an Optional validator cleared (an empty field) is no error.
        parse_errors = getattr(field, "process_errors", ())
        problems = [str(e) for e in field.errors if e and e in parse_errors]
        problem = None if problems else out_of_range(field.data, column, owner)
        if problem:
            field.errors = [*field.errors, problem]
            problems.append(problem)
        messages += [_("%(field)s: %(problem)s", field=label, problem=p) for p in problems]
    return messages
