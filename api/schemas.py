"""marshmallow schemas generated from the models: the same column declarations the
screens read (types, lengths, code lists, nullability, labels) and the same field lists
(``Admin.form_columns`` / ``create_columns``, ``Admin.filters``, ``default_sort``).
The OpenAPI document is generated from these schemas (flask-smorest + apispec)."""
from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from models.mixins import Classified, Owned
from models.workflow import Stateful
from services.saving import writable_columns

#: Columns never shown through the API (secrets and their digests).
SECRET_COLUMNS = ("password", "digest", "stored_name")
MAX_INT = 2**31 - 1
#: Rows per page: default and the most a caller may ask for.
PAGE_SIZE, MAX_PAGE_SIZE = 20, 100

MESSAGES = {
    "required": _l("this field is required."),
    "null": _l("this field may not be empty."),
    "invalid": _l("the value has the wrong type or format."),
    "validator_failed": _l("the value is not allowed."),
    "too_large": _l("the number is too large."),
    "special": _l("enter a number."),
    "invalid_utf8": _l("the text is not valid."),
    "format": _l("the value has the wrong type or format."),
}


class DecimalText(fields.Decimal):
    """An amount: read as a decimal string ("8640.00", no binary rounding), written as
    a JSON number or a decimal string."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, allow_nan=False, **kwargs)


class UtcDateTime(fields.DateTime):
    """Stored naive UTC; answered with its offset (``2026-11-30T01:15:00+00:00``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def _secret(key: str) -> bool:
    return any(word in key for word in SECRET_COLUMNS)


def column_field(column: sa.Column, *, writing: bool, required: bool = False) -> fields.Field:
    """The marshmallow field of one column; for writing, with the validators that say
    in the caller's language what is wrong."""
    info = column.info
    label = str(info.get("label", column.key))
    options = {"allow_none": column.nullable or not writing, "required": required,
               "error_messages": dict(MESSAGES),
               "metadata": {"description": label}}
    kind = column.type
    checks = []
    if "choices" in info and not info.get("multiple"):
        checks.append(validate.OneOf(list(info["choices"]),
                                     error=str(_l("choose one of the listed values."))))
        # Codes are text, but a score on a scale (100, 90 …) is a number: as stored.
        field = fields.Integer if isinstance(kind, sa.Integer) else fields.String
        if field is fields.Integer:
            options["strict"] = True
    elif isinstance(kind, sa.Boolean):
        field = fields.Boolean
    elif isinstance(kind, sa.Integer):
        field = fields.Integer
        options["strict"] = True
        low = 1 if column.foreign_keys or column.primary_key else -MAX_INT
        checks.append(validate.Range(min=low, max=MAX_INT,
                                     error=str(_l("the number is out of range."))))
    elif isinstance(kind, sa.Numeric):
        field = DecimalText if not writing else fields.Decimal
        if writing:
            options["allow_nan"] = False
    elif isinstance(kind, sa.DateTime):
        field = UtcDateTime
    elif isinstance(kind, sa.Date):
        field = fields.Date
    else:
        field = fields.String
        length = getattr(kind, "length", None)
        if length:
            checks.append(validate.Length(max=length, error=str(
                _l("at most %(count)s characters.", count=length))))
    if writing and checks:
        options["validate"] = checks
    elif checks and isinstance(checks[0], validate.OneOf):
        options["validate"] = checks[:1]  # the code list documents what is answered
    return field(**options)


def _schema(name: str, attrs: dict, unknown=RAISE) -> type[Schema]:
    meta = type("Meta", (), {"unknown": unknown, "ordered": True})
    error_messages = {"unknown": _l("this field cannot be written."),
                      "type": _l("send a JSON object.")}
    return type(name, (Schema,), {**attrs, "Meta": meta, "error_messages": error_messages})


def readable_columns(model) -> list[sa.Column]:
    return [c for c in sa.inspect(model).columns if not _secret(c.key)]


def record_schema(model) -> type[Schema]:
    """What a record reads as: every column (a reference as its id), its text, and for
    a record with steps the steps the caller may fire now."""
    attrs = {c.key: column_field(c, writing=False) for c in readable_columns(model)}
    attrs["display"] = fields.String(metadata={"description": "How the screens name it."})
    if issubclass(model, Stateful) and model.steps():
        attrs["steps"] = fields.List(
            fields.String(validate=validate.OneOf([s.name for s in model.steps()])),
            metadata={"description": "Steps the caller may fire on it now."})
    return _schema(f"{model.__name__}", attrs)


def page_schema(model, record: type[Schema]) -> type[Schema]:
    return _schema(f"{model.__name__}Page", {
        "items": fields.List(fields.Nested(record)),
        "next_cursor": fields.String(allow_none=True, metadata={
            "description": "Pass as ?cursor= for the next page; null: the last page."}),
    })


def write_schema(model, creating: bool) -> type[Schema]:
    """The fields the screens' create (or edit) form offers, as their columns."""
    columns = sa.inspect(model).columns
    attrs = {key: column_field(columns[key], writing=True)
             for key in writable_columns(model, creating)}
    return _schema(f"{model.__name__}{'Create' if creating else 'Update'}", attrs)


def step_schema(model) -> type[Schema] | None:
    """The values a step asks (the union over the model's steps), and line values."""
    if not issubclass(model, Stateful) or not model.steps():
        return None
    columns = sa.inspect(model).columns
    asked = dict.fromkeys(f for step in model.steps() for f in step.requires)
    attrs = {}
    for key in asked:
        if key in columns:
            attrs[key] = column_field(columns[key], writing=True)
        else:  # a relationship: its id
            attrs[key] = fields.Integer(strict=True, allow_none=True,
                                        validate=validate.Range(min=1, max=MAX_INT),
                                        error_messages=dict(MESSAGES))
    if any(step.per_line for step in model.steps()):
        attrs["lines"] = fields.Dict(
            keys=fields.String(validate=validate.Regexp(r"^[0-9]{1,10}$")),
            values=fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True)),
            metadata={"description": "Line id → the line values the step asks."})
    return _schema(f"{model.__name__}StepValues", attrs)


