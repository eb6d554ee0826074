"""Form fields the generator substitutes for SQLAlchemy's defaults."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import DateTimeField
from flask_admin.model.form import converts
from flask_babel import gettext as _
from wtforms import DecimalField, SelectMultipleField

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


class FiniteDecimalField(DecimalField):
    """A number that is a number: ``NaN``, ``inf``, ``Infinity`` and ``1e400`` (more
    digits than the column holds) are refused with a message naming the field.

    WTForms' ``DecimalField`` takes all of them (``Decimal`` does); the database then
    stored an infinity (SQLite, whose reads of the row failed after) or a NaN that
    passed ``>= 0`` (PostgreSQL). The columns' CHECKs (``models.mixins.finite_check``)
    refuse them too; this says which field, before the save.
    """

    def __init__(self, label=None, validators=None, digits: int | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.digits = digits

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is None:
            return
        problem = None
        if not self.data.is_finite():
            problem = _("enter a number.")
        elif self.digits is not None and abs(self.data) >= Decimal(10) ** self.digits:
            problem = _("the number is too large.")
        if problem is not None:
            self.data = None
            raise ValueError(_("%(field)s: %(problem)s", field=self.label.text,
                               problem=problem))


class FormConverter(AdminModelConverter):
    """Flask-Admin's converter, with numbers that must be finite (forms and inline rows)."""

    @converts("Numeric")  # includes Float
    def handle_decimal_types(self, column, field_args, **extra):
        field_args.setdefault("places", None)
        kind = column.type
        digits = None if isinstance(kind, sa.Float) or kind.precision is None \
            else kind.precision - (kind.scale or 0)
        return FiniteDecimalField(digits=digits, **field_args)
