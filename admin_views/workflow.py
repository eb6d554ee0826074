"""Declared steps become detail-page buttons and bulk actions.

Firing a step checks, in order: the policy grants it on this record (``can``), the
record is in a status the step starts from, the submitted values are well formed and
every required field is filled, and the model's own rule (``check_transition``)
allows it. Then it stamps who and when, moves the status, lets the model change what
goes with the step (``after_transition``), checks the record is consistent
(``problems``) and records an audit event — all in one transaction guarded by the
record's version, so of two users firing at once only the first succeeds.

The same view also gives every stateful screen its other workflow behaviour: a
"late" flag in lists (``?late=1`` lists only late records), a 403 page that says why
a frozen record cannot be edited, the model's consistency rules on every save, and
create forms prefilled from a related record (``?complaint=<id>``, ``?corrects=<id>``)
with links to them from that record's page (``raised_from`` on the model).
"""
from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from flask import flash, g, has_request_context, redirect, render_template, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload
from wtforms.validators import ValidationError

from audit import record_event, record_refusal
from models import REGISTRY, Department, db
from models.clock import today
from models.decisions import LockedField
from models.workflow import Stateful, TransitionRefused, duty_refusal, label_of
from permissions import can, visible
from permissions.scoping import actor
from services import saving, steps
from services.steps import STEP_ERRORS, refusal_of  # noqa: F401  (re-exported)
from services.steps import assign as _assign  # noqa: F401  (re-exported)
from services.steps import require as _require  # noqa: F401  (re-exported)

from .checks import DeclarationError
from .formatting import _current_locale, translated
from .secure import parse_pk, visible_or_reference

#: Form keys of the transition form that are not field values.
CONTROL_KEYS = ("id", "transition", "csrf_token", "version")


# -- firing a step: the engine is services/steps.py; this door fires as the logged-in user

def fire(record, name: str, values: dict[str, str]):
    """Apply step ``name`` to ``record`` as the logged-in user (``services.steps.fire``);
    raises ``TransitionRefused``, nothing committed. Returns a record the step created."""
    return steps.fire(current_user._get_current_object(), record, name, values,
                      audit=record_event)


# -- declaration checks for the steps that checks.py does not know ------------------------

def check_steps(model) -> None:
    """Actions (steps that keep the status) and line fields, checked at start-up."""
    mapper = sa.inspect(model)
    known = set(mapper.attrs.keys())
    names = [step.name for step in model.steps()]
    for name in {n for n in names if names.count(n) > 1}:
        raise DeclarationError(f"records.E003 {model.__name__} declares step {name!r} twice.")
    for step in model.actions:
        if step.target is not None:
            raise DeclarationError(f"records.E101 {model.__name__} action {step.name!r} "
                                   "changes the status: declare it in transitions.")
        for field in (*step.requires, *step.stamps):
            if field not in known:
                raise DeclarationError(
                    f"records.E004 {model.__name__} action {step.name!r} names field "
                    f"{field!r}, which {model.__tablename__} does not have.")
        for status in step.source:
            if status not in model.statuses:
                raise DeclarationError(
                    f"records.E005 {model.__name__} action {step.name!r} names status "
                    f"{status!r}, which is not in {model.__name__}.statuses.")
    stamp = model.creator_stamp
    if stamp is not None and (stamp not in mapper.columns or not stamp.endswith("_by_id")):
        raise DeclarationError(f"records.E108 {model.__name__}.creator_stamp names "
                               f"{stamp!r}, which is not a *_by_id column of "
                               f"{model.__tablename__}.")
    for step in model.steps():
        check_duties(model, step)
        if step.guard and not hasattr(model, step.guard):
            raise DeclarationError(f"records.E102 {model.__name__} step {step.name!r} is "
                                   f"guarded by {step.guard!r}, which it does not have.")
        if step.per_line:
            if model.line_items not in mapper.relationships:
                raise DeclarationError(f"records.E103 {model.__name__} step {step.name!r} "
                                       "asks line fields but line_items names no relationship.")
            line_fields = sa.inspect(mapper.relationships[model.line_items].mapper.class_)
            for field in step.per_line:
                if field not in line_fields.columns:
                    raise DeclarationError(f"records.E104 {model.__name__} step "
                                           f"{step.name!r} names line field {field!r}, "
                                           "which its lines do not have.")


