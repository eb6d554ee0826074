"""The audit log screen (read-only) and the auditors' case timeline of a complaint.

The log is a ``SecureModelView`` like every other screen, so the policy decides
who opens it (``audit_event``: auditors and the GM office, list/view/export) and
every Flask-Admin road goes through the same checks. Everything that writes is
switched off here, whatever a policy might grant: the log is append-only.

Rows follow the one audit-reading rule, ``permissions.audit.readable_events``: the
list, its count, the details page and the export all start from it.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import g, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla import tools
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual, FilterLike
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from audit.reading import (
    ACTIONS,
    action_label,
    changes_of,
    describe,
    describe_field,
    export_changes,
    field_order,
    is_links,
    mapped_class,
    model_label,
    note_label,
    people_of,
    who_with_login,
)
from models import REGISTRY, AppUser, AuditEvent, db
from models.choices import LEVELS
from permissions import can
from permissions.audit import readable_events
from permissions.scoping import actor

from .case_timeline import case_timeline
from .fields import local_to_utc
from .formatting import local_datetime
from .secure import SecureModelView, refuse, visible_record


class LocalDayFilter(BaseSQLAFilter):
    """A date in Shanghai time, compared with the UTC times stored."""

    def __init__(self, column, name, after: bool):
        super().__init__(column, name, data_type="datepicker")
        self.after = after

    def validate(self, value) -> bool:
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return False
        return True

    def clean(self, value):
        try:
            day = date.fromisoformat(value) + (timedelta() if self.after else timedelta(days=1))
            return local_to_utc(datetime.combine(day, time()))
        except OverflowError:  # the calendar's first or last day: no bound on that side
            return datetime.min if self.after else datetime.max

    def apply(self, query, value, alias=None):
        column = self.get_column(alias)
        return query.filter(column >= value if self.after else column < value)

    def operation(self):
        return _l("on or after") if self.after else _l("on or before")


def named(term: str):
    """``username IN (accounts whose full name contains term)``: the log stores login
    names; people look for 李晓燕 as well as for clerk.sales."""
    like = tools.parse_like_term(term)
    return AuditEvent.username.in_(sa.select(AppUser.username)
                                   .where(AppUser.full_name.ilike(like)))


class PersonFilter(FilterLike):
    """"User contains": the login name recorded, or the full name of its account."""

    def apply(self, query, value, alias=None):
        like = tools.parse_like_term(value)
        return query.filter(sa.or_(self.get_column(alias).ilike(like), named(value)))


def people(event) -> dict:
    """The accounts of this request's events: the list asks once for its page
    (``AuditLogView.get_list``); a details page asks for its one event."""
    known = g.setdefault("audit_people", {})
    if event.username and event.username not in known:
        known.update(people_of([event]))
    return known


def action_options():
    return [(code, label) for code, label in ACTIONS.items()]


def model_options():
    return [(table, model.Admin.label) for table, model in REGISTRY.items()]


def _format_changes(view, context, event, name):
    """The list names the fields that changed; the details page shows old → new."""
    changes = changes_of(event)
    if (request.endpoint or "").endswith("details_view"):
        entry = describe([event], actor().clearance)[0]
        rows = "".join(f"<tr><td>{escape(c.label)}</td><td>{escape(c.old)}</td>"
                       f"<td>→ {escape(c.new)}</td></tr>" for c in entry.changes)
        return Markup(f'<table class="table table-sm mb-0">{rows}</table>')
    model = REGISTRY.get(event.model) or mapped_class(event.model)
    labels = [_field_names(model, key, value)
              for key, value in sorted(changes.items(),
                                       key=lambda item: field_order(model, item[0]))
              if key != "transition" and value not in ({}, [], None)]
    return ", ".join(labels)[:300]


def _field_names(model, key: str, value) -> str:
    """A change as the list names it: a field by its label; a step's form (a dict of
    fields) by what it asked, ``本步骤填写: 原因分析; 责任部门``, not its stored names;
    an explicit note (an export's format) with its value."""
    if isinstance(value, list) or is_links(value):
        return str(describe_field(model, key)[0])
    if isinstance(value, dict):
        value = "; ".join(str(describe_field(model, field)[0]) for field in value)
    return f"{note_label(key)}: {value}"


def _with_export_changes(events: list) -> list:
    texts = export_changes(events) if events else {}
    accounts = people_of(events)
    for event in events:  # not columns
        event.export_changes = texts.get(event.id, event.changes)
        event.export_who = who_with_login(event, accounts)
    return events


class AuditLogView(SecureModelView):
    """Who did what, when, from where: filter, read, export; never change."""

    can_create = False
    can_edit = False
    can_delete = False
    column_display_actions = True
    column_list = ("at", "username", "address", "action", "model", "record_id", "changes")
    column_details_list = ("id", "at", "username", "user_id", "address", "action", "model",
                           "record_id", "endpoint", "request_id", "level", "changes",
                           "prev_digest", "digest")
    column_export_list = column_details_list
    column_default_sort = ("id", True)
    column_sortable_list = ("at", "username", "action", "model")
    column_searchable_list = ("username", "record_id", "address", "request_id")
    column_labels = {attr.key: attr.columns[0].info.get("label", attr.key)
                     for attr in sa.inspect(AuditEvent).column_attrs}
    column_formatters = {
        "at": lambda v, c, m, n: local_datetime(v, m.at),
        "username": lambda v, c, m, n: who_with_login(m, people(m)),
        "action": lambda v, c, m, n: action_label(m, changes_of(m)),
        "model": lambda v, c, m, n: model_label(m.model),
        "level": lambda v, c, m, n: LEVELS.get(m.level, m.level or ""),
        "changes": _format_changes,
    }
    column_formatters_export = {
        "at": lambda v, c, m, n: local_datetime(v, m.at),
        "username": lambda v, c, m, n: getattr(m, "export_who", m.username),
        "changes": lambda v, c, m, n: getattr(m, "export_changes", m.changes),
    }
    export_chunk: int = 500
    """Exported rows are prepared this many at a time (linked records looked up once
    per chunk and record type)."""

    def __init__(self, *args, **kwargs):
        self.column_filters = [
            FilterEqual(AuditEvent.username, _l("User")),
            PersonFilter(AuditEvent.username, _l("User")),
            FilterEqual(AuditEvent.model, _l("Record type"), options=model_options),
            FilterEqual(AuditEvent.record_id, _l("Record id")),
            FilterEqual(AuditEvent.action, _l("Action"), options=action_options),
            LocalDayFilter(AuditEvent.at, _l("Date"), after=True),
            LocalDayFilter(AuditEvent.at, _l("Date"), after=False),
            FilterLike(AuditEvent.address, _l("Client address")),
        ]
        super().__init__(*args, **kwargs)

    def get_query(self):
        return super().get_query().filter(readable_events(actor()))

    def get_list(self, *args, **kwargs):
        """The page's rows, and their accounts' full names in one query."""
        count, rows = super().get_list(*args, **kwargs)
        if isinstance(rows, list):
            g.setdefault("audit_people", {}).update(people_of(rows))
        return count, rows

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Each term in one of the searched columns or in the full name of the account
        (``named``), all terms together, as Flask-Admin's search matches them."""
        for term in filter(None, search.split(" ")):
            like = tools.parse_like_term(term)
            clause = sa.or_(*(sa.cast(column, sa.Unicode).ilike(like)
                              for column, _path in self._search_fields), named(term))
            query = query.filter(clause)
            count_query = None if count_query is None else count_query.filter(clause)
        return query, count_query, joins, count_joins

    def get_count_query(self):
        return super().get_count_query().filter(readable_events(actor()))

    def is_action_allowed(self, name: str) -> bool:
        return False  # no bulk action on the log

    def _export_data(self):
        """The rows as the list has them, each with its changes as this reader may
        read them (``export_changes``), prepared in chunks as the export goes."""
        count, rows = super()._export_data()
        return count, self._for_reader(rows)

    def _for_reader(self, rows):
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= self.export_chunk:
                yield from _with_export_changes(chunk)
                chunk = []
        yield from _with_export_changes(chunk)

    def get_actions_list(self):
        return [], {}


class CaseView(BaseView):
    """One complaint with its return slips, penalties, reminders and the loans of its
    customer's archive files on one timeline. For those who may read the audit log."""

    def is_visible(self) -> bool:
        return False  # reached from a complaint's details page

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and can(actor(), "view", AuditEvent)

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if not self.is_accessible():
            refuse(403, AuditEvent)
        return None

    @expose("/")
    def index(self):
        complaint = visible_record(REGISTRY["complaint"], request.args.get("id", ""))
        return self.render("admin/case.html", complaint=complaint,
                           entries=case_timeline(complaint, actor().clearance))


def init_audit_screens(admin) -> None:
    admin.add_view(AuditLogView(AuditEvent, db.session, name=_l("Audit log"),
                                endpoint="audit_event", url="/admin/audit_event",
                                category=_l("System")))
    admin.add_view(CaseView(name=_l("Case timeline"), endpoint="case", url="/admin/case"))


