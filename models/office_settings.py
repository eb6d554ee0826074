"""Rules the office can set (可设定的规则): declared next to the code that reads them.

Declaring a setting
-------------------
A class attribute that a workflow reads becomes a setting by wrapping its value in
``setting()`` on the same line; nothing else changes, every reader keeps reading the
attribute::

    #: Working days the GM office may extend a major complaint by, at most.
    max_extension = setting(7, _l("Extension limit (working days)"), low=0, high=30)

The value in the code is the default. The key is ``<table>.<attribute>``
(``complaint.max_extension``); the type comes from the default: ``bool``, ``int``
(``low``/``high`` bound it), ``str`` (``kind="number_format"`` for a record number
pattern, checked against the model's number column), a tuple of codes (``choices``: the
code list, e.g. ``LEVELS``) or a dict of whole numbers with fixed keys (``choices``
labels the keys). A rule that ties two settings together (a return slip's decision
comes after its inspection) is a ``Rule`` in ``models/setting_rules.py``.

An attribute of a file you would rather not edit is declared from outside with one
line after the class, e.g. in ``models/setting_rules.py``::

    declare(Customer, "visit_days", _l("Visit frequency (days)"), low=1, high=365)

(the attribute's current value becomes the default). Step clocks (``StepDeadline``) are
settings without any declaration: ``<table>.step.<key>``.

How a value is read
-------------------
Stored values live in ``app_setting`` (``models/app_setting.py``: key, JSON value,
version, who changed it and when; no row or a NULL value: the default). Each app keeps
a snapshot of them and of the approved grant changes (``role_grant``). A counter row
(``number_counter``, scope ``settings:generation``) moves on in the same transaction as
any change; every request compares it with its snapshot's once, at its first read of a
setting or grant, and reloads on a difference — so a change takes effect at once on
every worker. Work outside a request (the CLI, a script) checks once per application
context. Without an application context (imports, declarations) the default is read.
"""
from __future__ import annotations

import logging
import string
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context
from flask_babel import lazy_gettext as _l

from .base import db

log = logging.getLogger(__name__)

#: ``number_counter`` scope of the settings' generation counter.
GENERATION_SCOPE = "settings:generation"

#: key → declaration, in declaration order (the screen's order).
SETTINGS: dict[str, Setting] = {}


class SettingRefused(ValueError):
    """A value a setting cannot take; ``message`` names the setting, ``part`` says which
    input field (a key of a dict setting) is wrong."""

    def __init__(self, message, part: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.part = part


@dataclass
class Setting:
    """One declared setting: where it lives, its default, and what values it takes."""

    default: object
    """The code's value: what holds until the office stores another."""
    label: object
    """The regulations' term for it (a lazy translation)."""
    low: int | None = None
    """Smallest whole number allowed (also for each value of a dict)."""
    high: int | None = None
    """Largest whole number allowed."""
    choices: dict | None = None
    """Codes a tuple setting may hold, or the labels of a dict setting's keys."""
    kind: str | None = None
    """``bool``, ``int``, ``str``, ``number_format``, ``codes`` or ``int_map``; inferred
    from the default when not given."""
    key: str = ""
    """``<table>.<attribute>``, set when the owning class is built."""
    owner: type | None = field(default=None, repr=False)
    """The model class the attribute belongs to."""

    def __post_init__(self) -> None:
        if self.kind is None:
            self.kind = kind_of(self.default)

    # -- the descriptor: reading the attribute reads the current value -----------------
    def __set_name__(self, owner, name) -> None:
        # A model's table name; a plain class's name in snake case (visit_frequency).
        table = owner.__dict__.get("__tablename__") or "".join(
            f"_{c.lower()}" if c.isupper() and i else c.lower()
            for i, c in enumerate(owner.__name__))
        register(self, owner, f"{table}.{name}")

    def __get__(self, obj, owner=None):
        return value_of(self.key, self.default)

    # -- values ---------------------------------------------------------------------------
    def clean(self, value):
        """``value`` as this setting holds it, or ``SettingRefused`` saying why not."""
        return CLEANERS[self.kind](self, value)

    def to_json(self, value):
        return list(value) if isinstance(value, tuple) else value

    def shown(self, value) -> str:
        """The value for people: labels of codes, ``一般: 1, 重大: 3``."""
        if self.kind == "bool":
            return str(_l("Yes") if value else _l("No"))
        if self.kind == "codes":
            return "、".join(str((self.choices or {}).get(c, c)) for c in value) or "—"
        if self.kind == "int_map":
            return ", ".join(f"{(self.choices or {}).get(k, k)}: {v}" for k, v in value.items())
        if self.kind == "number_format":
            return str(_l("%(format)s (e.g. %(number)s)", format=value,
                          number=example_number(value)))
        return str(value)


def kind_of(default) -> str:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, str):
        return "str"
    if isinstance(default, (tuple, list, frozenset)):
        return "codes"
    if isinstance(default, dict):
        return "int_map"
    raise TypeError(f"a setting's default must be a bool, int, str, tuple or dict, "
                    f"not {type(default).__name__}")