def filter_columns(model) -> dict[str, sa.Column]:
    """Query parameters that filter a list: the screens' filters (a reference by its
    id), plus status and level."""
    mapper = sa.inspect(model)
    names = list(getattr(model.Admin, "filters", ()))
    if issubclass(model, Stateful):
        names.append("status")
    if issubclass(model, Classified):
        names.append("level")
    if issubclass(model, Owned):
        names.append("department")
    found = {}
    for name in names:
        if name in mapper.relationships:
            local = list(mapper.relationships[name].local_columns)
            if len(local) == 1:
                found[local[0].key] = local[0]
        elif name in mapper.columns and not _secret(name):
            found[name] = mapper.columns[name]
    return found


def sort_keys(model) -> list[str]:
    """Columns a list may be sorted by: the list's own columns that hold a value on
    every row (a keyset page needs one), and the id."""
    columns = sa.inspect(model).columns
    keys = [name for name in model.Admin.list_columns
            if name in columns and not columns[name].nullable]
    default = getattr(model.Admin, "default_sort", None)
    if default and default[0] in columns and not columns[default[0]].nullable:
        keys.insert(0, default[0])
    return list(dict.fromkeys([*keys, "id"]))


def list_args_schema(model) -> type[Schema]:
    sorts = [f"{prefix}{key}" for key in sort_keys(model) for prefix in ("", "-")]
    attrs = {
        "limit": fields.Integer(load_default=PAGE_SIZE, strict=False,
                                validate=validate.Range(min=1, max=MAX_PAGE_SIZE, error=str(
                                    _l("between 1 and %(most)s.", most=MAX_PAGE_SIZE))),
                                error_messages=dict(MESSAGES)),
        "cursor": fields.String(validate=validate.Length(max=500),
                                error_messages=dict(MESSAGES),
                                metadata={"description": "next_cursor of the page before."}),
        "sort": fields.String(validate=validate.OneOf(sorts, error=str(
            _l("choose one of the listed values."))), error_messages=dict(MESSAGES),
            metadata={"description": "A column; with '-' first: descending."}),
    }
    if getattr(model.Admin, "search", ()):
        attrs["q"] = fields.String(validate=validate.Length(min=1, max=100),
                                   error_messages=dict(MESSAGES),
                                   metadata={"description": "Search the list's search "
                                                            "columns."})
    for key, column in filter_columns(model).items():
        field = column_field(column, writing=True)
        field.allow_none = False
        attrs[key] = field
    return _schema(f"{model.__name__}ListArgs", attrs, unknown=EXCLUDE)
