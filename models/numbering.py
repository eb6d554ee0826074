"""Record numbers that are never given twice, also under concurrent registrations.

A model declares ``number_format`` (e.g. ``"{yymm}{serial:03d}"``) and, when its number
is not kept in ``number``, ``number_column``; before a new record is flushed it gets the
next serial of its period from ``number_counter``. The counter row is incremented with
a single ``UPDATE … RETURNING`` inside the registering transaction, so on PostgreSQL a
second clerk waits for the first one's commit and on SQLite the write lock serialises
them.

Numbers are the system's, never the user's: a number a clerk could type would tell
them, by "already in use", which numbers hidden records hold. A number that was
imported (set before the first flush, e.g. the demo's ``KH0001``) is kept, and a
serial whose number an imported record already holds is skipped.
"""
from __future__ import annotations

import hashlib
import re
import string
from datetime import date
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import db
from .clock import LOCAL_TZ, local_date_of  # noqa: F401  (re-exported)
from .hooks import hook

#: What a ``number_format`` may use besides ``{serial}``: parts of the record's date
#: (``number_date``, else today) in Asia/Shanghai.
DATE_FIELDS = {"yy": "%y", "yymm": "%y%m", "yyyy": "%Y"}


class NumberCounter(db.Model):
    """Last serial handed out per numbering scope (``complaint:2611``)."""

    __tablename__ = "number_counter"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


def next_serial(session: Session, scope: str) -> int:
    """Increment and return the counter of ``scope`` in the caller's transaction.

    The upsert creates the period's row on first use (a concurrent first use waits on
    the unique key, then finds the row); the ``UPDATE`` takes the row lock, so the
    counter moves strictly one by one until the registering transaction ends.
    """
    connection = session.connection()
    table = NumberCounter.__table__
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(insert(table).values(scope=scope, last=0)
                       .on_conflict_do_nothing(index_elements=["scope"]))
    return connection.execute(
        sa.update(table).where(table.c.scope == scope)
        .values(last=table.c.last + 1).returning(table.c.last)).scalar_one()


def number_column_of(record) -> str:
    """The column holding the record's system number (``number`` unless declared)."""
    return getattr(record, "number_column", "number")


def assign_number(session: Session, record) -> None:
    """The next number of the record's period: the month (or year) of its own date
    (``number_date``: a complaint's receipt, a slip's application, a notice's date), not
    of the day it is typed in. Scopes: ``complaint:2611``, ``customer:KH``,
    ``contract:HT26``, ``archive_file:XM001-3栋1单元1501-`` (everything before
    ``{serial}``: an archive file's property counts its own files)."""
    pattern, fields = format_of(record), fields_of(record)
    period = pattern.split("{serial")[0].format(**fields)
    column = record.__table__.c[number_column_of(record)]
    while True:
        serial = next_serial(session, scope_of(record, period))
        number = pattern.format(serial=serial, **fields)
        if not _taken(session, column, number):
            break
    setattr(record, number_column_of(record), number)


def format_of(record) -> str:
    """The pattern ``record`` is numbered by: the model's ``numbering_format()`` when it
    picks one per record (an archive file: by project and property), else its
    ``number_format``."""
    choose = getattr(record, "numbering_format", None)
    return choose() if choose is not None else record.number_format


def fields_of(record) -> dict[str, str]:
    """What a pattern may use: the date parts of the record's ``number_date`` (else
    today) in Asia/Shanghai, and the model's own ``number_fields()`` (an archive file's
    ``project`` and ``property``)."""
    day = local_date_of(getattr(record, "number_date", None))
    fields = {name: day.strftime(pattern) for name, pattern in DATE_FIELDS.items()}
    own = getattr(record, "number_fields", None)
    if own is not None:
        fields.update(own())
    # A pattern may set the serial's width from a setting: {serial:0{serial_width}d}.
    fields["serial_width"] = getattr(record, "serial_width", 3)
    return fields


#: Longest counter scope (``NumberCounter.scope``); a longer one is kept by its digest.
SCOPE_LENGTH = NumberCounter.__table__.c.scope.type.length


def scope_of(record, period: str) -> str:
    """``<table>:<period>``; a period too long for the counter's key (a property number
    in it) is kept by a digest of it, which is as unique."""
    scope = f"{record.__tablename__}:{period}"
    if len(scope) <= SCOPE_LENGTH:
        return scope
    digest = hashlib.sha256(period.encode()).hexdigest()
    return f"{record.__tablename__}:#{digest}"[:SCOPE_LENGTH]