def setting(default, label, **options) -> Setting:
    """Declare a class attribute as a setting (see the module docstring)."""
    return Setting(default, label, **options)


def register(declared: Setting, owner: type, key: str) -> None:
    if declared.kind in ("codes",) and declared.choices is None:
        raise TypeError(f"setting {key}: a tuple of codes needs choices=")
    declared.key, declared.owner = key, owner
    SETTINGS[key] = declared


def declare(owner: type, name: str, label, **options) -> Setting:
    """Make an existing class attribute a setting from outside the class (one line)."""
    declared = Setting(owner.__dict__[name], label, **options)
    setattr(owner, name, declared)
    declared.__set_name__(owner, name)
    return declared


# -- checking values -------------------------------------------------------------------

def _whole(declared: Setting, value, label) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise SettingRefused(_l("%(field)s: enter a whole number.", field=label)) from None
    low, high = declared.low, declared.high
    if (low is not None and value < low) or (high is not None and value > high):
        raise SettingRefused(_l("%(field)s: enter a whole number between %(low)s and "
                                "%(high)s.", field=label, low=low if low is not None else "…",
                                high=high if high is not None else "…"))
    return value


def _clean_int(declared, value):
    return _whole(declared, value, declared.label)


def _clean_bool(declared, value):
    if not isinstance(value, bool):
        raise SettingRefused(_l("%(field)s: choose yes or no.", field=declared.label))
    return value


def _clean_str(declared, value):
    if not isinstance(value, str) or not value.strip() or len(value) > 80:
        raise SettingRefused(_l("%(field)s: enter a text of 1 to 80 characters.",
                                field=declared.label))
    return value.strip()


def _clean_codes(declared, value):
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, (list, tuple, set, frozenset)) \
            or any(not isinstance(code, str) for code in value):
        raise SettingRefused(_l("%(field)s: choose from the list.", field=declared.label))
    unknown = [code for code in value if code not in declared.choices]
    if unknown:
        raise SettingRefused(_l("%(field)s: %(codes)s is not one of the listed values.",
                                field=declared.label, codes=", ".join(unknown)))
    return tuple(code for code in declared.choices if code in value)


def _clean_int_map(declared, value):
    if not isinstance(value, dict) or set(value) != set(declared.default):
        raise SettingRefused(_l("%(field)s: give a number for each of %(keys)s.",
                                field=declared.label, keys=", ".join(declared.default)))
    cleaned = {}
    for key in declared.default:
        label = f"{declared.label} — {(declared.choices or {}).get(key, key)}"
        try:
            cleaned[key] = _whole(declared, value[key], label)
        except SettingRefused as exc:
            exc.part = key
            raise
    return cleaned


