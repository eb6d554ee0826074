"""The print routes: one record's form, or the records picked on a list as one document
with a page per copy (``/print/<form>?id=1&id=2``), and the buttons that lead there."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from admin_views.secure import visible_record
from audit import record_event
from models import db
from permissions import can
from permissions.scoping import actor

from . import bp
from .forms import BY_KEY, corrective_actions_of, forms_for, signatures_of
from .tables import shown

MAX_RECORDS = 200
"""Records in one printed document (a day's 催办单 for every department fits)."""


@bp.get("/print/<key>")
def print_form(key: str):
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    form = BY_KEY.get(key)
    if form is None:
        abort(404)
    raw_ids = list(dict.fromkeys(request.args.getlist("id")))
    if not raw_ids or len(raw_ids) > MAX_RECORDS:
        abort(400, description=_("Choose between 1 and %(count)s records to print.",
                                 count=MAX_RECORDS))
    # Each id as the details page would open it: a record the user may not see is a 404.
    records = [visible_record(form.model, raw) for raw in raw_ids]
    records = [r for r in records if form.applies(r)]
    if not records:
        abort(404)
    for record in records:
        record_event("print", model=form.model.__tablename__, record_id=record.id,
                     changes={"form": key})
    db.session.commit()
    pages = [(record, signatures_of(form, record)) for record in records]
    return render_template("forms/document.html", form=form, pages=pages, shown=shown,
                           corrective_actions_of=corrective_actions_of)


def print_links(record) -> list[tuple[object, str]]:
    """The forms this record prints as, for the details page (only if readable)."""
    if record is None or not can(actor(), "view", record):
        return []
    return [(form.title, url_for("reports.print_form", key=form.key, id=record.id))
            for form in forms_for(type(record)) if form.applies(record)]


def local_time(value) -> str:
    """A stored (UTC) time as the office reads it, for the printed forms."""
    from admin_views.fields import utc_to_local
    return utc_to_local(value).strftime("%Y-%m-%d %H:%M")
