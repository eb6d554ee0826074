"""How values look in lists, details and exports: local time, labels for codes."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import g, has_request_context
from flask_admin.model import typefmt
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from .fields import utc_to_local


def local_datetime(view, value, name=None):
    return utc_to_local(value).strftime("%Y-%m-%d %H:%M")


def iso_date(view, value, name=None):
    return value.isoformat()


def plain_decimal(view, value, name=None):
    return f"{value:,.2f}" if value == value.quantize(Decimal("0.01")) else f"{value:,}"


TYPE_FORMATTERS = dict(typefmt.BASE_FORMATTERS)
TYPE_FORMATTERS.update({datetime: local_datetime, date: iso_date, Decimal: plain_decimal})


def yes_no(view, value, name) -> str:
    """是 / 否 for a yes-or-no field (Flask-Admin's icon carried a ``needs_review: true``
    tooltip: the raw column name, in English)."""
    return str(_yes_no[bool(value)])


_yes_no = {True: _l("Yes"), False: _l("No")}
TYPE_FORMATTERS[bool] = yes_no

EXPORT_FORMATTERS = dict(typefmt.EXPORT_FORMATTERS)
EXPORT_FORMATTERS.update({datetime: local_datetime, date: iso_date})


def translated(text) -> str:
    """``str(text)`` for a label, remembered per language.

    A list page shows the same few code labels (statuses, severities, levels) on
    every row, an export of 100,000 rows half a million times, and every page the same
    menu and button words; each ``str()`` of a lazy label walks Flask-Babel's context,
    domain and locale lookup (a list page made about sixty of them). The catalogues do
    not change while the app runs, so a plain lazy label's text is remembered per
    language; a ``gettext`` label with values (``Overdue by %(days)s day(s)``) keeps its
    translated pattern and is filled in each time. Anything else is ``str()``.
    """
    if not isinstance(text, LazyString) or not has_request_context():
        return str(text)
    with_values = bool(text._kwargs)
    if with_values and text._func is not gettext:
        return str(text)  # ngettext and the like choose their pattern by the values
    key = (text._func, _current_locale(), text._args)
    pattern = _TEXTS.get(key)
    if pattern is None:
        pattern = _TEXTS[key] = text._func(*text._args)
    return pattern % text._kwargs if with_values else pattern


#: Translated texts by (gettext function, language, message): ``translated``.
_TEXTS: dict = {}


def _current_locale():
    """Flask-Babel's locale object for this request: where Babel 4 keeps it (``g``),
    else through its public, slower ``get_locale()``."""
    return getattr(g.get("_flask_babel"), "babel_locale", None) or get_locale()
