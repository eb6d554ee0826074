"""The record page (issue 16 item 2): what a user reads first on every details page.

Everything here is derived from the model declarations, so every generated screen gets
it without a per-model template:

- the save message names the record by its number column and its due date field
  ("投诉 2612003 已登记，处理期限 2026-12-02");
- destructive steps (驳回, 退回, 撤回, 终止 …) are told apart from the others by their
  name, styled as such and confirmed;
- the details table is grouped (the record's own fields, what its steps recorded) and
  the empty fields are folded away;
- the records that point at this one (a customer's complaints, contracts, files,
  loans, visits) are listed with their counts, all kinds in one SQL statement.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app, flash, g, has_request_context, request, session, url_for
from flask_admin import expose
from flask_admin.babel import gettext as admin_gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.interfaces import MANYTOONE

from models import REGISTRY, db
from models.recent_view import note_view
from models.workflow import Stateful
from permissions import can, visible
from permissions.scoping import actor, remembered, scoped

from .formatting import translated
from .secure import parse_pk

#: Step names (or their first word) that undo, refuse or end a record's course: shown
#: as red buttons that ask for a confirmation before they are fired.
DESTRUCTIVE = ("reject", "send_back", "send_back_major", "withdraw", "terminate",
               "not_upheld", "refuse_level_change", "supersede", "reopen")

#: Records related to another through a third one (a loan names a file, the file its
#: customer): (model, relationship to the middle record, middle model's relationship).
THROUGH: tuple[tuple[str, str, str], ...] = (("loan", "archive_file", "customer"),)

#: How many related records of each kind the page lists (the count says how many exist).
RELATED_SHOWN = 5
#: The record a record page's rows belong to, in ``page_rows``' statement.
PAGE_RECORD = sa.bindparam("page_record_id", type_=sa.Integer())


def is_destructive(step) -> bool:
    return step.name in DESTRUCTIVE or step.name.split("_")[0] in ("reject", "refuse")


def number_of(record) -> str:
    """The record's number (its ``number`` column, else its first look-up field)."""
    model = type(record)
    fields = ("number", *getattr(getattr(model, "Admin", None), "lookup_fields", ()))
    for name in fields:
        value = getattr(record, name, None) if name in sa.inspect(model).columns else None
        if value not in (None, ""):
            return str(value)
    return str(record)


def due_field(model) -> str | None:
    """The column that holds the date a record is due: the effective one if the model
    keeps one (an extension moves it), else ``due_date``, else the first date column
    whose name says it is due (``decision_due_on``)."""
    columns = sa.inspect(model).columns
    for name in ("effective_due_date", "due_date"):
        if name in columns:
            return name
    return next((c.key for c in columns if "due" in c.key and "provisional" not in c.key
                 and isinstance(c.type, (sa.Date, sa.DateTime))), None)


def due_date_of(record) -> date | None:
    current = getattr(record, "current_due_date", None)
    if isinstance(current, date):
        return current
    name = due_field(type(record))
    return getattr(record, name) if name else None


def saved_message(record, created: bool) -> str:
    """投诉 2612003 已登记，处理期限 2026-12-02 — the kind, number and due date."""
    kind = getattr(type(record).Admin, "label", type(record).__name__)
    number, due = number_of(record), due_date_of(record)
    if created and due is not None:
        return _("%(kind)s %(number)s registered, due %(day)s.", kind=kind, number=number,
                 day=due.isoformat())
    if created:
        return _("%(kind)s %(number)s registered.", kind=kind, number=number)
    return _("%(kind)s %(number)s saved.", kind=kind, number=number)


def _replace_flash(old: str, new: str) -> None:
    """Flask-Admin flashes its own generic message; this one names the record."""
    flashes = session.get("_flashes") or []
    for index, (category, message) in enumerate(flashes):
        if message == old:
            flashes[index] = (category, new)
            session["_flashes"] = flashes
            return
    flash(new, "success")


def _empty(value) -> bool:
    return value is None or value == "" or (isinstance(value, (list, tuple)) and not value)


