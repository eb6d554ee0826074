"""The one secure base view: every Flask-Admin path goes through ``permissions``.

Flask-Admin reaches rows by several roads — the list and its count, ``get_one``
(details, edit, delete, editable-list updates), bulk actions, export, ajax
look-ups and the related-record fields of forms. This class closes each of them
with the same two calls, ``can()`` and ``visible()``; the session-level filter in
``permissions.scoping`` is the net under it. A record the user may not see
answers 404 as if it did not exist; one they may see but not act on answers 403.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.helpers import get_form_data
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import MANYTOONE, joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField
from wtforms.validators import ValidationError

from audit import record_event, record_refusal
from audit.reading import full_name, history_of, people_of
from audit.refusals import note_unseen
from models import REGISTRY, AuditEvent, db
from models.mixins import Classified, Owned, Versioned
from models.office_settings import current
from permissions import (
    can,
    may_change_level,
    may_set_access,
    usable_levels,
    visible,
)
from permissions.scoping import actor, remembered
from services import saving
from services.constraints import (  # noqa: F401  (re-exported: the screens' old names)
    constraint_message,
    held_visibly,
    visible_or_reference,
)

from .case_timeline import case_url
from .export import FORMULA_PREFIXES, ExportMixin, StreamedRows, neutralise_formula
from .fields import LOCAL_TZ, FormConverter, HiddenReferenceField, utc_to_local
from .filter_values import filter_problem
from .form_values import refuse_unstorable_values
from .list_page import LeanListMixin

#: Flask-Admin view method → policy action it needs on the model.
ENDPOINT_ACTIONS = {
    "index_view": "list",
    "details_view": "view",
    "create_view": "create",
    "edit_view": "edit",
    "delete_view": "delete",
    "export": "export",
    "ajax_update": "edit",
    "filters_script": "list",
    "save_filter": "list",  # the user's own saved filters of a list they may see
    "delete_filter": "list",
}

__all__ = ["FORMULA_PREFIXES", "neutralise_formula"]  # kept here for their importers


MAX_PK = 2**31 - 1  # INTEGER primary keys on PostgreSQL
MAX_PAGE = 10**9  # times the largest page size, still within PostgreSQL's bigint OFFSET


def parse_pk(value) -> int | None:
    """A primary key from request text, or None for anything malformed or out of range.

    ASCII digits only: ``int()`` also reads Arabic-Indic and full-width digits, and
    ``str.isdigit()`` takes "①" and "²", which ``int()`` refuses; no link of ours
    carries any of them."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_PK)):
        return None
    pk = int(text)
    return pk if 0 < pk <= MAX_PK else None


def refuse(status: int, model=None, record_id=None):
    """Audit a refused attempt and abort with 403 or (for hidden records) 404."""
    record_refusal(status, model=getattr(model, "__tablename__", None),
                   record_id=record_id)
    abort(status)


def visible_record(model, raw_id):
    """The record with this id if the user may read it; otherwise a 404 (audited), so a
    hidden record and a missing one look alike. For routes outside a model view."""
    pk = parse_pk(raw_id)
    record = None if pk is None else db.session.scalar(
        sa.select(model).where(model.id == pk, visible(actor(), model)))
    if record is None or not can(actor(), "view", record):
        refuse(404, model, str(raw_id)[:64])
    return record


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Related-record look-ups limited by the same policy, by prefix, and in size."""

    max_results = 20
    max_offset = 10_000
    """Deepest entry a look-up pages to (500 scrolls of its drop-down): past it there is
    nothing to show, and an OFFSET of 10**20 fits no database's integer."""

    def get_query(self):
        return db.session.query(self.model).filter(visible_or_reference(self.model))

    def get_one(self, pk):
        pk = parse_pk(pk)
        if pk is None:
            return None
        with db.session.no_autoflush:
            return self.get_query().filter(self.model.id == pk).one_or_none()

    def get_list(self, term, offset=0, limit=10):
        query = self.get_query()
        term = (term or "").strip()
        if term:
            pattern = f"%{term.replace('%', '').replace('_', '')}%"
            # A date or number field (a visit's time) is matched as text, as Flask-Admin's
            # own loader does: PostgreSQL has no ILIKE on a timestamp.
            query = query.filter(sa.or_(*(
                (field if isinstance(field.type, sa.String) else sa.cast(field, sa.String))
                .ilike(pattern) for field in self._cached_fields)))
        order = self.order_by or self._cached_fields[0]
        limit = max(1, min(int(limit or 10), self.max_results))
        offset = max(0, int(offset or 0))
        if offset > self.max_offset:
            return []
        return query.order_by(order).offset(offset).limit(limit).all()


