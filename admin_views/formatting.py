"""How values look in lists, details and exports: local time, labels for codes."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import g, has_request_context
from flask_admin.model import typefmt
from flask_babel import get_locale
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

EXPORT_FORMATTERS = dict(typefmt.EXPORT_FORMATTERS)
EXPORT_FORMATTERS.update({datetime: local_datetime, date: iso_date})


def translated(text) -> str:
    """``str(text)`` for a label, remembered for the rest of the request.

    A list page shows the same few code labels (statuses, severities, levels) on
    every row; each ``str()`` of a lazy label walks Flask-Babel's context lookup,
    which cost a list page about a fifth of its time. Only plain lazy labels are
    remembered (no interpolated values), keyed by message and locale.
    """
    if not isinstance(text, LazyString) or text._kwargs or not has_request_context():
        return str(text)
    memo = g.setdefault("translated_labels", {})
    key = (text._func, text._args, get_locale())
    if key not in memo:
        memo[key] = str(text)
    return memo[key]