def _clean_number_format(declared, value):
    """A record number pattern: literal text, date parts, then ``{serial:0Nd}`` last;
    a number it makes must fit the model's number column."""
    from .numbering import DATE_FIELDS, number_column_of

    value = _clean_str(declared, value)
    wrong = SettingRefused(_l("%(field)s: use text, {yy}, {yymm} or {yyyy}, and end with "
                              "the serial, e.g. {serial:03d}.", field=declared.label))
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError:
        raise wrong from None
    names = [name for _text, name, _spec, _conv in parts if name is not None]
    if not names or names[-1] != "serial" or names.count("serial") != 1 \
            or any(n not in DATE_FIELDS for n in names[:-1]) \
            or (parts[-1][0] if parts[-1][1] is None else "") \
            or any(conv for *_rest, conv in parts):
        raise wrong
    spec = next(spec for _text, name, spec, _conv in parts if name == "serial")
    if spec and not (spec.startswith("0") and spec.endswith("d") and spec[1:-1].isdigit()
                     and 1 <= int(spec[1:-1]) <= 8):
        raise wrong
    fields = {name: date(2099, 12, 31).strftime(p) for name, p in DATE_FIELDS.items()}
    sample = value.format(serial=99999, **fields)
    column = declared.owner.__table__.c[number_column_of(declared.owner)]
    length = getattr(column.type, "length", None)
    if length is not None and len(sample) > length:
        raise SettingRefused(_l("%(field)s: a number such as %(sample)s would be longer "
                                "than the %(length)s characters the register holds.",
                                field=declared.label, sample=sample, length=length))
    return value


def example_number(number_format: str) -> str:
    """The first number ``number_format`` gives this month (``TH2612001``)."""
    from .numbering import DATE_FIELDS, local_date_of

    day = local_date_of(None)
    return number_format.format(serial=1, serial_width=3, **{
        name: day.strftime(pattern) for name, pattern in DATE_FIELDS.items()})


CLEANERS = {"int": _clean_int, "bool": _clean_bool, "str": _clean_str,
            "codes": _clean_codes, "int_map": _clean_int_map,
            "number_format": _clean_number_format}


def validate(key: str, value, stored: dict | None = None) -> object:
    """``value`` cleaned for setting ``key``, checked against the rules that tie it to
    other settings; ``SettingRefused`` otherwise. ``stored``: the other settings' stored
    values (``stored_values``), else those of this request's snapshot."""
    from .setting_rules import rules_of

    declared = SETTINGS[key]
    cleaned = declared.clean(value)
    if stored is None:
        values = {other: value_of(other, SETTINGS[other].default) for other in SETTINGS}
    else:
        values = {other: stored.get(other, SETTINGS[other].default) for other in SETTINGS}
    values[key] = cleaned
    for rule in rules_of(key):
        if not rule.holds(values):
            raise SettingRefused(_l("%(field)s: %(rule)s", field=declared.label,
                                    rule=rule.message))
    return cleaned


def stored_values(session) -> dict:
    """key → value as the database holds them now, in ``session``'s transaction (a save
    checks its rules against what another save just committed)."""
    from .app_setting import AppSetting

    found = {}
    for key, value in session.connection().execute(sa.select(
            AppSetting.key, AppSetting.value).where(AppSetting.value.is_not(None))):
        try:
            found[key] = SETTINGS[key].clean(value) if key in SETTINGS else None
        except SettingRefused:
            continue
    return found


# -- the snapshot every reader uses ------------------------------------------------------

@dataclass
class Snapshot:
    """The stored settings and grants as one app last read them."""

    generation: int | None
    values: dict = field(default_factory=dict)
    """key → stored value (cleaned); absent: the default."""
    grants: dict = field(default_factory=dict)
    """(role, table) → (scope, frozenset of actions) from approved grant changes; an
    empty set of actions: the role has no grant on the table."""
    memo: dict = field(default_factory=dict)
    """What readers derive from the snapshot once (the effective policy)."""


