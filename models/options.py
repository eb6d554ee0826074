"""The options a model may declare, in one typed, documented place, checked at start-up.

Generic code (the screens, the API, the audit trail, numbering) reads these attributes
from a model class; until now each was found by ``getattr`` where it was used. Here each
has its type, its default and what it does, and ``check_options(model)`` returns every
mistake in a declaration with a stable id (``records.E12x``), Django-style, so a typo or
a wrong type fails when the application starts, not at the first click.

A model does not inherit this class (the defaults are what ``getattr`` falls back to);
it is the vocabulary. The ``Admin`` inner class and the workflow (``Stateful``) have
their own checks (``admin_views/checks.py``, ``admin_views/workflow.check_steps``).
"""
from __future__ import annotations

import sqlalchemy as sa


def followed(model) -> tuple[str, ...]:
    """The relationships whose level ``model`` carries (``level_follows`` as a tuple)."""
    follows = getattr(model, "level_follows", None)
    return (follows,) if isinstance(follows, str) else tuple(follows or ())


class RecordOptions:
    """Every option a registered model may declare (class attributes)."""

    api_exposed: bool | None = None
    """Endpoints under ``/api/v1`` (``api/resources.exposed``): None means yes for a
    business record (owned or classified), no for reference data."""
    attachments_allowed: bool = False
    """Files may be attached (``admin_views/attachments.py``; the API lists and serves them)."""
    number_format: str | None = None
    """The system's record number, e.g. ``"{yymm}{serial:03d}"`` (``models/numbering.py``)."""
    number_column: str = "number"
    """The column holding that number."""
    constraint_messages: dict = {}
    """Index or constraint name → the sentence shown when the database refuses a write."""
    raised_from: dict = {}
    """Relationship → fields copied from the record it names when a new record is raised
    from it (a penalty notice from a complaint)."""
    raised_from_statuses: dict = {}
    """Relationship → the statuses its record must be in to raise this one from it."""
    raised_from_when: dict = {}
    """Relationship → ((field, value), …) the source must have (a late case)."""
    raised_from_label: object = None
    """The link text on the source record's page (a lazy translation)."""
    correctable_statuses: tuple = ()
    """Statuses in which a record is corrected by a new one (``correction_values``)."""
    owner_columns: tuple = ()
    """Columns naming the user whose record it is, for the ``own`` scope of a grant."""
    access_fields: tuple = ()
    """Fields that grant access (a user account's roles, clearance): never set on one's
    own record (``permissions.may_set_access``)."""
    writer_stamp: str | None = None
    """For a row written inline (a review opinion): its ``*_by_id`` column, stamped with
    who wrote it."""
    level_follows: str | tuple[str, ...] | None = None
    """The many-to-one relationship whose record's level this one always carries (a
    tuple: each row names one of these)."""
    years: tuple | None = None
    """(first, last) years a date of the record may have; its own rules say why."""


def _columns(model) -> set[str]:
    return set(sa.inspect(model).columns.keys())


def _relationships(model) -> set[str]:
    return set(sa.inspect(model).relationships.keys())


def _constraint_names(model) -> set[str]:
    table = model.__table__
    return {str(item.name) for item in (*table.indexes, *table.constraints) if item.name}


def check_options(model) -> list[str]:
    """Every mistake in ``model``'s options, each with its id (empty: all is well)."""
    name, table = model.__name__, model.__tablename__
    found = []

    for option in ("api_exposed", "attachments_allowed"):
        value = getattr(model, option, None)
        if value is not None and not isinstance(value, bool):
            found.append(f"records.E120 {name}.{option} must be True or False, not "
                         f"{value!r}.")
    fmt = getattr(model, "number_format", None)
    if fmt is not None and (not isinstance(fmt, str) or "{serial" not in fmt):
        found.append(f"records.E121 {name}.number_format must be text with a {{serial}} "
                     f"field, not {fmt!r}.")
    if fmt is not None and getattr(model, "number_column", "number") not in _columns(model):
        found.append(f"records.E122 {name}.number_column names "
                     f"{getattr(model, 'number_column', 'number')!r}, which is not a "
                     f"column of {table}.")
    for key in getattr(model, "constraint_messages", {}):
        if key not in _constraint_names(model):
            found.append(f"records.E123 {name}.constraint_messages names {key!r}, which "
                         f"is not an index or constraint of {table}.")
    for option in ("raised_from", "raised_from_statuses", "raised_from_when"):
        for key in getattr(model, option, {}) or {}:
            if key not in _relationships(model):
                found.append(f"records.E124 {name}.{option} names {key!r}, which is not "
                             f"a relationship of {table}.")
    for option in ("owner_columns", "access_fields"):
        known = _columns(model) | _relationships(model)
        for key in getattr(model, option, ()) or ():
            if key not in known:
                found.append(f"records.E125 {name}.{option} names {key!r}, which is not "
                             f"a column or relationship of {table}.")
    for follows in followed(model):
        if follows not in _relationships(model):
            found.append(f"records.E126 {name}.level_follows names {follows!r}, which is "
                         f"not a relationship of {table}.")
    years = getattr(model, "years", None)
    if years is not None and not (isinstance(years, tuple) and len(years) == 2
                                  and all(isinstance(y, int) for y in years)
                                  and years[0] <= years[1]):
        found.append(f"records.E127 {name}.years must be (first, last) years, not "
                     f"{years!r}.")
    return found
