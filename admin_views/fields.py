"""Form fields the generator substitutes for SQLAlchemy's defaults."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_admin.form import DateTimeField
from wtforms import SelectMultipleField

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def utc_to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)


def local_to_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


class LocalDateTimeField(DateTimeField):
    """Shows and accepts Asia/Shanghai time; stores naive UTC."""

    def process_data(self, value):
        super().process_data(utc_to_local(value))

    def populate_obj(self, obj, name):
        setattr(obj, name, local_to_utc(self.data))


class CodeSetField(SelectMultipleField):
    """Several codes kept in one space-separated column (a user's roles)."""

    def process_data(self, value):
        super().process_data(value.split() if isinstance(value, str) else value)

    def populate_obj(self, obj, name):
        setattr(obj, name, " ".join(self.data or ()))
