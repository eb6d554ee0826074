"""Form fields the generator substitutes for SQLAlchemy's defaults."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import DateTimeField
from flask_admin.model.form import converts
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms import DecimalField, Field, SelectMultipleField
from wtforms.validators import StopValidation
from wtforms.widgets import html_params

from models.clock import LOCAL_TZ, UTC, local_to_utc, utc_to_local  # noqa: F401


def local_input(value) -> str:
    """A stored (naive UTC) moment as a ``datetime-local`` input's value, Shanghai time;
    anything else as text."""
    if isinstance(value, datetime):
        return utc_to_local(value).strftime("%Y-%m-%dT%H:%M")
    return "" if value is None else str(value)


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


def _hidden_reference_input(field, **kwargs) -> Markup:
    """A greyed-out box saying the reference is hidden; it has no name, so a browser
    posts nothing for it."""
    kwargs.setdefault("id", field.id)
    kwargs.pop("name", None)
    return Markup("<input {} readonly disabled>").format(Markup(html_params(
        type="text", value=_("(not visible to you)"), **kwargs)))


class HiddenReferenceField(Field):
    """A reference to a record the editor may not see, in place of its look-up field.

    Flask-Admin would show it empty (the look-up cannot find the record), so a required
    one could not be saved without choosing another record, which then replaced it
    silently. This field shows "(not visible to you)", leaves the reference as it is on
    save, and refuses any value posted for it: the editor cannot see what they would
    replace.
    """

    widget = staticmethod(_hidden_reference_input)

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.posted: list[str] = []

    def process_formdata(self, valuelist):
        self.posted = [value for value in valuelist if value not in ("", "__None")]

    def pre_validate(self, form):
        if self.posted:
            raise StopValidation(_(
                "%(field)s: it refers to a record you may not see, so you cannot replace "
                "it; it is kept as it is.", field=self.label.text))

    def populate_obj(self, obj, name):
        """Nothing: the reference stays as stored."""
