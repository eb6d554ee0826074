"""Saved filters (issue 16 item 3, 保存的筛选): a user's named list queries.

A saved filter is the query string of one generated list (its filters, search, sort,
quick filters and named list) under a name, for one user. It grants nothing: the link
replays the query on the same list, which applies the user's visibility as always.
Not a business record: no grants, no screen of its own (the list page shows a user's
filters of that list); saving and deleting one is audited like any other row.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import db
from .clock import utcnow

NAME_MAX = 60
QUERY_MAX = 2000
#: Saved filters per user and list: a drop-down's worth, not a second database.
PER_LIST = 30
#: Arguments a replay leaves out: a saved filter opens on its first page.
NOT_KEPT = ("page",)
NAME_LABEL = _l("Filter name")
QUERY_LABEL = _l("Filter conditions")


class SavedFilter(db.Model):
    """One named query of one list (``list_name``: the list's table) of one user."""

    __tablename__ = "saved_filter"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    list_name: Mapped[str] = mapped_column(String(40), info={"label": _l("List")})
    name: Mapped[str] = mapped_column(String(NAME_MAX), info={"label": NAME_LABEL})
    query: Mapped[str] = mapped_column(String(QUERY_MAX), info={"label": QUERY_LABEL})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("user_id", "list_name", "name"),)

    def __str__(self) -> str:
        return self.name


def clean_query(raw: str) -> str:
    """The query string as a list would read it, re-encoded (no fragment, no page):
    what is stored is only ever appended to the list's own address."""
    pairs = [(key, value) for key, value in parse_qsl(raw.lstrip("?"), keep_blank_values=False)
             if key not in NOT_KEPT]
    return urlencode(pairs)


_FILTERS_OF = sa.select(SavedFilter.id, SavedFilter.name, SavedFilter.query).where(
    SavedFilter.user_id == sa.bindparam("user_id"),
    SavedFilter.list_name == sa.bindparam("list_name")).order_by(SavedFilter.name)


def filters_of(user_id: int, list_name: str) -> list:
    """(id, name, query) of the user's saved filters of a list, by name. Every list
    page asks: one statement made once, sent on the session's connection (the user's
    own rows by their id, with no row rule for the ORM to add). A request whose
    account read said the user has no saved filter at all (``count_column``) sends
    none."""
    if g.get(_NONE_SAVED_BY) == user_id:
        return []
    return db.session.connection().execute(
        _FILTERS_OF, {"user_id": user_id, "list_name": list_name}).all()


#: ``g`` key: the account whose read, this request, found it has no saved filter.
_NONE_SAVED_BY = "no_saved_filters_of"


def count_column(user_id_column) -> sa.ScalarSelect:
    """How many saved filters the account of ``user_id_column`` has, as a scalar
    subquery for the statement that reads the account every request
    (``auth.load_user``): most users save none, and their list pages then skip the
    statement of ``filters_of`` (a round trip on PostgreSQL, 7 % of a list page)."""
    return sa.select(sa.func.count()).where(SavedFilter.user_id == user_id_column) \
        .correlate_except(SavedFilter).scalar_subquery()


def seen_count(user_id: int, count: int) -> None:
    """The account read found ``count`` saved filters of ``user_id`` (this request)."""
    if count == 0:
        g.setdefault(_NONE_SAVED_BY, user_id)


def save_filter(user_id: int, list_name: str, name: str, raw_query: str) -> tuple:
    """(saved filter, None) or (None, message naming the field). A name the user already
    gave a filter of this list is saved over: the newer query replaces the older."""
    name = (name or "").strip()
    label = NAME_LABEL
    if not name:
        return None, _l("%(field)s: enter a name.", field=label)
    if len(name) > NAME_MAX:
        return None, _l("%(field)s: at most %(max)s characters (%(count)s entered).",
                        field=label, max=NAME_MAX, count=len(name))
    query = clean_query(raw_query or "")
    if len(query) > QUERY_MAX:
        return None, _l("%(field)s: this filter is too long to save (at most %(max)s "
                        "characters).", field=QUERY_LABEL, max=QUERY_MAX)
    saved = db.session.scalar(sa.select(SavedFilter).where(
        SavedFilter.user_id == user_id, SavedFilter.list_name == list_name,
        SavedFilter.name == name))
    if saved is None:
        count = db.session.scalar(sa.select(sa.func.count()).select_from(SavedFilter).where(
            SavedFilter.user_id == user_id, SavedFilter.list_name == list_name))
        if count >= PER_LIST:
            return None, _l("%(field)s: you have %(max)s saved filters on this list; delete "
                            "one first.", field=label, max=PER_LIST)
        saved = SavedFilter(user_id=user_id, list_name=list_name, name=name)
        db.session.add(saved)
        # The account read's "none saved" no longer holds for the rest of this request.
        g.pop(_NONE_SAVED_BY, None)
    saved.query = query
    return saved, None