def check_duties(model, step) -> None:
    """Separation of duties names the record's user stamps and the step's own."""
    for field in step.not_by:
        relation, _, name = field.rpartition(".")
        mapper = sa.inspect(model)
        if relation:
            related = mapper.relationships.get(relation)
            mapper = sa.inspect(related.mapper.class_) if related is not None else None
        column = mapper.columns.get(name) if mapper is not None else None
        if column is None or not any(fk.column.table.name == "app_user"
                                     for fk in column.foreign_keys):
            raise DeclarationError(
                f"records.E105 {model.__name__} step {step.name!r} declares not_by "
                f"{field!r}, which is not a column of {model.__tablename__} naming a user.")
    if (step.not_by or step.by_department) and step.signature is None:
        raise DeclarationError(
            f"records.E106 {model.__name__} step {step.name!r} declares separation of "
            "duties but stamps no *_by_id column: who fired it would not be recorded.")
    if step.by_department is not None and not step.by_department.strip():
        raise DeclarationError(f"records.E107 {model.__name__} step {step.name!r} "
                               "declares an empty by_department code.")


# -- list flag -----------------------------------------------------------------------

def status_with_flag(view, context, record, name):
    """The status label, with a red badge when the record is late."""
    model = type(record)
    key = (model, _current_locale())
    labels = _status_labels.get(key)
    if labels is None:
        labels = _status_labels[key] = {
            code: escape(translated(text)) for code, text in model.statuses.items()}
    label = labels.get(record.status)
    if label is None:
        label = escape(record.status)
    late = record.late_reason(today())
    if late is None:
        return label
    return Markup(f'{label} <span class="badge badge-danger" data-late="1">'
                  f'{escape(translated(late))}</span>')


#: Each model's status labels as HTML, by (model, language): ``status_with_flag``
#: writes one on every row of a list.
_status_labels: dict = {}


