"""The generator: one admin view per registered model, built from what it declares.

A model's columns carry their labels (``info={"label": ...}``) and code lists
(``info={"choices": ...}``); its inner ``Admin`` class says which columns to list,
search, filter and edit. Nothing here names a particular model: a new record type
is one file in ``models/``.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import RelationshipProperty

from models import Department
from models.mixins import Classified

from .attachments import AttachmentScreen
from .checks import check_declaration
from .fields import CodeSetField, LocalDateTimeField
from .formatting import EXPORT_FORMATTERS, TYPE_FORMATTERS, translated
from .named_lists import NamedListMixin
from .performance import FastListMixin
from .print_action import PrintSelectedMixin, forms_for
from .record_page import RecordPageMixin
from .saved_filters import SavedFilterMixin
from .secure import SecureModelView
from .workflow import WorkflowMixin

#: Optional behaviour a screen needs beyond metadata, keyed by table name.
VIEW_MIXINS: dict[str, type] = {}


def labels_of(model) -> dict:
    """``info["label"]`` of every column and relationship of the model."""
    labels = {}
    mapper = sa.inspect(model)
    for attr in mapper.attrs:
        info = getattr(attr, "info", {}) or {}
        if not info and hasattr(attr, "columns"):
            info = attr.columns[0].info
        if "label" in info:
            labels[attr.key] = info["label"]
    return labels


def choices_of(model) -> dict[str, list]:
    return {column.key: list(column.info["choices"].items())
            for column in sa.inspect(model).columns if "choices" in column.info}


def code_label_formatter(choices: dict):
    """Show a code's label (an empty cell for no code); codes stay codes in the DB."""
    def format_code(view, context, record, name):
        value = getattr(record, name)
        if value is None:
            return ""
        if value in choices:  # a number on a scale (a score), or a single code
            return translated(choices[value])
        return " ".join(translated(choices.get(code, code)) for code in str(value).split())
    format_code.choices = choices  # the list page reads the labels from here once
    return format_code


def code_formatters(model) -> dict:
    return {column.key: code_label_formatter(column.info["choices"])
            for column in sa.inspect(model).columns if "choices" in column.info}


def relationships_of(model) -> dict[str, RelationshipProperty]:
    return {rel.key: rel for rel in sa.inspect(model).relationships}


def lookup_fields_of(model) -> tuple[str, ...]:
    """What a look-up of this model searches: its ``lookup_fields``, then the short text
    columns its own list search uses, so a customer is found by phone number or
    contact person as in the customer list (issue 16 item 3). Long texts (a
    complaint's content) stay out: a look-up answers while the user types."""
    declared = getattr(model, "Admin", None)
    fields = list(getattr(declared, "lookup_fields", ("id",)))
    columns = {c.key: c for c in sa.inspect(model).columns}
    for name in getattr(declared, "search", ()):
        column = columns.get(name)
        if column is not None and isinstance(column.type, sa.String) \
                and not isinstance(column.type, sa.Text) and name not in fields:
            fields.append(name)
    return tuple(fields)


def first_lookup_field(model) -> str:
    return getattr(getattr(model, "Admin", None), "lookup_fields", ("id",))[0]


def form_settings(model, names) -> dict:
    """Form overrides, choices and ajax look-ups for the listed fields."""
    relations = relationships_of(model)
    columns = {c.key: c for c in sa.inspect(model).columns}
    overrides, args, ajax = {}, {}, {}
    for name in names:
        if name in relations:
            remote = relations[name].mapper.class_
            if remote is Department:
                # An optional department starts empty ("—"), not at the first one listed
                # nor at a raw "__None": nothing is chosen that the user did not choose.
                args[name] = {"query_factory": lambda: Department.query.filter_by(
                    active=True).order_by(Department.code), "blank_text": "—"}
            else:
                ajax[name] = {"fields": lookup_fields_of(remote),
                              "placeholder": "…", "minimum_input_length": 0}
        elif name in columns:
            column = columns[name]
            if column.info.get("multiple"):
                overrides[name] = CodeSetField
                args[name] = {"choices": list(column.info["choices"].items())}
            elif isinstance(column.type, sa.DateTime):
                overrides[name] = LocalDateTimeField
            elif "choices" in column.info:
                if isinstance(column.type, sa.Integer):  # a score on a scale: 100, 90…
                    args[name] = {"coerce": int}
                if column.nullable:
                    args.setdefault(name, {})["blank_text"] = "—"
    return {"form_overrides": overrides, "form_args": args, "form_ajax_refs": ajax}


