"""A list page of the API: the caller's visible rows, filtered, searched and sorted,
paged by a keyset cursor so that page 5,000 costs what page 1 does.

The order is the screens' (``Admin.default_sort``, then ``models.indexes.tie_break``:
level, id), so a department user's page is one range read of the list indexes
(``models/indexes.py``). The cursor is the last row's sort values, so the next page
starts with ``(key, level, id) < (…)`` in the index — never an OFFSET.
"""
from __future__ import annotations

import base64
import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _

from models import db
from models.indexes import tie_break
from permissions import visible

from .problems import ApiProblem
from .schemas import filter_columns, sort_keys


def order_of(model, sort: str | None) -> tuple[list[sa.Column], bool]:
    """The columns of a total order for ``sort`` (``"-number"``), and descending?"""
    table = model.__table__
    if sort:
        descending, key = sort.startswith("-"), sort.lstrip("-")
    else:
        default = getattr(model.Admin, "default_sort", None)
        key, descending = (default[0], bool(default[1])) if default \
            and default[0] in sort_keys(model) else ("id", False)
    column = table.c[key]
    return [column, *(c for c in tie_break(table, column) if c is not column)], descending


def encode_cursor(sort: str | None, values: list) -> str:
    plain = [v.isoformat() if isinstance(v, date | datetime) else
             str(v) if isinstance(v, Decimal) else v for v in values]
    text = json.dumps({"s": sort or "", "v": plain}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str | None, columns: list[sa.Column]) -> list:
    """The values a cursor carries, typed by the columns; a 400 naming ``cursor`` for
    anything that is not a cursor of this list and order."""
    def bad():
        return ApiProblem(400, errors={"cursor": [_("cursor: not a cursor of this list "
                                                    "and order; start without one.")]})
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("s") != (sort or "") \
                or not isinstance(data.get("v"), list) or len(data["v"]) != len(columns):
            raise bad()
        return [_typed(column, value) for column, value in zip(columns, data["v"],
                                                                strict=True)]
    except (ValueError, TypeError, InvalidOperation, UnicodeError, OverflowError):
        raise bad() from None


def _typed(column: sa.Column, value):
    kind = column.type
    if value is None:
        raise ValueError("a cursor holds no empty value")
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sa.Numeric):
        return Decimal(str(value))
    if isinstance(kind, sa.Integer) and not isinstance(value, bool):
        if not isinstance(value, int) or abs(value) > 2**63:
            raise ValueError("not an integer")
        return value
    if isinstance(value, str) and len(value) <= 400:
        return value
    raise ValueError("not a value of this column")


def search_clause(model, term: str):
    """A term matched in the list's searched columns (the screens' ``Admin.search``)."""
    from admin_views.performance import IndexedSearch  # the screens' indexed search

    terms = term.split()
    searched, rest = IndexedSearch.split(model, terms)
    columns = [model.__table__.c[name] for name in getattr(model.Admin, "search", ())
               if name in model.__table__.c]
    clauses = []
    for word in rest:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(sa.or_(*(c.ilike(f"%{escaped}%", escape="\\") for c in columns)))
    return searched, clauses


def page(user, model, args: dict) -> tuple[list, str | None]:
    """One page of ``model`` for ``user`` (a principal): rows, and the next cursor."""
    sort = args.get("sort")
    columns, descending = order_of(model, sort)
    query = sa.select(model).where(visible(user, model))
    for key in filter_columns(model):
        if args.get(key) is not None:
            query = query.where(model.__table__.c[key] == args[key])
    if args.get("q"):
        searched, clauses = search_clause(model, args["q"])
        query = query.where(*clauses)
        if searched is not None:
            query, _count = searched.narrow(query, None)
    if args.get("cursor"):
        after = decode_cursor(args["cursor"], sort, columns)
        row, seen = sa.tuple_(*columns), sa.tuple_(*after)
        query = query.where(row < seen if descending else row > seen)
    order = [c.desc() if descending else c.asc() for c in columns]
    limit = args["limit"]
    rows = list(db.session.scalars(query.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(sort, [getattr(rows[-1], c.key) for c in columns]) \
        if more and rows else None
    return rows, cursor
