"""The period and department a statistic or report is read for, from the request.

Bad input never fails the page: a date that cannot be read, a range the wrong way
round or longer than ``MAX_DAYS`` falls back to the default with a message naming
the field.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import flash, request
from flask_babel import gettext as _

from admin_views.secure import parse_pk
from permissions.core import today

MAX_DAYS = 3 * 366
"""The longest period one page reads (three years)."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    department_id: int | None = None

    def query_args(self) -> dict:
        args = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.department_id:
            args["department"] = self.department_id
        return args


def default_period(day: date | None = None) -> Period:
    """The last twelve months, this one included."""
    day = day or today()
    first = day.replace(day=1)
    for _month in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return Period(first, day)


def _date_arg(name: str, label: str) -> date | None:
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        flash(_("%(field)s: enter a date as YYYY-MM-DD.", field=label), "error")
        return None


def period_from_request(default: Period | None = None) -> Period:
    default = default or default_period()
    first = _date_arg("from", _("From")) or default.first
    last = _date_arg("to", _("To")) or default.last
    if last < first:
        flash(_("%(field)s: must not be before the start of the period.", field=_("To")),
              "error")
        first, last = default.first, default.last
    if (last - first).days > MAX_DAYS:
        flash(_("%(field)s: a period may cover at most %(days)s days; the default period "
                "is shown.", field=_("From"), days=MAX_DAYS), "error")
        first, last = default.first, default.last
    raw = request.args.get("department") or ""
    department = parse_pk(raw) if raw else None
    if raw and department is None:
        flash(_("%(field)s: choose an entry from the list.", field=_("Department")),
              "error")
    return Period(first, last, department)