EMPTY = Snapshot(None)
EXTENSION = "office_settings"


def value_of(key: str, default):
    if not has_app_context():
        return default
    return current().values.get(key, default)


def current() -> Snapshot:
    """This app's snapshot, checked against the database once per request (or per
    application context outside requests)."""
    app = current_app._get_current_object()
    snap = app.extensions.get(EXTENSION)
    if snap is not None and g.get("office_settings_checked"):
        return snap  # checked already in this request (``install``) or context
    # In a request, on its own connection: no second connection per request.
    return refresh(app, db.session if has_request_context() else None)


def generation_column():
    """The settings' generation as a scalar subquery, for a statement a request sends
    anyway (the session's account: ``auth.load_user``), so checking the settings costs
    no statement of its own."""
    from .numbering import NumberCounter

    return sa.select(NumberCounter.last).where(
        NumberCounter.scope == GENERATION_SCOPE).scalar_subquery()


def seen_generation(generation) -> None:
    """The request read the generation with another statement: keep the snapshot if it
    is that generation (the request's check is then done), else reload now."""
    app = current_app._get_current_object()
    snap = app.extensions.get(EXTENSION)
    if snap is not None and snap.generation == (generation or 0):
        g.office_settings_checked = True
        return
    refresh(app, db.session if has_request_context() else None)


def refresh(app, session=None) -> Snapshot:
    """Compare the generation counter with the snapshot's; reload on a difference.

    ``session``: read on its connection (a request's own: no second connection per
    request). Without it, on a pooled connection of its own: never an autoflush of the
    caller's half-built records, and a missing table (an old schema) cannot spoil the
    caller's transaction."""
    g.office_settings_checked = True
    try:
        if session is not None:
            return _read(app, session.connection())
        with db.engine.connect() as own:
            return _read(app, own)
    except sa.exc.DBAPIError as exc:
        log.warning("settings not readable, using the defaults: %s",
                    str(exc).splitlines()[0])
        if session is not None:
            session.rollback()
        app.extensions[EXTENSION] = EMPTY
        return EMPTY


def _read(app, connection) -> Snapshot:
    from .app_setting import AppSetting, RoleGrant
    from .numbering import NumberCounter

    snap = app.extensions.get(EXTENSION)
    generation = connection.execute(sa.select(NumberCounter.last).where(
        NumberCounter.scope == GENERATION_SCOPE)).scalar() or 0
    if snap is not None and snap.generation == generation:
        return snap
    rows = connection.execute(sa.select(AppSetting.key, AppSetting.value).where(
        AppSetting.value.is_not(None))).all()
    grant_rows = connection.execute(sa.select(
        RoleGrant.role, RoleGrant.record, RoleGrant.scope, RoleGrant.actions)).all()
    values = {}
    for key, value in rows:
        if key not in SETTINGS:
            continue  # a setting the code no longer declares
        try:
            values[key] = SETTINGS[key].clean(value)
        except SettingRefused:
            log.warning("stored setting %s no longer valid, using the default", key)
    grants = {(role, record): (scope, frozenset((actions or "").split()))
              for role, record, scope, actions in grant_rows}
    snap = Snapshot(generation, values, grants)
    app.extensions[EXTENSION] = snap
    return snap


def forget(app=None) -> None:
    """Drop the app's snapshot: the next read reloads (after a commit that changed it)."""
    if app is None and has_app_context():
        app = current_app._get_current_object()
    if app is not None:
        app.extensions.pop(EXTENSION, None)


def install(app) -> None:
    """Each request checks the settings once, at its first read (a request that reads
    none — a static file, a health probe, the metrics — sends no query for them)."""

    @app.before_request
    def settings_unchecked():
        g.office_settings_checked = False


__all__ = ["setting", "declare", "SETTINGS", "Setting", "SettingRefused", "validate",
           "value_of", "current", "refresh", "forget", "install", "GENERATION_SCOPE"]
