"""Values from a machine (a JSON body, a script) turned into column values, or a message
naming the field. The screens have WTForms for this; the same words are used here."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from models.clock import UTC, local_to_utc
from models.workflow import TransitionRefused, label_of, parse_value

#: Dates a record may carry (the screens' range, ``admin_views/form_values.py``).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
MAX_INT = 2**31 - 1


class ValueProblem(Exception):
    """``field``'s value cannot be stored; ``str()`` is the message for the user."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def column_value(model, key: str, raw, session):
    """The value of column ``key`` for ``raw`` (JSON: str, number, bool or None)."""
    column = sa.inspect(model).columns[key]
    label = label_of(model, key)

    def wrong(message):
        return ValueProblem(key, _("%(field)s: %(problem)s", field=label, problem=message))

    if raw is None or raw == "":
        return None
    kind = column.type
    if isinstance(kind, sa.Boolean):
        if not isinstance(raw, bool):
            raise wrong(_("enter true or false."))
        return raw
    if isinstance(kind, sa.Integer) and not column.info.get("choices"):
        if isinstance(raw, bool) or not isinstance(raw, int) or abs(raw) > MAX_INT:
            raise wrong(_("enter a whole number."))
        return raw
    if isinstance(kind, sa.Numeric) and isinstance(raw, bool):
        raise wrong(_("enter a number."))
    if isinstance(kind, sa.DateTime):
        return _datetime(str(raw), wrong)
    if column.info.get("multiple"):
        codes = str(raw).split()
        if any(code not in column.info["choices"] for code in codes):
            raise wrong(_("choose one of the listed values."))
        return " ".join(dict.fromkeys(codes))
    text = format(raw, "f") if isinstance(raw, float) else str(raw)
    try:
        value = parse_value(model, key, text, session)
    except TransitionRefused as exc:
        raise ValueProblem(key, str(exc)) from None
    if isinstance(value, date) and not FIRST_DAY <= value <= LAST_DAY:
        raise wrong(_("enter a date between %(first)s and %(last)s.",
                      first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))
    return value


def _datetime(text: str, wrong) -> datetime:
    """ISO 8601; with an offset it is converted to UTC, without one it is Shanghai time
    (what a person in the office means), as on the screens."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise wrong(_("enter a date and time as YYYY-MM-DDTHH:MM.")) from None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise wrong(_("enter a date between %(first)s and %(last)s.",
                      first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return local_to_utc(moment)
