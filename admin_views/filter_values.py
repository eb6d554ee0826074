"""Is a list filter's value one the database can compare with? Checked before the query.

Flask-Admin validates a filter's value by parsing it (``clean``) and catching only
``ValueError``; a date at the end of the calendar overflows (``OverflowError``) when a
filter adds a day or converts it to UTC, and an integer past the column's range reaches
the database (SQLite cannot bind it at all). Each such value now drops its filter with
a message naming it, as an unparsable one does, and the list still shows.
"""
from __future__ import annotations

import math
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

#: Errors a filter's ``clean`` raises on a value it cannot use.
CLEAN_ERRORS = (ValueError, TypeError, OverflowError, ArithmeticError)


def integer_range(column_type) -> int:
    """The largest integer a column of this type holds (either sign)."""
    if isinstance(column_type, sa.BigInteger):
        return 2**63 - 1
    if isinstance(column_type, sa.SmallInteger):
        return 2**15 - 1
    if isinstance(column_type, sa.Integer):
        return 2**31 - 1
    return 2**63 - 1  # any integer parameter binds as at most a bigint


def value_fits(value, column_type) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return abs(value) <= integer_range(column_type)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return True


def filter_problem(view, flt, value: str) -> str | None:
    """Why the filter cannot use ``value`` (a message naming the filter), or None."""
    options = flt.get_options(view)
    values = value.split(",") if "InList" in type(flt).__name__ else [value]
    if options and not {str(v) for v in values} <= {str(o[0]) for o in options}:
        return _("Filter “%(name)s”: %(value)s is not one of its choices.",
                 name=flt.name, value=value[:50])
    cleaned = None
    try:
        valid = flt.validate(value)
        if valid:
            cleaned = flt.clean(value)
    except CLEAN_ERRORS:
        valid = False
    if valid:
        column_type = getattr(getattr(flt, "column", None), "type", None)
        parts = cleaned if isinstance(cleaned, (list, tuple)) else [cleaned]
        valid = all(value_fits(part, column_type) for part in parts)
    if not valid:
        return _("Filter “%(name)s”: %(value)s is not a value it can use.",
                 name=flt.name, value=value[:50])
    return None
