"""How values look in lists, details and exports: local time, labels for codes."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_admin.model import typefmt

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