def inline_settings(model, names) -> list:
    relations = relationships_of(model)
    inline = []
    for name in names:
        child = relations[name].mapper.class_
        # A row may name another record (a planned visit's customer): offered as a
        # drop-down, whose choices pass the request's visibility rules like any query.
        references = [rel.key for rel in sa.inspect(child).relationships
                      if rel.direction.name == "MANYTOONE" and rel.mapper.class_ is not model
                      and "label" in rel.info and not rel.info.get("readonly")]
        columns = [c.key for c in sa.inspect(child).columns
                   if "label" in c.info and not c.foreign_keys
                   and not c.info.get("readonly") and not c.key.endswith(("_at", "_by_id"))
                   and c.key != "status"]
        inline.append((child, {"form_columns": ["id", *references, *columns],
                               "column_labels": labels_of(child),
                               "form_choices": choices_of(child)}))
    return inline


def sortable_columns(model, list_columns) -> list:
    relations = relationships_of(model)
    sortable = []
    for name in list_columns:
        if name in relations:
            remote = relations[name].mapper.class_
            sortable.append((name, f"{name}.{first_lookup_field(remote)}"))
        else:
            sortable.append(name)
    return sortable


def filter_columns(model, filters) -> list:
    relations = relationships_of(model)
    return [f"{name}.{first_lookup_field(relations[name].mapper.class_)}"
            if name in relations else name for name in filters]


def details_columns(model, declared) -> list:
    """Everything a reader should see: declared columns, then status, number, stamps."""
    names = list(dict.fromkeys([*declared.list_columns, *declared.form_columns]))
    for column in sa.inspect(model).columns:
        if "label" in column.info and column.key not in names \
                and not column.key.endswith("_id") and column.key != "password_hash":
            names.append(column.key)
    return names


def build_view_class(model) -> type[SecureModelView]:
    declared = model.Admin
    check_declaration(model)
    labels = labels_of(model)
    for name in getattr(declared, "filters", ()):
        if name in relationships_of(model):
            remote = relationships_of(model)[name].mapper.class_
            labels[f"{name}.{first_lookup_field(remote)}"] = labels.get(name, name)
    form_columns = [n for n in declared.form_columns
                    if not getattr(getattr(model, n), "info", {}).get("readonly")]
    choices = choices_of(model)
    attributes = {
        "__doc__": f"Generated admin screen for {model.__name__}.",
        "column_list": list(declared.list_columns),
        "column_details_list": details_columns(model, declared),
        "column_export_list": details_columns(model, declared),
        "column_labels": labels,
        "column_searchable_list": list(getattr(declared, "search", ())),
        "column_filters": filter_columns(model, getattr(declared, "filters", ())),
        "column_sortable_list": sortable_columns(model, declared.list_columns),
        "column_default_sort": getattr(declared, "default_sort", None),
        "column_choices": choices,
        "column_formatters": code_formatters(model),
        "column_formatters_export": code_formatters(model),
        "column_editable_list": list(getattr(declared, "editable", ())),
        "column_type_formatters": TYPE_FORMATTERS,
        "column_type_formatters_detail": TYPE_FORMATTERS,
        "column_type_formatters_export": EXPORT_FORMATTERS,
        "form_columns": form_columns,
        "form_create_columns": tuple(getattr(declared, "create_columns", ())) or None,
        "form_choices": {k: v for k, v in choices.items() if k in form_columns},
        "inline_models": inline_settings(model, getattr(declared, "inline", ())),
        **form_settings(model, form_columns),
    }
    bases = [SavedFilterMixin, FastListMixin, SecureModelView]
    if forms_for(model):  # printable forms: the bulk "print selected" action
        bases.insert(0, PrintSelectedMixin)
    if getattr(model, "transitions", ()):
        bases.insert(0, WorkflowMixin)
    if getattr(model, "attachments_allowed", False):
        bases.insert(0, AttachmentScreen)
    if getattr(model, "named_lists", None):
        bases.insert(0, NamedListMixin)
    if model.__tablename__ in VIEW_MIXINS:
        bases.insert(0, VIEW_MIXINS[model.__tablename__])
    bases.insert(0, RecordPageMixin)  # the save message, sections, related records
    # Flask-Admin renders only the listed form columns: list the mixins' extra fields.
    for base in bases:
        extra = list(getattr(base, "form_extra_fields", None) or {})
        attributes["form_columns"] += extra
        if attributes["form_create_columns"]:
            attributes["form_create_columns"] += tuple(extra)
    return type(f"{model.__name__}View", tuple(bases), attributes)


def build_view(model, session, category=None):
    view_class = build_view_class(model)
    return view_class(model, session, name=model.Admin.label_plural,
                      endpoint=model.__tablename__, url=f"/admin/{model.__tablename__}",
                      category=category)


def is_business(model) -> bool:
    return issubclass(model, Classified)


__all__ = ["build_view", "build_view_class", "VIEW_MIXINS", "is_business", "datetime"]