class VersionField(HiddenField):
    """The version of the record the user loaded into the edit form.

    Compared on save, never written to the record: Flask-Admin's form does not
    carry the version, so without it the second of two overlapping edits would
    silently overwrite the first.
    """

    def populate_obj(self, obj, name):
        pass


def last_change_of(record) -> AuditEvent | None:
    return db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.model == record.__tablename__,
                                    AuditEvent.record_id == str(record.id))
        .order_by(AuditEvent.id.desc()).limit(1))


def conflict_message(record) -> str:
    last = last_change_of(record)
    if last is None:
        return _("Someone else saved this record while you were editing it.")
    return _("%(user)s saved this record at %(time)s while you were editing it.",
             user=full_name(last, people_of([last])),
             time=utc_to_local(last.at).strftime("%Y-%m-%d %H:%M"))


def hidden_references(record, form_class) -> list[str]:
    """The form's many-to-one references of ``record`` that point at a record the user
    may not see (a complaint's secret customer, for an internal clerk): the key is set,
    but the reference loads as None, since every load passes ``permissions.scoping``'s
    filter. (The form reads the same attribute next: no query of its own.)"""
    if record is None:
        return []
    hidden = []
    for relation in sa.inspect(type(record)).relationships:
        if relation.uselist or not issubclass(relation.mapper.class_, (Owned, Classified)) \
                or getattr(form_class, relation.key, None) is None:
            continue
        keys = [getattr(record, column.key) for column in relation.local_columns]
        if None not in keys and getattr(record, relation.key) is None:
            hidden.append(relation.key)
    return hidden