class RecordPageMixin:
    """The parts of the record page every generated screen shares."""

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        if has_request_context():
            g.saved_record = (model, is_created)

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        response = super().create_view()
        self._name_the_record("Record was successfully created.")
        return response

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        response = super().edit_view()
        self._name_the_record("Record was successfully saved.")
        return self._note_opened(response)

    @expose("/details/")
    def details_view(self):
        return self._note_opened(super().details_view())

    def _note_opened(self, response):
        """A record page shown (200 to a GET: ``get_one`` found the record visible and
        the action allowed) goes to the top of the user's 最近查看 (home page). Written
        after the page is made, so committing expires nothing the page still reads; a
        failed note (a locked database) costs the list an entry, never the page."""
        pk = parse_pk(request.args.get("id"))
        if request.method == "GET" and pk is not None and current_user.is_authenticated \
                and getattr(response, "status_code", 200) == 200:
            session = db.session()
            try:
                note_view(current_user.id, self.model.__tablename__, pk)
                # Nothing read is stale after this write: keep the account loaded (the
                # after-request hooks read it) instead of reading it again.
                session.expire_on_commit = False
                session.commit()
            except SQLAlchemyError:
                db.session.rollback()
                current_app.logger.warning("recent view of %s %s not noted",
                                           self.model.__tablename__, pk, exc_info=True)
            finally:
                session.expire_on_commit = True
        return response

    def _name_the_record(self, generic: str) -> None:
        saved = g.pop("saved_record", None)
        if saved is not None:
            record, created = saved
            _replace_flash(admin_gettext(generic), saved_message(record, created))

    # -- the details page -----------------------------------------------------------
    def step_is_destructive(self, step) -> bool:
        return is_destructive(step)

    def record_title(self, record) -> str:
        return number_of(record)

    def record_sections(self, record, details_columns) -> list[tuple]:
        """(title, [(column, label)]) of the filled fields, grouped: the record's own
        fields, then what its steps recorded (their required fields and stamps); and
        last the empty fields, folded away by the template (title None). Labels come
        as text, each read once per language (``translated``): escaping a lazy label
        walks Flask-Babel's look-up, forty times a page."""
        model = type(record)
        recorded = {f for step in getattr(model, "steps", lambda: ())()
                    for f in (*step.requires, *step.stamps)}
        recorded |= {f[:-3] for f in recorded if f.endswith("_id")}
        own, steps, empty = [], [], []
        mapped = sa.inspect(model).attrs.keys()
        for column, lazy_label in details_columns:
            label = translated(lazy_label)
            # Only mapped attributes are read here: a computed field may run a query,
            # which the table below runs once to show it.
            if column in mapped and _empty(getattr(record, column, None)):
                empty.append((column, label))
            elif column in recorded:
                steps.append((column, label))
            else:
                own.append((column, label))
        sections = [(translated(_l("Main fields")), own)]
        if steps:
            sections.append((translated(_l("Handling record")), steps))
        if empty:
            sections.append((None, empty))
        return sections

    def related_records(self, record) -> list[tuple]:
        """Records of other kinds that point at this one (many-to-one), that the user
        may list: (label, count, [(text, url, status label)], raised?) — the newest
        ``RELATED_SHOWN`` of each kind and their number, every kind in one statement
        (``page_rows``). A reference record (a customer, a file, a project) lists every
        kind; a record with a workflow only those raised from it and listed on it (a
        complaint's corrective actions and follow-ups, ``listed_on_source``), as
        before: its case timeline has the rest, and its page keeps its statement
        budget."""
        rows = self.page_rows(record)
        found = []
        for table, model in self._related_models().items():
            mine = rows.get(table)
            if not mine:
                continue
            statuses = getattr(model, "statuses", {})
            found.append((model.Admin.label_plural, mine[0].total, [
                (row.text or f"#{row.id}", url_for(f"{table}.details_view", id=row.id),
                 row.status, statuses.get(row.status, row.status), bool(row.late))
                for row in mine], bool(getattr(model, "listed_on_source", False))))
        return found

    def page_rows(self, record) -> dict[str, list]:
        """The rows the page lists besides the record, by kind: the related records
        (``related_records``) and the screen's own (``own_row_parts``: an attachment
        screen's files). One UNION ALL, sent once per request and record by whichever
        part of the page asks first (the files' field comes before the related
        records: two statements, before, for one page).

        The statement names the record by ``PAGE_RECORD`` and is made once per user's
        rules and screen (``remembered``: the kinds they may list, their ``visible()``,
        today's lateness); building its dozen SELECTs was a tenth of a record page."""
        memo = g.setdefault("record_page_rows", {})
        key = (self.endpoint, record.id)
        if key not in memo:
            statement = remembered(("record_page_rows", self.endpoint), actor(),
                                   self._page_statement)
            by_kind: dict[str, list] = {}
            rows = db.session.execute(statement, {PAGE_RECORD.key: record.id}).all() \
                if statement is not None else ()
            for row in rows:
                by_kind.setdefault(row.kind, []).append(row)
            memo[key] = by_kind
        return memo[key]

    def _page_statement(self, principal):
        """``page_rows``' UNION ALL for the request's user (None: nothing to list),
        carrying their row rules (``scoped``: sent as it is, not copied with them)."""
        parts = [*self._related_parts(), *self.own_row_parts()]
        return scoped(sa.union_all(*parts), principal) if parts else None

    def own_row_parts(self) -> list:
        """SELECTs of further rows the page lists, with ``page_rows``' columns (kind,
        id, text, status, late, total, size) and the record named by ``PAGE_RECORD``:
        those of the screen's other bases (this mixin comes first in every generated
        screen's bases)."""
        further = getattr(super(), "own_row_parts", None)
        return further() if further is not None else []

    def _related_models(self) -> dict:
        """The kinds ``related_records`` may list on this screen, for this user."""
        memo = g.setdefault("record_page_kinds", {})
        if self.endpoint not in memo:
            memo[self.endpoint] = {
                table: model for table, model in REGISTRY.items()
                if model is not self.model and can(actor(), "list", model)
                and not (issubclass(self.model, Stateful)
                         and not _listed_on(model, self.model))
                and _link_to(model, self.model, 0) is not None}
        return memo[self.endpoint]

    def _related_parts(self) -> list:
        parts = []
        for table, model in self._related_models().items():
            link = _link_to(model, self.model, PAGE_RECORD)
            late = model.late_clause(_today()) if issubclass(model, Stateful) else None
            lookup = getattr(model.Admin, "lookup_fields", ())
            text = getattr(model, lookup[0]) if lookup and lookup[0] \
                in sa.inspect(model).columns else model.id
            status = sa.cast(model.status, sa.String) \
                if issubclass(model, Stateful) else sa.literal("")
            query = sa.select(
                sa.literal(table).label("kind"), model.id.label("id"),
                sa.cast(text, sa.String).label("text"), status.label("status"),
                (sa.case((late, sa.literal(1)), else_=sa.literal(0)) if late is not None
                 else sa.literal(0)).label("late"),
                sa.func.count().over().label("total"),
                sa.literal(0).label("size"),
            ).where(link, visible(actor(), model)).order_by(model.id.desc()) \
                .limit(RELATED_SHOWN)
            parts.append(sa.select(*query.subquery().c))
        return parts


