"""Quick filters above every list (issue 16 item 3): status, overdue, mine, department,
dates.

Flask-Admin's filters hide behind "Add filter" and build their form in the browser;
the office asks the same few questions all day. Each screen offers, from what its
model declares: the status (a ``Stateful`` model's ``statuses``), "overdue only" (a
model with ``late_reason``: the workflow view's ``?late=1``), "handled by me" (an
``Assignable`` model: ``?mine=1`` the records whose 经办人 the user is, ``?mine=open``
only the open ones, as the home page's 我的事项 counts them), the department (an
``Owned`` model) and a date range on the list's default sort column when it is a
date or a time (Shanghai days). They are plain query arguments, applied in
``get_query``/``get_count_query`` on top of the user's visible rows, so the list, its
count and its export agree; a malformed value is dropped with a message naming it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import flash, g, has_request_context, request
from flask_babel import gettext as _

from models import Department, db
from models.mixins import Assignable, Owned
from permissions.scoping import actor

from .fields import LOCAL_TZ, UTC
from .formatting import translated

#: Query arguments of the quick filters.
ARGS = ("status", "late", "mine", "department", "from", "to")
#: Endpoints whose rows the quick filters narrow.
NARROWED = ("index_view", "export")
#: Seconds the department list is kept (reference data; changes a few times a year).
DEPARTMENTS_TTL = 60
_departments: dict = {"at": 0.0, "rows": []}


@dataclass
class QuickFilters:
    """What a list's quick-filter bar offers and what is chosen now."""

    statuses: list[tuple[str, str]]
    status: str
    late: bool | None
    """None: the screen has no "overdue" notion."""
    mine: bool | None
    """None: the records have no 经办人."""
    departments: list[tuple[int, str]]
    department: str
    dates: str | None
    """Label of the date column the range applies to (None: no range)."""
    date_from: str
    date_to: str

    @property
    def active(self) -> bool:
        return bool(self.status or self.late or self.mine or self.department
                    or self.date_from or self.date_to)


def active_departments() -> list[tuple[int, str]]:
    """(id, name) of the active departments, kept a minute."""
    now = time.monotonic()
    if now - _departments["at"] > DEPARTMENTS_TTL:
        rows = db.session.execute(sa.select(Department.id, Department.name).where(
            Department.active.is_(True)).order_by(Department.code)).all()
        _departments.update(at=now, rows=[(r.id, r.name) for r in rows])
    return _departments["rows"]


def date_column(view):
    """The list's default sort column if it holds a date or a time (else None)."""
    sort = getattr(view, "column_default_sort", None)
    name = sort[0] if isinstance(sort, tuple) else sort
    if not isinstance(name, str):
        return None
    attr = sa.inspect(view.model).attrs.get(name)
    columns = getattr(attr, "columns", None)
    if not columns or not isinstance(columns[0], sa.Column):
        return None
    return columns[0] if isinstance(columns[0].type, (sa.Date, sa.DateTime)) else None


def _day(value: str, label: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        flash(_("%(field)s: enter a date like 2026-12-01.", field=label), "error")
        return None


def _utc_midnight(day: date) -> datetime:
    """The UTC moment a Shanghai day starts (times are stored in UTC)."""
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).astimezone(UTC) \
        .replace(tzinfo=None)


class QuickFilterMixin:
    """Quick filters for a generated list (see the module docstring)."""

    def quick_filters(self) -> QuickFilters:
        statuses = getattr(self.model, "statuses", None) or {}
        column = date_column(self)
        return QuickFilters(
            statuses=[(code, translated(label)) for code, label in statuses.items()],
            status=request.args.get("status", "") if statuses else "",
            late=(request.args.get("late") == "1") if hasattr(self.model, "late_reason")
            else None,
            mine=request.args.get("mine") in ("1", "open")
            if issubclass(self.model, Assignable) else None,
            departments=active_departments() if issubclass(self.model, Owned) else [],
            department=request.args.get("department", ""),
            dates=translated(self.column_labels.get(column.key, column.key)) if column is not None
            else None,
            date_from=request.args.get("from", ""), date_to=request.args.get("to", ""))

    def quick_clear_url(self) -> str:
        """The list as it is, without the quick filters (and back on its first page)."""
        kept = {k: v for k, v in request.args.items() if k not in ARGS and k != "page"}
        return self.get_url(".index_view", **kept)

    def _quick_conditions(self) -> list:
        """The chosen quick filters as SQL conditions, read once per request (a
        malformed date is reported once, not by both the page and its count)."""
        memo = g.setdefault("quick_filter_conditions", {})
        if self.endpoint in memo:
            return memo[self.endpoint]
        conditions = []
        model = self.model
        status = request.args.get("status")
        statuses = getattr(model, "statuses", None) or {}
        if status and status in statuses:
            conditions.append(model.status == status)
        mine = request.args.get("mine")
        if mine in ("1", "open") and issubclass(model, Assignable):
            user = actor().id or 0  # no user: no record is theirs
            conditions.append(model.mine_clause(user) if mine == "open"
                              else model.owner_id == user)
        department = request.args.get("department", "")
        if department and issubclass(model, Owned):
            if department.isascii() and department.isdigit() and len(department) < 10:
                conditions.append(model.department_id == int(department))
        column = date_column(self)
        if column is not None:
            label = str(self.column_labels.get(column.key, column.key))
            attribute = getattr(model, column.key)
            first, last = request.args.get("from"), request.args.get("to")
            first = _day(first, label) if first else None
            last = _day(last, label) if last else None
            if isinstance(column.type, sa.DateTime):
                if first:
                    conditions.append(attribute >= _utc_midnight(first))
                if last and last < date.max:
                    conditions.append(attribute < _utc_midnight(last + timedelta(days=1)))
            else:
                if first:
                    conditions.append(attribute >= first)
                if last:
                    conditions.append(attribute <= last)
        memo[self.endpoint] = conditions
        return conditions

    def _quickly_filtered(self, query):
        if not has_request_context():
            return query
        if (request.endpoint or "").rsplit(".", 1)[-1] not in NARROWED \
                or not any(request.args.get(arg) for arg in ARGS):
            return query
        conditions = self._quick_conditions()
        return query.filter(*conditions) if conditions else query

    def get_query(self):
        return self._quickly_filtered(super().get_query())

    def get_count_query(self):
        return self._quickly_filtered(super().get_count_query())