class SecureModelView(LeanListMixin, ExportMixin, ModelView):
    """Default deny: each endpoint asks the policy before Flask-Admin runs it."""

    can_view_details = True
    """Details pages exist; who may open them is decided per request."""
    can_set_page_size = True
    page_size = 20
    export_types = ["csv", "xlsx"]
    export_max_rows = 0
    """Export what the user may see in full; rows are streamed (CSV)."""
    details_modal = False
    edit_modal = False
    column_display_actions = True
    details_template = "admin/record_details.html"
    """Flask-Admin's details plus the record's history (and a case link)."""

    model_form_converter = FormConverter
    """Numbers must be finite (``FiniteDecimalField``), in forms and inline rows alike."""

    form_create_columns: tuple[str, ...] | None = None
    """Fields of the registration form, when it asks less than the edit form
    (a complaint is registered first and investigated later)."""

    # -- who may do what: computed per request from the policy -----------------
    def _may(self, action: str) -> bool:
        """Remembered for the request (its user and its grants): a list page asks the
        same questions about eighty times (menu, buttons, actions, row links)."""
        principal, snapshot = actor(), current()
        memo = g.get("may_memo")
        if memo is None or memo[0] is not principal or memo[1] is not snapshot:
            memo = g.may_memo = (principal, snapshot, {})
        key = (self.model, action)
        allowed = memo[2].get(key)
        if allowed is None:
            allowed = memo[2][key] = bool(current_user.is_authenticated
                                          and can(principal, action, self.model))
        return allowed

    @property
    def can_create(self) -> bool:
        return self._may("create")

    @property
    def can_edit(self) -> bool:
        return self._may("edit")

    @property
    def can_delete(self) -> bool:
        return self._may("delete")

    @property
    def can_export(self) -> bool:
        return self._may("export")

    def is_accessible(self) -> bool:
        return self._may("list")

    def is_visible(self) -> bool:
        """The menu shows only what the user may list."""
        return self._may("list")

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        action = ENDPOINT_ACTIONS.get(name)
        if name == "ajax_lookup":
            allowed = self._may("create") or self._may("edit")
        elif name == "action_view":
            allowed = self._action_allowed_for_request()
            if allowed:  # selected ids the user cannot see are left out: audit them
                note_unseen(self.model, request.form.getlist("rowid"), self.get_query(),
                            request.form.get("action"))
        elif name == "transition_view":
            allowed = self._may("view")  # the transition itself is checked per record
        elif action is None:
            allowed = False  # an endpoint nobody thought about is closed
        else:
            allowed = self._may(action)
        if not allowed:
            refuse(403, self.model)
        return None

    def _action_allowed_for_request(self) -> bool:
        action = request.form.get("action", "")
        return action in self._actions_data and self.is_action_allowed(action)

    def is_action_allowed(self, name: str) -> bool:
        if name == "delete":
            return self._may("delete")
        return self._may(name)

    # -- list parameters: malformed values are dropped with a message, never a 500 -
    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        # A page number past any table still has to fit the database's OFFSET (bigint).
        args.page = min(max(0, args.page or 0), MAX_PAGE)
        if args.page_size and args.page_size not in self.page_size_options:
            args.page_size = min(max(self.page_size_options), max(1, args.page_size))
        return args

    def _get_list_filter_args(self):
        """Flask-Admin's reading of the ``flt<pos>_<key>`` arguments, with every value
        checked by ``filter_problem`` (choices, parsing, the column's range): a value
        the database cannot take drops its filter with a message naming it."""
        if not self._filters:
            return None
        filters = []
        for arg, value in request.args.items():
            pos, _sep, key = arg[3:].partition("_")
            if not arg.startswith("flt") or key not in self._filter_args:
                continue
            idx, flt = self._filter_args[key]
            problem = filter_problem(self, flt, value)
            if problem:
                flash(problem, "error")
                continue
            filters.append((pos, (idx, str(flt.name), value)))
        return [item for _pos, item in sorted(filters, key=lambda entry: entry[0])]

    # -- rows: every query starts from the user's visible rows -----------------
    def get_query(self):
        return super().get_query().filter(self._visible())

    def get_count_query(self):
        return super().get_count_query().filter(self._visible())

    def _visible(self):
        """``visible()`` of the screen's model for the request's user, made once per
        user's rules (``remembered``: the account and its doors, its grants, today, the
        settings in force); a list page built it twice per request."""
        return remembered(("visible", self.model), actor(), self._visible_to)

    def _visible_to(self, principal):
        return visible(principal, self.model)

    def get_one(self, id):
        """One row by id, through ``get_query`` (Django's ``get_object`` pattern)."""
        pk = parse_pk(id)
        if pk is None:
            refuse(404, self.model, str(id)[:64])
        record = self.get_query().filter(self.model.id == pk).options(
            *self._shown_records()).one_or_none()
        if record is None:
            refuse(404, self.model, pk)
        action = ENDPOINT_ACTIONS.get((request.endpoint or "").rsplit(".", 1)[-1], "view")
        if action != "view" and not can(actor(), action, record):
            refuse(403, self.model, pk)
        return record

    def _shown_records(self) -> list:
        """The single records the details page names (customer, project, department),
        joined into the row's own statement instead of one statement each; the joins
        carry the same visibility rules as a lazy load."""
        shown = set(self.column_details_list or ())
        return [joinedload(getattr(self.model, relation.key))
                for relation in sa.inspect(self.model).relationships
                if relation.direction is MANYTOONE and relation.key in shown]

    def follow_ups(self, record) -> list[tuple]:
        """Records that may be raised from this one (a penalty notice from a complaint, a
        grading review from a customer), as (label, url of a prefilled create form), for
        those the user may create. Every details page offers them."""
        links = []
        for model in REGISTRY.values():
            for name in getattr(model, "raised_from", {}):
                relation = sa.inspect(model).relationships[name]
                if relation.mapper.class_ is not self.model:
                    continue  # raised from another kind: its conditions name its fields
                statuses = getattr(model, "raised_from_statuses", {}).get(name)
                if statuses is not None and getattr(record, "status", None) not in statuses:
                    continue  # not raised from a record in this status (yet)
                when = getattr(model, "raised_from_when", {}).get(name, ())
                if any(getattr(record, field) != value for field, value in when):
                    continue  # e.g. a timeliness inquiry: only for a case handled late
                if can(actor(), "create", model):
                    links.append((model.raised_from_label, self.get_url(
                        f"{model.__tablename__}.create_view", **{name: record.id})))
        return links

    def _create_ajax_loader(self, name, options):
        attr = getattr(self.model, name)
        remote = attr.prop.mapper.class_
        return ScopedAjaxLoader(name, db.session, remote, **options)

    # -- writing: department and level stay within what the user may use --------
    def create_form(self, obj=None):
        form = super().create_form(obj)
        if self.form_create_columns:
            for name in [n for n in form._fields if n not in self.form_create_columns
                         and n != "csrf_token"]:
                del form[name]
        self._limit_choices(form, creating=True)
        if request.method == "GET":
            self._prefill_now(form)
        return form

    def _prefill_now(self, form) -> None:
        """Columns declared ``info={"prefill_now": True}`` start at the current time."""
        for column in self.model.__table__.columns:
            if column.info.get("prefill_now") and column.key in form \
                    and form[column.key].data is None:
                form[column.key].data = datetime.now(LOCAL_TZ).replace(
                    tzinfo=None, second=0, microsecond=0)

    def edit_form(self, obj=None):
        hidden = hidden_references(obj, self._edit_form_class)
        if hidden:
            # A form class of its own for this record: its hidden references are shown as
            # such and kept (the view's shared form class stays as it is).
            form_class = type(self._edit_form_class.__name__, (self._edit_form_class,), {
                name: HiddenReferenceField(label=self.column_labels.get(name, name))
                for name in hidden})
            form = form_class(get_form_data(), obj=obj)
        else:
            form = super().edit_form(obj)
        self._limit_choices(form, creating=False)
        if obj is not None and not may_set_access(actor(), obj):
            for name in [n for n in type(obj).access_fields if n in form]:
                del form[name]  # shown on the details page; not editable here
        if "loaded_version" in form and not form.loaded_version.data and obj is not None:
            form.loaded_version.data = obj.version_id
        return form

    def get_edit_form(self):
        form_class = super().get_edit_form()
        if issubclass(self.model, Versioned):
            form_class = type(form_class.__name__, (form_class,),
                              {"loaded_version": VersionField()})
        return form_class

    def update_model(self, form, model):
        """Refuse a save based on an older version than the stored one: the user keeps
        their input and is told who saved in between. The hidden version moves on, so
        saving again after looking is a deliberate overwrite."""
        loaded = form.loaded_version.data if "loaded_version" in form else None
        try:
            if loaded not in (None, ""):
                saving.check_version(model, loaded)
        except saving.Stale:
            flash(conflict_message(model) + " " + _(
                "Nothing of yours was saved; your input is still in the form. Open the "
                "record in another tab to see their change, then save again to keep "
                "yours."), "error")
            form.loaded_version.data = model.version_id
            return False
        return super().update_model(form, model)

    def _limit_choices(self, form, creating: bool) -> None:
        if "level" in form:
            if creating or may_change_level(actor(), self.model):
                allowed = usable_levels(actor())
                form.level.choices = [c for c in form.level.choices if c[0] in allowed]
                if creating and request.method == "GET" and form.level.data not in allowed:
                    # Created at most at the creator's clearance.
                    form.level.data = allowed[-1] if allowed else None
            else:
                del form["level"]  # only the GM office changes an existing record's level
        if "department" in form and creating and form.department.data is None:
            form.department.data = current_user.department

    def validate_form(self, form) -> bool:
        valid = super().validate_form(form)
        if any(isinstance(field, HiddenReferenceField) and field.posted for field in form):
            # An attempt to re-point a reference the user may not see: refused on its
            # field (by the field), and audited.
            record_refusal(403, model=self.model.__tablename__,
                           record_id=parse_pk(request.args.get("id")))
        if request.method == "POST":
            # Values the database cannot store are refused on their field, named.
            unstorable = refuse_unstorable_values(form, self.model)
            for message in unstorable:
                flash(message, "error")
            valid = valid and not unstorable
        valid = self._references_found(form) and valid  # each field says its own error
        user = current_user._get_current_object()
        if issubclass(self.model, Owned) and "department" in form \
                and form.department.data is not None:
            problem = saving.department_problem(user, form.department.data.id)
            if problem:
                form.department.errors = list(form.department.errors) + [problem]
                valid = False
        if "level" in form:
            problem = saving.level_problem(user, form.level.data)
            if problem:
                form.level.errors = list(form.level.errors) + [problem]
                valid = False
        return valid

    def _references_found(self, form) -> bool:
        """Every submitted reference names a record the look-up finds. Flask-Admin
        leaves an optional reference empty when its id is not found (a hidden record,
        a stale page): the save would silently drop what the user chose."""
        found = True
        for name in self._form_ajax_refs or {}:
            if name not in form or name not in request.form:
                continue
            field = form[name]
            if isinstance(field, HiddenReferenceField):
                continue  # kept as it is; refuses a posted value itself
            submitted = {raw for raw in request.form.get(name, "").split(",")
                         if raw not in ("", "__None")}
            data = field.data if isinstance(field.data, list) else \
                [] if field.data is None else [field.data]
            if len(data) < len(submitted):
                field.errors = list(field.errors) + [_("choose an entry from the list.")]
                found = False
        return found

    def on_model_change(self, form, model, is_created):
        if is_created:  # department, requester, creator stamp, the model's on_create
            g.create_note = saving.prepare_new(current_user._get_current_object(), model)
        for warning in saving.record_warnings(model):
            flash(str(warning), "warning")
        if not is_created:
            self._version_children(model)

    def _version_children(self, model) -> None:
        """A change to an inline row (a return slip's line) is a change of the record:
        touch it, so its version moves on and a concurrent save of it conflicts."""
        if not isinstance(model, Versioned) or not hasattr(model, "updated_at"):
            return
        state = sa.inspect(model)
        for name in getattr(getattr(self.model, "Admin", None), "inline", ()):
            rows = getattr(model, name) or ()
            if state.attrs[name].history.has_changes() or any(
                    db.session.is_modified(row) for row in rows):
                flag_modified(model, "updated_at")
                return

    def handle_view_exception(self, exc: Exception) -> bool:
        """Database errors become a message naming the field, never a 500 or a leak."""
        if isinstance(exc, ValidationError):
            flash(str(exc), "error")
            return True
        if isinstance(exc, StaleDataError):
            flash(_("Someone else saved this record while you were editing it. Your "
                    "input is still in the form: reload the record to see their change, "
                    "then apply yours again."), "error")
            return True
        if isinstance(exc, IntegrityError):
            flash(self._integrity_message(exc), "error")
            return True
        if current_app.config.get("FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION"):
            raise exc
        # Anything else on the save path: the clerk gets words, the log the detail
        # (Flask-Admin would flash the exception's own text).
        current_app.logger.error("%s: %s could not be saved", self.model.__tablename__,
                                 request.path, exc_info=exc)
        flash(_("The record could not be saved: a value is out of range or has the "
                "wrong format."), "error")
        return True

    # -- reading history: the details page's history section ---------------------------
    def record_history(self, record) -> list:
        return history_of(record, actor().clearance)

    def case_url(self, record) -> str | None:
        return case_url(record)

    def _integrity_message(self, exc: IntegrityError) -> str:
        db.session.rollback()  # first: the message may look up who holds a value
        return constraint_message(self.model, exc, self.column_labels,
                                  typed=request.form) or _(
            "The record could not be saved because it conflicts with other data.")

    # -- reading values out: exports never carry live formulas --------------------
    def get_export_value(self, model, name):
        return neutralise_formula(super().get_export_value(model, name))

    def _export_data(self):
        """The rows of the current list (same search, filters and sort), with every
        exported relationship loaded in each batch, as ``StreamedRows``: read in
        batches while the file is written, on a session that ends with the response
        (see ``admin_views.export``)."""
        record_event("export", model=self.model.__tablename__,
                     changes={"format": request.view_args.get("export_type")
                              if request.view_args else None,
                              "query": request.query_string.decode()[:500]})
        db.session.commit()
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        count, query = self.get_list(0, sort[0] if sort else None, args.sort_desc,
                                     args.search, args.filters,
                                     page_size=self.export_max_rows, execute=False)
        # Relations to one record are read by the export a chunk at a time (``ExportPlan``);
        # lists of records are loaded with each batch.
        relations = sa.inspect(self.model).relationships
        loads = [selectinload(getattr(self.model, name))
                 for name, _ in self._export_columns
                 if name in relations.keys() and relations[name].uselist]
        return count, StreamedRows(query.options(*loads))
