"""The home page's 最近查看 and 最近修改 (issue 16 item 1): the records the user opened
last, and the records the user changed last, newest first, one click back to each.

*Recently viewed* is read from ``recent_view`` (written by the record pages,
``admin_views/record_page.py``). *Recently changed* is read from the audit trail,
which records every write already: the user's own creations, saves, steps and
attachments. A clerk comes back to what *they* were working on; changes by anyone in
their scope would bury it under their colleagues' work (and the lists' own sort by
date already answer "what changed in my department").

Both lists name records only through ``permissions.visible`` at reading time: a record
raised above the user's clearance, moved out of their scope or deleted since is left
out, and its text is never read. The cost is fixed whatever the user did: one
statement for both lists' keys (the audit trail read from the newest end of its
``(action, username, at)`` index), one for the texts of the visible records of every
kind named (a ``UNION ALL``, as the work queue does).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_login import current_user

from models import REGISTRY, AuditEvent, db
from models.recent_view import RecentView
from permissions import can, visible
from permissions.scoping import actor, remembered, scoped

#: Entries each list shows.
SHOWN = 10
#: Audit events of each kind read per home page (the newest): enough for ten
#: different records even when the user saved one record many times in a row.
SCANNED = 100
#: Audit actions that mean "this user changed the record".
CHANGES = ("insert", "update", "transition", "attach")
#: Characters of a record's text shown (a long look-up field, a description).
TEXT_CHARS = 60


@dataclass
class RecentItem:
    kind: object
    """The record type's label (投诉, 客户 …)."""
    text: str
    url: str
    at: datetime


def title_column(model):
    """SQL twin of ``record_page.number_of``: the record's number column, else its first
    look-up field, as text (shortened); the page falls back to ``#id``."""
    columns = sa.inspect(model).columns
    lookup = getattr(getattr(model, "Admin", None), "lookup_fields", ())
    name = "number" if "number" in columns else next(
        (field for field in lookup if field in columns), None)
    if name is None:
        return sa.cast(sa.null(), sa.String)
    return sa.func.substr(sa.cast(getattr(model, name), sa.String), 1, TEXT_CHARS)


def _keys(user, tables) -> list:
    """(list, table, record id as text, at) of both lists, newest first per list.

    The statement is remembered per principal (``permissions.scoping.remembered``),
    username and tables: it embeds nothing else (no moment; the newest rows are read
    each time it runs)."""
    statement = remembered(("recent-keys", user.username, tuple(tables)), actor(),
                           lambda principal: scoped(_keys_statement(user, tables), principal))
    return db.session.execute(statement).all()


def _keys_statement(user, tables):
    viewed = sa.select(sa.literal("viewed").label("list"), RecentView.model.label("model"),
                       sa.cast(RecentView.record_id, sa.String).label("record_id"),
                       RecentView.viewed_at.label("at")) \
        .where(RecentView.user_id == user.id).order_by(RecentView.viewed_at.desc()) \
        .limit(2 * SHOWN)
    events = [sa.select(AuditEvent.model, AuditEvent.record_id, AuditEvent.at)
              .where(AuditEvent.action == action, AuditEvent.username == user.username,
                     AuditEvent.user_id == user.id)
              .order_by(AuditEvent.at.desc()).limit(SCANNED) for action in CHANGES]
    latest = sa.union_all(*(sa.select(*e.subquery().c) for e in events)).subquery()
    changed = sa.select(sa.literal("changed").label("list"), latest.c.model,
                        latest.c.record_id, sa.func.max(latest.c.at).label("at")) \
        .where(latest.c.model.in_(tables)) \
        .group_by(latest.c.model, latest.c.record_id) \
        .order_by(sa.func.max(latest.c.at).desc()).limit(2 * SHOWN)
    return sa.union_all(sa.select(*viewed.subquery().c), sa.select(*changed.subquery().c))


def _pk(text) -> int | None:
    text = str(text or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def recent_records() -> dict[str, list[RecentItem]]:
    """{"viewed": [...], "changed": [...]}: up to ``SHOWN`` visible records each."""
    user = actor()
    tables = [table for table, model in REGISTRY.items() if can(user, "view", model)]
    if not tables or not current_user.is_authenticated:
        return {"viewed": [], "changed": []}
    keys = [(row.list, row.model, _pk(row.record_id), row.at)
            for row in _keys(current_user, tables) if row.model in tables]
    keys = [key for key in keys if key[2] is not None]
    wanted: dict[str, set[int]] = {}
    for _list, table, pk, _at in keys:
        wanted.setdefault(table, set()).add(pk)
    texts = {}
    if wanted:
        # The user's visible() per kind, remembered like the statement above.
        parts = [sa.select(sa.literal(table).label("kind"), model.id.label("id"),
                           title_column(model).label("text"))
                 .where(model.id.in_(sorted(ids)), remembered(
                     ("recent-visible", table), user,
                     lambda principal, model=model: visible(principal, model)))
                 for table, ids in wanted.items() for model in (REGISTRY[table],)]
        texts = {(row.kind, row.id): row.text
                 for row in db.session.execute(sa.union_all(*parts))}
    found, listed = {"viewed": [], "changed": []}, set()
    for name, table, pk, at in sorted(keys, key=lambda key: key[3], reverse=True):
        if (table, pk) not in texts or len(found[name]) >= SHOWN \
                or (name, table, pk) in listed:
            continue  # not visible to the user (now), deleted, or listed (two tabs)
        listed.add((name, table, pk))
        found[name].append(RecentItem(REGISTRY[table].Admin.label,
                                      texts[(table, pk)] or f"#{pk}",
                                      url_for(f"{table}.details_view", id=pk), at))
    return found


__all__ = ["recent_records", "RecentItem", "title_column"]