def _listed_on(model, source) -> bool:
    """Records raised from ``source`` that their model lists on it (a complaint's
    corrective actions and follow-up calls: ``listed_on_source``)."""
    return bool(getattr(model, "listed_on_source", False)) and any(
        sa.inspect(model).relationships[name].mapper.class_ is source
        for name in getattr(model, "raised_from", {}))


def _today():
    from models.clock import today
    return today()


def _link_to(model, target, target_id):
    """SQL condition: rows of ``model`` naming the ``target`` record, directly or
    through ``THROUGH``; None when ``model`` does not name ``target`` at all."""
    relations = sa.inspect(model).relationships
    direct = [rel for rel in relations
              if rel.direction is MANYTOONE and not rel.viewonly
              and rel.mapper.class_ is target]
    if direct:
        return sa.or_(*(next(iter(rel.local_columns)) == target_id for rel in direct))
    for table, middle_name, outer_name in THROUGH:
        if model.__tablename__ != table:
            continue
        middle = relations[middle_name]
        middle_model = middle.mapper.class_
        outer = sa.inspect(middle_model).relationships[outer_name]
        if outer.mapper.class_ is not target:
            continue
        return next(iter(middle.local_columns)).in_(
            sa.select(middle_model.id).where(next(iter(outer.local_columns)) == target_id))
    return None


__all__ = ["RecordPageMixin", "is_destructive", "saved_message", "number_of",
           "due_date_of", "due_field"]