class WorkflowMixin:
    """Adds the model's steps and workflow rules to a secure view."""

    details_template = "admin/workflow_details.html"

    def __init__(self, model, *args, **kwargs):
        check_steps(model)
        formatters = dict(self.column_formatters or {})
        if self.column_formatters_export is None:
            self.column_formatters_export = dict(formatters)  # exports stay plain text
        self.column_formatters = {**formatters, "status": status_with_flag}
        computed = getattr(model, "computed", {})
        if computed:
            self.column_details_list = [*self.column_details_list, *computed]
            self.column_labels = {**self.column_labels, **computed}
        super().__init__(model, *args, **kwargs)

    # -- bulk actions ------------------------------------------------------------------
    def init_actions(self):
        super().init_actions()
        for step in self.model.steps():
            self._actions.append((step.name, step.label))
            self._actions_data[step.name] = (
                partial(self._bulk_transition, step.name), step.label,
                _l("Apply “%(action)s” to the selected records?", action=step.label))

    def _bulk_transition(self, name: str, ids) -> None:
        pks = [pk for pk in map(parse_pk, ids) if pk is not None]
        records = self.get_query().filter(self.model.id.in_(pks)).all() if pks else []
        done, problems = 0, []
        for record in records:
            try:
                fire(record, name, {})
                db.session.commit()
                done += 1
            except STEP_ERRORS as exc:
                db.session.rollback()  # first: the message may read the record again
                problems.append(refusal_of(record, exc))
        if done:
            flash(_("%(count)s record(s) updated.", count=done), "success")
        for problem in problems[:10]:
            flash(problem, "error")
        if not records:
            flash(_("No record selected."), "warning")

    # -- the details page ----------------------------------------------------------------
    def available_transitions(self, record) -> list:
        return steps.available_steps(current_user._get_current_object(), record)

    def transition_field(self, field: str, record=None) -> dict:
        """How to ask for a required field on the detail page (of ``record``)."""
        return field_spec(self.model, field, record)

    def line_field(self, field: str) -> dict:
        return field_spec(self.line_model(), field)

    def line_model(self):
        relation = sa.inspect(self.model).relationships[self.model.line_items]
        return relation.mapper.class_

    def lines_of(self, record) -> list:
        return list(getattr(record, self.model.line_items)) if self.model.line_items else []

    def late_reason(self, record):
        return record.late_reason(today())

    def correction_url(self, record) -> str | None:
        """Where to write a new record that corrects this one (decided penalty notices)."""
        if record.status in getattr(record, "correctable_statuses", ()) \
                and can(actor(), "create", self.model):
            return self.get_url(".create_view", corrects=record.id)
        return None

    @expose("/transition/", methods=("POST",))
    def transition_view(self):
        record = self.get_one(request.form.get("id", ""))
        name = request.form.get("transition", "")
        back = self.get_url(".details_view", id=record.id)
        if name not in {step.name for step in self.model.steps()}:
            flash(_("Unknown action."), "error")
            return redirect(back)
        seen = request.form.get("version")
        try:
            if seen is not None:
                saving.check_version(record, seen)
        except saving.Stale:
            flash(_("%(record)s was changed by someone else after you opened it; nothing was "
                    "changed. Look at its new state and try again.", record=record), "error")
            return redirect(back)
        values = {k: v for k, v in request.form.items() if k not in CONTROL_KEYS}
        try:
            follow = fire(record, name, values)
            db.session.commit()
            flash(_("Done: %(action)s.", action=self.model.transition(name).label),
                  "success")
            if follow is not None and getattr(follow, "id", None):
                back = url_for(f"{follow.__tablename__}.details_view", id=follow.id)
        except STEP_ERRORS as exc:
            db.session.rollback()  # first: the message may read the record again
            flash(refusal_of(record, exc), "error")
        return redirect(back)

    # -- queries: ?late=1 lists only late records; details come with their lines ---------
    def get_query(self):
        return self._late_only(super().get_query())

    def get_count_query(self):
        return self._late_only(super().get_count_query())

    def _late_only(self, query):
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1] if has_request_context() \
            else ""
        if endpoint == "details_view":
            # The details page shows the lines: load them with the record (the records
            # it names come with it too: ``SecureModelView.get_one``).
            if self.model.line_items:
                return query.options(joinedload(getattr(self.model, self.model.line_items)))
            return query
        if endpoint not in ("index_view", "export") or request.args.get("late") != "1":
            return query
        clause = self.model.late_clause(today())
        return query if clause is None else query.filter(clause)

    # -- editing: frozen records say why; every save checks the model's rules -----------
    def _handle_view(self, name, **kwargs):
        if name == "edit_view" and current_user.is_authenticated:
            record = self._frozen_record()
            if record is not None:
                record_refusal(403, model=self.model.__tablename__, record_id=record.id)
                status = self.model.statuses.get(record.status, record.status)
                reason = record.frozen_message or _("It can no longer be changed.")
                message = _("%(record)s is “%(status)s”. %(reason)s", record=record,
                            status=status, reason=reason)
                return render_template("error.html", code=403, message=message), 403
        return super()._handle_view(name, **kwargs)

    def _frozen_record(self):
        if not self.model.frozen_statuses or not can(actor(), "view", self.model):
            return None
        pk = parse_pk(request.args.get("id"))
        if pk is None:
            return None
        record = self.get_query().filter(self.model.id == pk).one_or_none()
        return record if record is not None and record.status in \
            self.model.frozen_statuses else None

    def edit_form(self, obj=None):
        """The fields the record's status has locked are not offered (the details page
        shows them): a user is not invited to change what the save would refuse. One
        submitted anyway (a stale or forged form) stays, so the save refuses it with a
        message instead of dropping it silently."""
        form = super().edit_form(obj)
        if obj is not None:
            fields = sa.inspect(self.model).attrs
            sent = request.form if request.method == "POST" else {}
            dropped = []
            for name in [n for n in form._fields if n in fields
                         and self.model.is_locked(n, obj.status)]:
                if not any(key == name or key.startswith((f"{name}-", f"del-{name}-"))
                           for key in sent):
                    del form[name]
                    dropped.append(name)
            if dropped and request.method == "GET":
                self._say_what_is_fixed(obj, dropped)
        return form

    def _say_what_is_fixed(self, record, names) -> None:
        back = self.model.send_back_steps(record.status,
                                          lambda field: getattr(record, field))
        how = _("To change them, send the record back first with “%(step)s”.",
                step=back[0].label) if back else str(
            self.model.correction_hint or self.model.frozen_message or "")
        flash(_("Fixed in status “%(status)s”, shown on the details page: %(fields)s. "
                "%(how)s", status=self.model.statuses.get(record.status, record.status),
                fields=", ".join(str(label_of(self.model, n)) for n in names), how=how),
              "info")

    def handle_view_exception(self, exc: Exception) -> bool:
        """A save that would change a locked field (``models/decisions.py``) is refused
        with its message on the form, and the refusal is audited."""
        if isinstance(exc, LockedField):
            record = exc.record
            record_refusal(403, model=self.model.__tablename__,
                           record_id=getattr(record, "id", None))
            flash(str(exc), "error")
            return True
        return super().handle_view_exception(exc)

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)  # prepare_new ran there
        note = g.pop("create_note", None) if is_created else None
        self._stamp_writers(model)
        problems = saving.record_problems(model)
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))
        if note:
            flash(str(note), "info")

    def _stamp_writers(self, model) -> None:
        """Inline rows written in this form (new or changed) carry their writer
        (``writer_stamp`` of the row's model: who recorded a review opinion)."""
        for name in getattr(self.model.Admin, "inline", ()):
            for row in getattr(model, name) or ():
                stamp = getattr(type(row), "writer_stamp", None)
                state = sa.inspect(row)
                if stamp and (state.transient or state.pending
                              or db.session.is_modified(row)):
                    setattr(row, stamp, current_user.id)

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET":
            self._prefill(form)
        return form

    def _prefill(self, form) -> None:
        """``?<relationship>=<id>`` fills that field; a record it corrects fills the rest."""
        relations = sa.inspect(self.model).relationships
        for name, raw in request.args.items():
            pk = parse_pk(raw)
            if name not in relations or name not in form or pk is None:
                continue
            remote = relations[name].mapper.class_
            source = db.session.scalar(sa.select(remote).where(
                remote.id == pk, visible_or_reference(remote)))
            if source is None:
                continue
            form[name].data = source
            # raised_from names the fields copied from the source, or maps a field to
            # the value it starts with (None: the source's own value).
            copied = getattr(self.model, "raised_from", {}).get(name, ())
            copied = dict(copied) if isinstance(copied, dict) else dict.fromkeys(copied)
            if remote is self.model and hasattr(source, "correction_values"):
                copied = source.correction_values()
            for field, value in copied.items():
                value = getattr(source, field) if value is None else value
                if field in form and value is not None:
                    form[field].data = value

    def raised_records(self, record) -> list[tuple]:
        """Records raised from this one that their model lists here (``listed_on_source``:
        a complaint's corrective actions and follow-up calls), as (label, [(text, url,
        status code, status label, late)]): those the user can see, newest first, 20 at
        most per kind, all kinds in one statement (the details page's query budget)."""
        parts, models = [], {}
        for model in REGISTRY.values():
            if not getattr(model, "listed_on_source", False) \
                    or not can(actor(), "list", model):
                continue
            for name in getattr(model, "raised_from", {}):
                relation = sa.inspect(model).relationships[name]
                if relation.mapper.class_ is not self.model:
                    continue
                late = model.late_clause(today())
                query = sa.select(
                    sa.literal(model.__tablename__).label("kind"), model.id.label("id"),
                    getattr(model, model.Admin.lookup_fields[0]).label("text"),
                    sa.type_coerce(model.status, sa.String).label("status"),
                    (sa.case((late, sa.literal(1)), else_=sa.literal(0)) if late is not None
                     else sa.literal(0)).label("late"),
                ).where(next(iter(relation.local_columns)) == record.id,
                        visible(actor(), model)).order_by(model.id.desc()).limit(20)
                parts.append(sa.select(*query.subquery().c))
                models[model.__tablename__] = model
        if not parts:
            return []
        rows = db.session.execute(sa.union_all(*parts)).all()
        found = []
        for table, model in models.items():
            mine = [(row.text or f"#{row.id}", url_for(f"{table}.details_view", id=row.id),
                     row.status, model.statuses.get(row.status, row.status), bool(row.late))
                    for row in rows if row.kind == table]
            if mine:
                found.append((model.Admin.label_plural, mine))
        return found

    def offered_steps(self, record) -> list[tuple]:
        """Steps of a related record offered on this one's page (``offers`` on the
        model: a follow-up call whose customer was not satisfied offers its complaint's
        "reopen"), as (step, related record, url of the related view's step form), for
        those the step applies to and the user may fire there."""
        offered = []
        for name, (step_name, when) in getattr(self.model, "offers", {}).items():
            if any(getattr(record, field) != value for field, value in when):
                continue
            related = getattr(record, name)
            if related is None or not isinstance(related, Stateful):
                continue
            step = type(related).transition(step_name)
            if step.applies_to(related) and can(actor(), step.name, related) \
                    and duty_refusal(related, step, actor()) is None \
                    and not related.check_transition(step.name, current_user):
                offered.append((step, related, url_for(
                    f"{related.__tablename__}.transition_view")))
        return offered


def field_spec(model, field: str, record=None) -> dict:
    """Label and input kind of one field, for the forms of the details page; the
    record may narrow a reference's choices (``field_options``: the 经办人 among the
    members of its department)."""
    mapper = sa.inspect(model)
    if field in mapper.relationships:
        remote = mapper.relationships[field].mapper.class_
        narrowed = getattr(record, "field_options", None)
        options = narrowed(field) if narrowed is not None else None
        if options is None:
            options = [(d.id, str(d)) for d in db.session.scalars(
                sa.select(remote).where(visible_or_reference(remote)).order_by(remote.id)
                .limit(200))] if remote is Department else []
        return {"kind": "select", "options": options, "label": label_of(model, field)}
    column = mapper.columns[field]
    kind = "datetime-local" if isinstance(column.type, sa.DateTime) else (
        "date" if isinstance(column.type, sa.Date) else (
        "number" if isinstance(column.type, sa.Numeric) else (
            "textarea" if isinstance(column.type, sa.Text) else "text")))
    return {"kind": kind, "label": label_of(model, field),
            "choices": column.info.get("choices")}


__all__ = ["WorkflowMixin", "fire", "TransitionRefused", "check_steps", "field_spec"]
