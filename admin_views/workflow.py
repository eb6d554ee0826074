"""Declared transitions become detail-page buttons and bulk actions.

Firing a transition checks, in order: the policy grants the transition on this
record (``can``), the record is in a status the transition starts from, and every
required field is filled. Then it stamps who and when, moves the status and
records an audit event — in one transaction guarded by the record's version, so
of two users firing at once only the first succeeds.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import partial

import sqlalchemy as sa
from flask import flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from audit import record_event
from models import Department, db
from models.mixins import utcnow
from permissions import can
from permissions.scoping import actor

from .secure import parse_pk


class TransitionRefused(Exception):
    """A transition cannot happen; the message says why, for the user."""


def parse_value(model, field: str, raw: str):
    """Turn submitted text into the field's Python value, or raise with a clear message."""
    mapper = sa.inspect(model)
    if field in mapper.relationships:
        remote = mapper.relationships[field].mapper.class_
        pk = parse_pk(raw)
        return db.session.get(remote, pk) if pk else None
    column = mapper.columns[field]
    if not raw:
        return None
    if isinstance(column.type, sa.Date):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise TransitionRefused(_("%(field)s: enter a date as YYYY-MM-DD.",
                                      field=column.info.get("label", field))) from None
    return raw


def fire(record, name: str, values: dict[str, str]) -> None:
    """Apply transition ``name`` to ``record`` or raise ``TransitionRefused``."""
    model = type(record)
    transition = model.transition(name)
    if not can(actor(), name, record):
        raise TransitionRefused(_("You may not do this on %(record)s.", record=record))
    if not transition.applies_to(record):
        raise TransitionRefused(_("%(record)s: not possible in status “%(status)s”.",
                                  record=record,
                                  status=model.statuses.get(record.status, record.status)))
    for field in transition.requires:
        if field in values:
            setattr(record, field, parse_value(model, field, values[field].strip()))
        if getattr(record, field) in (None, ""):
            label = sa.inspect(model).attrs[field].info.get("label") or \
                sa.inspect(model).columns[field].info.get("label", field)
            raise TransitionRefused(_("%(field)s is required for “%(action)s”.",
                                      field=label, action=transition.label))
    check = getattr(record, "check_transition", None)
    if check is not None:
        problem = check(name, current_user)
        if problem:
            raise TransitionRefused(str(problem))
    old_status = record.status
    for stamp in transition.stamps:
        if stamp.endswith("_by_id"):
            setattr(record, stamp, current_user.id)
        elif stamp.endswith("_at"):
            setattr(record, stamp, utcnow())
        else:
            setattr(record, stamp, date.today())
    record.status = transition.target
    after = getattr(record, "after_transition", None)
    if after is not None:
        after(name, current_user)
    record_event("transition", model=model.__tablename__, record_id=record.id,
                 changes={"transition": name, "status": [old_status, transition.target]})


class WorkflowMixin:
    """Adds the model's transitions to a secure view."""

    details_template = "admin/workflow_details.html"

    def init_actions(self):
        super().init_actions()
        for transition in self.model.transitions:
            self._actions.append((transition.name, transition.label))
            self._actions_data[transition.name] = (
                partial(self._bulk_transition, transition.name), transition.label,
                _("Apply “%(action)s” to the selected records?", action=transition.label))

    def _bulk_transition(self, name: str, ids) -> None:
        pks = [pk for pk in map(parse_pk, ids) if pk is not None]
        records = self.get_query().filter(self.model.id.in_(pks)).all() if pks else []
        done, problems = 0, []
        for record in records:
            try:
                fire(record, name, {})
                db.session.commit()
                done += 1
            except (TransitionRefused, StaleDataError) as exc:
                db.session.rollback()
                problems.append(str(exc) if isinstance(exc, TransitionRefused) else
                                _("%(record)s was changed by someone else.", record=record))
        if done:
            flash(_("%(count)s record(s) updated.", count=done), "success")
        for problem in problems[:10]:
            flash(problem, "error")
        if not records:
            flash(_("No record selected."), "warning")

    def available_transitions(self, record) -> list:
        return [t for t in self.model.transitions
                if t.applies_to(record) and can(actor(), t.name, record)]

    def transition_field(self, field: str) -> dict:
        """How to ask for a required field on the detail page."""
        mapper = sa.inspect(self.model)
        if field in mapper.relationships:
            remote = mapper.relationships[field].mapper.class_
            options = [(d.id, str(d)) for d in db.session.scalars(
                sa.select(remote).order_by(remote.id).limit(200))] \
                if remote is Department else []
            return {"kind": "select", "options": options,
                    "label": mapper.relationships[field].info.get("label", field)}
        column = mapper.columns[field]
        kind = "date" if isinstance(column.type, sa.Date) else (
            "textarea" if isinstance(column.type, sa.Text) else "text")
        return {"kind": kind, "label": column.info.get("label", field),
                "choices": column.info.get("choices")}

    @expose("/transition/", methods=("POST",))
    def transition_view(self):
        record = self.get_one(request.form.get("id", ""))
        name = request.form.get("transition", "")
        back = self.get_url(".details_view", id=record.id)
        if name not in {t.name for t in self.model.transitions}:
            flash(_("Unknown action."), "error")
            return redirect(back)
        values = {k: v for k, v in request.form.items() if k not in ("id", "transition",
                                                                     "csrf_token")}
        try:
            fire(record, name, values)
            db.session.commit()
            flash(_("Done: %(action)s.", action=self.model.transition(name).label),
                  "success")
        except TransitionRefused as exc:
            db.session.rollback()
            flash(str(exc), "error")
        except StaleDataError:
            db.session.rollback()
            flash(_("Someone else changed this record at the same moment; nothing was "
                    "changed. Look at its new state and try again."), "error")
        return redirect(back)


__all__ = ["WorkflowMixin", "fire", "TransitionRefused", "datetime"]