def number_format_problem(pattern, fields: dict[str, int], required: tuple = (),
                          length: int | None = None) -> str | None:
    """Why ``pattern`` cannot number records, or None. ``fields``: what it may use
    besides ``{serial}`` and the date parts, with their longest value; ``required``:
    fields it must use (an archive number by property names the property); ``length``:
    the number column's size, which a number with the longest values and a six-digit
    serial must fit. For the start-up check and for anything that lets the office
    change a pattern."""
    if not isinstance(pattern, str) or not pattern.strip():
        return "must be a non-empty text"
    known = {"serial": 6, **{name: len(date(2000, 1, 1).strftime(spec))
                             for name, spec in DATE_FIELDS.items()}, **fields}
    try:
        used = [field for _lit, field, _spec, _conv in string.Formatter().parse(pattern)
                if field is not None]
    except ValueError as exc:
        return f"is not a valid pattern ({exc})"
    unknown = [field for field in used if field not in known]
    if unknown:
        return f"uses {{{unknown[0]}}}; it may use {', '.join(sorted(known))}"
    if used.count("serial") != 1:
        return "must use {serial} exactly once (numbers are never given twice)"
    missing = [field for field in required if field not in used]
    if missing:
        return f"must use {{{missing[0]}}}"
    sample = {name: "9" * size for name, size in known.items() if name != "serial"}
    try:
        longest = pattern.format(serial=999999, serial_width=3, **sample)
        pattern.format(serial=1, serial_width=3, **sample)
    except (ValueError, KeyError, IndexError) as exc:
        return f"cannot be filled in ({exc})"
    if length is not None and len(longest) > length:
        return (f"gives numbers of up to {len(longest)} characters; the number holds "
                f"{length}")
    return None


def _taken(session: Session, column, number: str) -> bool:
    """Held by an imported record? Asked of the table itself (a Core query on the flush's
    connection: every row, whoever is registering, and no autoflush inside the flush)."""
    query = sa.select(sa.literal(1)).where(column == number).limit(1)
    return session.connection().execute(query).scalar() is not None


def period_of(record) -> str:
    """The period part of ``record``'s number for its date (``TH2609`` of ``TH2609004``)."""
    return format_of(record).split("{serial")[0].format(**fields_of(record))


@lru_cache(maxsize=32)
def own_number(number_format: str) -> re.Pattern:
    """What a number made from ``number_format`` looks like (``TH\\d{4}\\d+``)."""
    pattern = ""
    for literal, field, _spec, _conversion in string.Formatter().parse(number_format):
        pattern += re.escape(literal)
        if field is not None:
            if field == "serial":
                pattern += r"\d+"
            elif field not in DATE_FIELDS:  # a record's own field (a project code)
                pattern += r".+?"
            else:  # as many digits as the date part has (yymm: 4)
                pattern += rf"\d{{{len(date(2000, 1, 1).strftime(DATE_FIELDS[field]))}}}"
    return re.compile(pattern)


def period_problem(record, label):
    """A numbered record keeps its number: a date moved into another period would make
    the number lie about it, so such a record is registered anew instead."""
    number = getattr(record, number_column_of(record), None)
    if not number or getattr(record, "number_date", None) is None \
            or not own_number(format_of(record)).fullmatch(number):
        return None  # no number yet, or an imported one: it says nothing of the date
    period = period_of(record)
    serial = number[len(period):]
    if number.startswith(period) and serial.isdigit():
        return None
    return _l("%(field)s: %(number)s was numbered for another month and keeps its "
              "number; a record of this month is registered as a new one.",
              field=label, number=number)


@hook(Session, "before_flush")
def _number_and_derive(session: Session, flush_context, instances) -> None:
    """Give new records their number and let records derive computed fields."""
    for record in list(session.new) + list(session.dirty):
        derive = getattr(record, "derive", None)
        if derive is not None:
            derive()
    pending = [record for record in session.new if getattr(record, "number_format", None)
               and not getattr(record, number_column_of(record))]
    # Several records in one flush are numbered in order of their date, so serials
    # follow receipt order (``session.new`` has no meaningful order of its own).
    pending.sort(key=_number_sort_key)
    for record in pending:
        assign_number(session, record)


def _number_sort_key(record) -> tuple:
    """Per table, a table before those that refer to it (a new project's code before
    the number of its new file, which uses it); within one, dated records by date, then
    undated ones (dates of different tables are never compared: they need not be of
    one type)."""
    moment = getattr(record, "number_date", None)
    return (_table_order().get(record.__tablename__, 0), record.__tablename__,
            moment is None, moment if moment is not None else 0)


@lru_cache(maxsize=1)
def _table_order() -> dict[str, int]:
    """Tables in dependency order (referenced first); read once the models are loaded."""
    return {table.name: rank for rank, table in enumerate(db.metadata.sorted_tables)}
