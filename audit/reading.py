"""Reading the audit log back: events told as people read them, and a record's history.

The audit log screen, a record's history and a complaint's case timeline
(``admin_views/audit_log.py``, ``admin_views/case_timeline.py``) show what this builds.

The confidentiality rule for history: an event carries the highest level its
record had in it (before or after the change). A reader whose clearance is below
that level sees that the event happened — who, when, which fields — but not the
values. So after a record goes from secret down to internal, an internal reader
sees its new life in full and nothing of what it said while it was secret. Linked
records named in a value (a customer, a department) are looked up through the
reader's own visibility: one they may not see is shown as hidden.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.util import identity_key

from models import REGISTRY, AppUser, AuditEvent, db
from models.clock import utc_to_local
from permissions import is_visible
from permissions.audit import readable, readable_in_history
from permissions.scoping import SCOPED, actor, remembered, scoped

from .trail import ABOVE, MASK

ACTIONS = {
    "insert": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "transition": _l("Workflow step"),
    "export": _l("Exported a list"),
    "login": _l("Logged in"),
    "logout": _l("Logged out"),
    "login_failed": _l("Failed login"),
    "login_locked": _l("Login refused (locked)"),
    "refused": _l("Access refused"),
    "request_failed": _l("Request failed"),
    "attach": _l("File attached"),
    "download": _l("File downloaded"),
    "seed_demo": _l("Demo data loaded"),
    "backup": _l("Backup written"),
    "restore": _l("Backup restored"),
    "audit_rekey": _l("Audit log sealed with its key"),
    "print": _l("Printed a form"),
}
#: Labels of what explicit events note besides field changes.
NOTES = {"status": _l("Answer"), "path": _l("Address requested"), "format": _l("Format"),
         "query": _l("Query"), "file": _l("File"), "attempt": _l("Attempted"),
         "ids": _l("Records"), "count": _l("Number of records"),
         "method": _l("Method"), "error": _l("Error"),
         "plain_events": _l("Events written without the key"),
         "plain_head_id": _l("Last of them"), "plain_head_digest": _l("Its digest"),
         "form": _l("Form"),
         # What a step's form asked (services/steps.py: the transition event's values).
         "values": _l("Entered at this step")}
#: Labels of child tables that are not a relationship of their owner.
CHILD_LABELS = {"attachment": _l("Attachment")}
HIDDEN = _l("(hidden: above your clearance)")
MAX_ENTRIES = 200


def note_label(key: str) -> str:
    """The label of what an explicit event notes: ``NOTES``, or for a count per record
    type (the demo's load, by table name) the type's plural label."""
    if key in NOTES:
        return str(NOTES[key])
    model = REGISTRY.get(key)
    return str(model.Admin.label_plural) if model is not None else key


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    """One line of a history or timeline, ready for the template."""

    when: datetime
    what: str
    who: str = ""
    address: str = ""
    record: str = ""
    url: str | None = None
    changes: list[Change] = field(default_factory=list)
    hidden: bool = False
    event_id: int | None = None
    date_only: bool = False
    login: str = ""
    """The login name the event recorded, beside ``who`` (the person's name)."""

    @property
    def when_text(self) -> str:
        return self.when.strftime("%Y-%m-%d" if self.date_only else "%Y-%m-%d %H:%M")


def is_links(value) -> bool:
    """Many-to-many links as the audit hook writes them: ``{"added": […], "removed": […]}``."""
    return isinstance(value, dict) and bool(value) and set(value) <= {"added", "removed"}


def mapped_class(table: str | None):
    if table in REGISTRY:
        return REGISTRY[table]
    for mapper in db.Model.registry.mappers:
        if mapper.local_table.name == table:
            return mapper.class_
    return None


def model_label(table: str | None) -> str:
    model = REGISTRY.get(table)
    if model is not None:
        return str(model.Admin.label)
    return str({"audit_event": _l("Audit log"), **CHILD_LABELS}.get(table, table or ""))


def changes_of(event: AuditEvent) -> dict:
    try:
        changes = json.loads(event.changes) if event.changes else {}
    except ValueError:
        return {"changes": event.changes}
    return changes if isinstance(changes, dict) else {"changes": changes}


def action_label(event: AuditEvent, changes: dict) -> str:
    text = str(ACTIONS.get(event.action, event.action))
    model = REGISTRY.get(event.model)
    name = changes.get("transition")
    if event.action == "transition" and model is not None and name:
        try:
            return f"{text}: {model.transition(name).label}"
        except KeyError:
            return f"{text}: {name}"
    return text


# -- who ----------------------------------------------------------------------------

def people_of(events) -> dict[str, tuple[int, str]]:
    """Login name → (account id, full name) of the accounts ``events`` name, in one
    query. The log stores the login name (hashed in the chain, never changed); the
    person's name is looked up when the events are read."""
    names = {event.username for event in events if event.username}
    found = dict.fromkeys(names, (None, ""))  # asked, whether found or not
    if names:
        found.update((username, (pk, name)) for username, pk, name in db.session.execute(
            sa.select(AppUser.username, AppUser.id, AppUser.full_name)
            .where(AppUser.username.in_(names))))
    return found


def full_name(event, people: dict[str, tuple[int, str]]) -> str:
    """The full name of who acted, or what the event recorded: the login name of an
    account since removed or renamed (an account that got the id of a removed one on
    SQLite is another person), a name typed at a failed login, or "system"."""
    pk, name = people.get(event.username or "", (None, ""))
    if name and (event.user_id is None or event.user_id == pk):
        return name
    return event.username or _("system")


def who_with_login(event, people: dict[str, tuple[int, str]]) -> str:
    """``李晓燕 (clerk.sales)``: the audit log names the person and keeps the login."""
    name = full_name(event, people)
    return f"{name} ({event.username})" if event.username and name != event.username \
        else name


# -- field values --------------------------------------------------------------------

class Resolver:
    """Turns stored ids into labels through the reader's visibility, in batches."""

    def __init__(self):
        self.wanted: dict[type, set[int]] = {}
        self.labels: dict[tuple[type, int], str] = {}

    def want(self, model, value) -> None:
        ids = value if isinstance(value, list) else [value]
        for pk in ids:
            if isinstance(pk, int):
                self.wanted.setdefault(model, set()).add(pk)

    def resolve(self) -> None:
        for model, ids in self.wanted.items():
            missing = []
            for pk in ids:  # the page has most of them loaded already
                known = db.session.identity_map.get(identity_key(model, pk))
                # Reference data (people, departments) is not filtered by the session:
                # a loaded row is what the query would find (no statement for it).
                if known is not None and (not issubclass(model, SCOPED)
                                          or is_visible(actor(), known)):
                    self.labels[(model, pk)] = str(known)
                else:
                    missing.append(pk)
            if missing:
                # Inside a request the session filters rows by the reader's visibility.
                for record in db.session.scalars(sa.select(model).where(
                        model.id.in_(missing))):
                    self.labels[(model, record.id)] = str(record)

    def label(self, model, pk) -> str:
        return self.labels.get((model, pk), str(HIDDEN))


def describe_field(model, key: str):
    """(label, column or relationship, target model of a link) of a change key."""
    if model is None:
        return key, None, None
    if "#" in key:  # a child row: "lines#12.quantity_counted"
        prefix, _, rest = key.partition("#")
        child_id, _, child_key = rest.partition(".")
        mapper = sa.inspect(model)
        if prefix in mapper.relationships:
            rel = mapper.relationships[prefix]
            child, group = rel.mapper.class_, rel.info.get("label", prefix)
        else:
            child, group = mapped_class(prefix), CHILD_LABELS.get(prefix, prefix)
        label, column, target = describe_field(child, child_key) if child_key else \
            ("", None, None)
        return f"{group} {child_id}" + (f" · {label}" if label else ""), column, target
    mapper = sa.inspect(model)
    if key in mapper.relationships:
        rel = mapper.relationships[key]
        return rel.info.get("label", key), None, rel.mapper.class_
    if key in mapper.columns:
        column = mapper.columns[key]
        target = None
        if column.foreign_keys:
            target = mapped_class(next(iter(column.foreign_keys)).column.table.name)
        return column.info.get("label", key), column, target
    return key, None, None


def field_order(model, key: str) -> tuple:
    """Form order: the model's own fields as declared, then its child rows."""
    if model is None or "#" in key:
        return (1, 0, key)
    position = _positions(model)
    return (0, position.get(key, len(position)), key)


@lru_cache(maxsize=64)
def _positions(model) -> dict[str, int]:
    return {attr.key: index for index, attr in enumerate(sa.inspect(model).attrs)}


def show_value(value, column, target, resolver: Resolver) -> str:
    if value is None or value == "":
        return "—"
    if value == MASK:
        return str(_l("(changed)"))
    if value == ABOVE:
        return str(_l("(written at a higher level: see the earlier entries)"))
    if target is not None:
        return ", ".join(resolver.label(target, v) for v in value) \
            if isinstance(value, list) else resolver.label(target, value)
    if column is not None:
        choices = column.info.get("choices")
        if choices:
            codes = value.split() if column.info.get("multiple") else [value]
            return ", ".join(str(choices.get(code, code)) for code in codes)
        if isinstance(column.type, sa.DateTime):
            try:
                return utc_to_local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
            except (TypeError, ValueError):
                return str(value)
        if isinstance(column.type, sa.Boolean):
            return str(_l("Yes") if value else _l("No"))
    return str(value)


def describe(events: list[AuditEvent], clearance: str | None, *,
             with_record: bool = False, people=None) -> list[Entry]:
    """Entries for events, values masked where the reader's clearance is too low.
    ``people`` (``people_of``'s answer) when the caller read it with the events."""
    resolver, parsed = Resolver(), []
    for event in events:
        changes = changes_of(event)
        model = REGISTRY.get(event.model) or mapped_class(event.model)
        changes = dict(sorted(changes.items(), key=lambda item: field_order(model, item[0])))
        fields = {key: describe_field(model, key) for key in changes}
        if readable(event, clearance):
            for key, (_label, _column, target) in fields.items():
                if target is not None:
                    value = changes[key]
                    if is_links(value):
                        resolver.want(target, [*value.get("added", ()),
                                               *value.get("removed", ())])
                    elif isinstance(value, list):
                        resolver.want(target, [v for v in value if isinstance(v, int)])
            for value in changes.values():
                if isinstance(value, dict) and not is_links(value):
                    for inner, item in value.items():  # a step's values (_labelled)
                        target = describe_field(model, inner)[2]
                        if target is not None and isinstance(item, int):
                            resolver.want(target, item)
        parsed.append((event, changes, fields))
    resolver.resolve()
    people = people_of(events) if people is None else people
    return [_entry(event, changes, fields, clearance, resolver, with_record, people)
            for event, changes, fields in parsed]


def export_changes(events: list[AuditEvent]) -> dict[int, str | None]:
    """The events' changes as stored (JSON, for the log's export), except the ids of
    linked records the reader may not see, which become ``HIDDEN``: an event within
    the reader's clearance can still name a record above it (an internal complaint
    about a secret customer). One query per linked record type for all ``events``."""
    resolver, parsed = Resolver(), []
    for event in events:
        changes = changes_of(event)
        model = REGISTRY.get(event.model) or mapped_class(event.model)
        links = {}
        for key, value in changes.items():
            target = describe_field(model, key)[2]
            if target is None:
                continue
            links[key] = target
            ids = [*value.get("added", ()), *value.get("removed", ())] \
                if is_links(value) else value if isinstance(value, list) else [value]
            resolver.want(target, [v for v in ids if isinstance(v, int)])
        parsed.append((event, changes, links))
    resolver.resolve()
    texts = {}
    for event, changes, links in parsed:
        for key, target in links.items():
            changes[key] = _hide_unseen(changes[key], target, resolver)
        texts[event.id] = json.dumps(changes, ensure_ascii=False, sort_keys=True) \
            if links else event.changes
    return texts


def _hide_unseen(value, target, resolver: Resolver):
    def one(pk):
        return pk if not isinstance(pk, int) or (target, pk) in resolver.labels \
            else str(HIDDEN)
    if is_links(value):
        return {key: [one(pk) for pk in ids] for key, ids in value.items()}
    if isinstance(value, list):
        return [one(pk) for pk in value]
    return one(value)


def _labelled(model, key: str, value, resolver: Resolver) -> str:
    """``处理方式: 换货`` for ``{"handling": "replacement"}``: the field's label and the
    value's, not the stored names."""
    label, column, target = describe_field(model, key)
    if column is not None and "label" not in column.info:
        return ""  # a derived column without a label: the log keeps it, people don't
    if isinstance(value, bool) and column is None:
        shown = str(_l("Yes") if value else _l("No"))
    else:
        shown = show_value(value, column, target, resolver)
    return f"{label}: {shown}"


def _entry(event, changes, fields, clearance, resolver, with_record, people) -> Entry:
    hidden = not readable(event, clearance)
    lines = []
    for key, value in changes.items():
        if key == "transition":
            continue
        label, column, target = fields[key]
        if value in ({}, [], None) or (column is not None and "label" not in column.info):
            continue  # nothing to say, or a derived column without a label (log only)
        if hidden:
            lines.append(Change(str(label), "•••", "•••"))
        elif is_links(value):  # links added / removed
            lines.append(Change(str(label),
                                show_value(value.get("removed") or None, column, target,
                                           resolver),
                                show_value(value.get("added") or None, column, target,
                                           resolver)))
        elif isinstance(value, list) and len(value) == 2:
            if value[0] == value[1]:
                continue  # an older step that kept the status logged it as "A → A"
            lines.append(Change(str(label), show_value(value[0], column, target, resolver),
                                show_value(value[1], column, target, resolver)))
        elif isinstance(value, dict):  # a note made of several values: the step's
            # fields, told by their labels and values as the form shows them
            model = REGISTRY.get(event.model) or mapped_class(event.model)
            text = "; ".join(filter(None, (_labelled(model, k, v, resolver)
                                           for k, v in value.items())))
            lines.append(Change(note_label(key), "", text))
        else:  # what an explicit event says (a refusal's answer, an export's format)
            lines.append(Change(note_label(key), "", str(value)))
    entry = Entry(when=utc_to_local(event.at), what=action_label(event, changes),
                  who=full_name(event, people), login=event.username or "",
                  address=event.address or "", changes=lines, hidden=hidden,
                  event_id=event.id)
    if with_record:
        entry.record = f"{model_label(event.model)} {event.record_id or ''}".strip()
    return entry


def _history_statement(principal):
    """``history_of``'s statement for one reader, made once per reader's rules
    (``remembered``), the record named by bound parameters. The people named come with
    the events (one statement: the details page's budget)."""
    return scoped(sa.select(AuditEvent, AppUser.id, AppUser.full_name)
                  .outerjoin(AppUser, AppUser.username == AuditEvent.username)
                  .where(AuditEvent.model == sa.bindparam("history_model"),
                         AuditEvent.record_id == sa.bindparam("history_record"),
                         readable_in_history(principal))
                  .order_by(AuditEvent.id.desc()).limit(MAX_ENTRIES), principal)


def history_of(record, clearance: str | None) -> list[Entry]:
    """The record's events, newest first. Who tried to read it (refusals, downloads)
    is for readers of the audit log; everyone else sees how the record changed."""
    statement = remembered("record_history", actor(), _history_statement)
    rows = db.session.execute(statement, {"history_model": record.__tablename__,
                                          "history_record": str(record.id)}).all()
    people = {event.username: (pk, name or "") for event, pk, name in rows if event.username}
    return describe([event for event, _pk, _name in rows], clearance, people=people)
