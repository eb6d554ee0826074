"""List, count, search and export that cost the same at ten thousand and a million rows.

Flask-Admin out of the box counts every matching row for the pager, searches with
``CAST(col AS TEXT) ILIKE '%term%'`` (a full table read) and builds an export in
memory before the first byte. ``FastListMixin`` goes in front of ``SecureModelView``
and replaces those three, without touching how rows are chosen: every query still
starts from ``get_query()`` / ``get_count_query()``, i.e. from ``visible()``.
"""
from __future__ import annotations

import time
from types import SimpleNamespace
from urllib.parse import quote

import sqlalchemy as sa
from flask import g
from flask_admin.model.template import BaseListRowAction, EditRowAction, ViewRowAction
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import MANYTOONE, ColumnProperty, selectinload

from models import db
from models.indexes import MIN_INDEXED_TERM, SEARCH_COLUMNS, fts_table, search_document, tie_break
from permissions import visible
from permissions.scoping import actor, remembered

#: The pager counts at most this many rows and then shows "N+" (a full count of a
#: million-row table costs more than the page itself).
COUNT_CAP = 500
#: A search's count stops sooner: past five pages of matches the clerk narrows the
#: search rather than reads on, and the count of a common term must look at every
#: match the user may not see before it finds the ones they may.
SEARCH_COUNT_CAP = 100
#: From this offset on, a page's ids are read before its rows (``_deep_page``).
DEFERRED_OFFSET = 1000
#: Deepest offset a page sorted by a reference is read by walking the reference's index.
REFERENCE_WALK_LIMIT = 2000


class CappedCount(int):
    """A count that stopped at the cap: arithmetic sees the number, the page "N+"."""

    def __new__(cls, value: int, cap: int):
        capped = value > cap
        obj = super().__new__(cls, cap if capped else value)
        obj.capped = capped
        return obj

    def __str__(self) -> str:
        return f"{int(self)}+" if self.capped else str(int(self))

    __html__ = __str__


def capped_count_select(query, cap: int = COUNT_CAP) -> sa.Select:
    """``SELECT count(*)`` of the rows of ``query`` (an ORM query or select) that stops
    reading after cap + 1 rows: its cost depends on the cap, not on the table."""
    statement = query.statement if hasattr(query, "statement") else query
    inner = statement.order_by(None).limit(cap + 1).subquery()
    return sa.select(sa.func.count()).select_from(inner)


def capped_count(query, cap: int = COUNT_CAP) -> CappedCount:
    """Count the rows of ``query``, reading at most cap + 1."""
    return CappedCount(db.session.execute(capped_count_select(query, cap)).scalar_one(), cap)


def _has_search_structure(engine, name: str) -> bool:
    """Is the FTS5 table there (a database built by create_all() has none)? Cached."""
    cache = engine.__dict__.setdefault("_search_structures", {})
    if name not in cache:
        cache[name] = sa.inspect(engine).has_table(name)
    return cache[name]


class IndexedSearch:
    """How the search terms an index can serve narrow a list's page and its count.

    PostgreSQL: one trigram-indexed condition per term, for both; its planner weighs
    the index against walking the list's order. SQLite: one query of the FTS5 trigram
    table for all the terms together. A rare search takes its few matching ids
    (``id IN (matches)``) for the page, and the count reads the matches, each checked
    against the user's rules. The pages of a common one, and its count, walk the
    list's sort index and test each row's text: with a match every few rows both
    stop early, where collecting tens of thousands of matches, or asking the FTS
    table about each row (a fresh FTS query per row), costs more than the page.
    """

    #: A search matching at least this many rows of the whole table is "common".
    COMMON_MATCHES = 20_000

    def __init__(self, model, terms: list[str]):
        self.model, self.terms = model, terms

    @classmethod
    def split(cls, model, terms: list[str]):
        """(an IndexedSearch of the terms an index serves or None, the other terms).
        Terms shorter than a trigram cannot use either index (Flask-Admin's scan)."""
        table = model.__tablename__
        dialect = db.engine.dialect.name
        served = table in SEARCH_COLUMNS and (dialect == "postgresql" or (
            dialect == "sqlite" and _has_search_structure(db.engine, fts_table(table))))
        indexed = [t for t in terms if served and len(t) >= MIN_INDEXED_TERM]
        rest = [t for t in terms if t not in indexed]
        if not indexed:
            return None, rest
        kind = IndexedSearch if dialect == "postgresql" else _FtsSearch
        return kind(model, indexed), rest

    def narrow(self, query, count_query):
        for term in self.terms:
            escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clause = search_document(self.model).ilike(f"%{escaped}%", escape="\\")
            query = query.filter(clause)
            count_query = None if count_query is None else count_query.filter(clause)
        return query, count_query


class _FtsSearch(IndexedSearch):
    #: Seconds a search's kind (common or rare) is kept before the FTS table is asked
    #: again (``_common``).
    KIND_KEPT = 600.0

    #: (database, table, FTS query, threshold) → (common?, when asked): ``_common``.
    _kinds: dict = {}

    def _common(self, phrases: str, matches) -> bool:
        """Does the search match ``COMMON_MATCHES`` rows of the whole table or more?

        Asking costs the FTS table a read of up to 20,000 row ids (1.5 ms of a common
        search's page on a million complaints), so the answer is kept for
        ``KIND_KEPT`` seconds per database, table and terms. Either answer gives the
        same rows (both ways test every row against the terms and the user's rules); a search
        turning common as records are added only takes the slower way a while
        longer. The answer is about the whole table, not the user's rows."""
        key = (str(db.engine.url), self.model.__tablename__, phrases, self.COMMON_MATCHES)
        kept = self._kinds.get(key)
        now = time.monotonic()
        if kept is not None and now - kept[1] < self.KIND_KEPT:
            return kept[0]
        common = db.session.scalar(sa.select(sa.func.count()).select_from(
            matches.limit(self.COMMON_MATCHES).subquery())) >= self.COMMON_MATCHES
        if len(self._kinds) >= 1000:
            self._kinds.clear()
        self._kinds[key] = (common, now)
        return common

    def narrow(self, query, count_query):
        name = fts_table(self.model.__tablename__)
        # The FTS table's hidden column of its own name is what MATCH takes; the
        # phrases joined by AND are one FTS query.
        fts = sa.table(name, sa.column("rowid"), sa.column(name)).alias()
        phrases = " AND ".join('"' + t.replace('"', '""') + '"' for t in self.terms)
        match = fts.c[name].op("MATCH")(phrases)
        matches = sa.select(fts.c.rowid).where(match)
        if self._common(phrases, matches):
            return super().narrow(query, count_query)
        if count_query is not None:
            count_query = count_query.join(fts, fts.c.rowid == self.model.id).filter(match)
        return query.filter(self.model.id.in_(matches)), count_query


class ReferenceFirst(sa.sql.expression.Join):
    """An inner join the database must run with the referenced table as the outer loop.

    "Complaints by customer code, first page": reading customers in code order and
    each one's complaints through the reference index stops after a few dozen rows.
    SQLite's planner does not weigh the LIMIT and starts from the complaints the
    user may see instead, sorting all of them; ``CROSS JOIN`` is SQLite's documented
    way to fix the loop order. Other databases get a plain join (PostgreSQL weighs
    the LIMIT itself).
    """

    inherit_cache = True


@compiles(ReferenceFirst, "sqlite")
def _reference_first_on_sqlite(join, compiler, **kw):
    return compiler.visit_join(join, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


def _table_column(attribute) -> sa.Column | None:
    """The table column a model attribute maps (None for a relation or expression)."""
    prop = getattr(attribute, "property", None)
    return prop.columns[0] if isinstance(prop, ColumnProperty) else None


class LinkRowAction(BaseListRowAction):
    """A row's view or edit icon, as Flask-Admin's ``row_actions.link`` macro (the icon
    class on the link itself, no inner span), but one ``url_for`` per page instead of
    one macro call and ``url_for`` per row (a quarter of a list page's time went
    there)."""

    #: Stands for the row id in the page's URL pattern (url_for leaves it as is).
    ROW_ID = "0rowid0"

    def __init__(self, endpoint: str, icon_class: str, title=None):
        super().__init__(title=title)
        self.endpoint = endpoint
        self.icon_class = icon_class
        self._pattern = None  # actions are made per request: the pattern is per page

    @pass_context
    def render_ctx(self, context, row_id, row):
        if self._pattern is None:
            self._pattern = context.resolve("get_url")(
                self.endpoint, id=self.ROW_ID, url=context.resolve("return_url"))
        url = self._pattern.replace(self.ROW_ID, quote(str(row_id), safe=""), 1)
        # Plain concatenation of escaped parts: Markup.format costs more than the rest.
        # The link is its icon (site.css styles "td>a.fa" as Flask-Admin's "a.icon"),
        # its title its name.
        return Markup(f'<a class="{escape(self.icon_class)}" href="{escape(url)}" '
                      f'title="{escape(self.title or "")}"></a>')


#: Flask-Admin's row actions that LinkRowAction renders: endpoint and icon.
LINK_ROW_ACTIONS = {
    ViewRowAction: (".details_view", "fa fa-eye"),
    EditRowAction: (".edit_view", "fa fa-pencil"),
}


#: Models whose ``__str__`` needs the record itself (it read something not a column):
#: their texts come from loaded records (``reference_texts``).
_STR_NEEDS_RECORD: set = set()


def reference_texts(model, key, values) -> dict:
    """{key value: str(record)} of the ``model`` records the user may see whose ``key``
    column holds one of ``values``. The records' columns are read as a row, and the
    model's ``__str__`` is given them as attributes: a page's twenty references cost a
    row each, not an ORM object each (a tenth of a list page, before). A ``__str__``
    that reads anything else (a relationship, a method) is given the record, from then
    on, for that model."""
    principal = actor()
    attribute = model.__mapper__.get_property_by_column(key).key
    # A model without a __str__ of its own says its repr, which given a row would be
    # every column's value (a namespace's repr): it is given its record.
    if model not in _STR_NEEDS_RECORD and model.__str__ is not object.__str__:
        # The statement is made once per user's rules (as their other row filters) and
        # sent on the session's connection: it names its visible() itself, so the
        # ORM's per-statement row criteria would only repeat it.
        statement = remembered(("reference texts", model.__tablename__, attribute),
                               principal, lambda p: _reference_rows(model, key, p))
        rows = db.session.connection().execute(statement, {"values": sorted(values)}).all()
        try:
            return {getattr(row, attribute): model.__str__(SimpleNamespace(**row._mapping))
                    for row in rows}
        except Exception:  # noqa: BLE001 - the record's own __str__ then says it again
            _STR_NEEDS_RECORD.add(model)
    return {getattr(record, attribute): str(record) for record in db.session.scalars(
        sa.select(model).where(key.in_(values), visible(principal, model)))}


def _reference_rows(model, key, principal) -> sa.Select:
    """The columns of the ``model`` rows ``principal`` may see whose ``key`` is one of
    the ``values`` parameter."""
    columns = [attr.columns[0].label(attr.key) for attr in sa.inspect(model).column_attrs
               if isinstance(attr.columns[0], sa.Column)
               and attr.columns[0].table is model.__table__]
    return sa.select(*columns).where(key.in_(sa.bindparam("values", expanding=True)),
                                     visible(principal, model))


def read_references(view, relations: dict, rows) -> None:
    """The texts of the ``relations`` (``FastListMixin.references_read_apart``) the
    page's ``rows`` name, one statement per relation, for the ``view``'s cells
    (``references_of_page``)."""
    model, found = view.model, {}
    for name, relation in relations.items():
        local, remote = relation.local_remote_pairs[0]
        attribute = model.__mapper__.get_property_by_column(local).key
        values = {getattr(row, attribute) for row in rows} - {None}
        found[name] = (attribute, reference_texts(relation.mapper.class_, remote, values)
                       if values else {})
    g.setdefault("list_references", {})[view.endpoint] = found


def references_of_page(endpoint: str, name: str):
    """(attribute, {value: text}) ``read_references`` found for the list column
    ``name`` of the screen ``endpoint`` in this request, or None."""
    return g.get("list_references", {}).get(endpoint, {}).get(name)


class FastListMixin:
    """Capped counts, a total order, index-served search, light row actions, rows
    written from a plan (``admin_views.list_page``); exports are streamed by the
    secure view (``admin_views.export``)."""

    count_cap = COUNT_CAP
    search_count_cap = SEARCH_COUNT_CAP

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        """Flask-Admin's ``get_list`` with a capped count (same search, filters, sort)."""
        joins, count_joins = {}, {}
        offset = (page or 0) * (page_size or self.page_size or 0)
        query = self.get_query()
        # The count query keeps get_count_query()'s visible() filter; it selects ids so
        # that it can stop after count_cap + 1 rows.
        count_query = self.get_count_query().with_entities(self.model.id)
        if self._search_supported and search:
            query, count_query, joins, count_joins = self._apply_search(
                query, count_query, joins, count_joins, search)
        if filters and self._filters:
            query, count_query, joins, count_joins = self._apply_filters(
                query, count_query, joins, count_joins, filters)
        # An unexecuted list (the export's) has no pager: nothing reads its count.
        cap = self.search_count_cap if search else self.count_cap
        count = capped_count(count_query, cap) if execute else None
        # Related list columns in one extra query per relation (WHERE id IN (page ids))
        # rather than a LEFT JOIN: SQLite builds a Bloom filter over the whole related
        # table for the join, which costs more than the page at 100k customers. A
        # column that shows only the referenced record's text reads it as columns
        # (``read_references``); the others load the records.
        # An export reads its references itself, a chunk at a time (``ExportPlan``).
        apart = self.references_read_apart() if execute else {}
        for join in self._auto_joins if execute else ():
            if join.key not in apart:
                query = query.options(selectinload(join))
        if not execute:
            query, joins = self._apply_sorting(query, joins, sort_column, sort_desc)
            return count, self._apply_pagination(query, page, page_size)
        rows = None
        if not search and not filters:
            rows = self._page_sorted_by_reference(query, sort_column, sort_desc, page,
                                                  page_size)
        if rows is None:
            query, joins = self._apply_sorting(query, joins, sort_column, sort_desc)
            rows = self._deep_page(query, page, page_size) if offset >= DEFERRED_OFFSET \
                else self._apply_pagination(query, page, page_size).all()
        read_references(self, apart, rows)
        return count, rows

    def references_read_apart(self) -> dict:
        """The list's many-to-one columns shown as the referenced record's text and
        nothing else (no formatter, no edit widget), by name: their cells take the
        text from ``read_references`` instead of a loaded record."""
        found = self.__dict__.get("_references_apart")
        if found is None:
            names = {name for name, _label in self._list_columns}
            relations = sa.inspect(self.model).relationships
            found = {} if self.column_editable_list else {
                join.key: relations[join.key] for join in self._auto_joins
                if join.key in names and join.key in relations
                and relations[join.key].direction is MANYTOONE
                and len(relations[join.key].local_remote_pairs) == 1
                and join.key not in (self.column_formatters or {})}
            self.__dict__["_references_apart"] = found
        return found

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        """Flask-Admin's sort, made total: ties go by the default order, then by what
        ``models.indexes.tie_break`` names (the level and id the list indexes end with).

        Without it, rows that share a sort value (same status, same second) have no
        fixed place, and the database may show one on two pages and another on none.
        The default order's index still serves the tie-break (newest first within a
        status), and a default page stays one index range read.
        """
        query, joins = super()._apply_sorting(query, joins, sort_column, sort_desc)
        # (field, its joins, descending) in the order they now sort by.
        order = list(self._get_default_order())
        chosen = self._sortable_columns.get(sort_column) if sort_column is not None else None
        if chosen is not None:
            after = [step for step in order if step[0] is not chosen]
            for field, field_joins, desc in after:
                query, joins = self._order_by(query, joins, field_joins, field, desc)
            order = [(chosen, None, sort_desc), *after]
        # The ties of the last field go the same way (one index scan, either direction).
        last, _, desc = order[-1] if order else (None, None, False)
        direction = sa.desc if desc else sa.asc
        for column in tie_break(self.model.__table__, _table_column(last)):
            query = query.order_by(direction(column))
        return query, joins

    def _deep_page(self, query, page, page_size):
        """A page far down the list: its ids first, then their rows.

        OFFSET steps over every earlier row. Stepping over index entries (the list
        indexes hold the id: the rowid on SQLite, INCLUDE (id) on PostgreSQL) costs far
        less than over table rows, which a query for whole rows reads.
        """
        ids = self._apply_pagination(query.with_entities(self.model.id), page,
                                     page_size).subquery()
        return query.filter(self.model.id.in_(sa.select(ids.c.id))).all()

    def _page_sorted_by_reference(self, query, sort_column, sort_desc, page, page_size):
        """One page of a list sorted by a column of a required many-to-one reference
        (complaints by customer code), or None for any other sort.

        Flask-Admin outer-joins the referenced table and sorts every visible row. Here
        the page comes from two index-driven reads: the rows whose reference the user
        can see, in the reference's order (the database walks the reference's index
        and stops after the page), then the rows whose reference is hidden from them
        (shown with an empty cell), by id, so a hidden value never decides an order.
        """
        path = self._sortable_joins.get(sort_column) if sort_column else None
        if not path or len(path) != 1:
            return None
        relation = path[0].property
        if relation.direction is not MANYTOONE or any(
                column.nullable for column in relation.local_columns):
            return None
        target, key = relation.mapper.class_, self._sortable_columns[sort_column]
        size = page_size or self.page_size
        offset = (page or 0) * size
        shown = visible(actor(), target)
        direction = sa.desc if sort_desc else sa.asc
        # Walking the reference pays per row skipped: deep pages sort instead (same order).
        join = ReferenceFirst if offset < REFERENCE_WALK_LIMIT else sa.sql.expression.Join
        ordered = (sa.select(self.model.id)
                   .select_from(join(target.__table__, self.model.__table__,
                                     relation.primaryjoin))
                   .where(query.whereclause, shown)
                   .order_by(direction(key), direction(self.model.id)))
        ids = list(db.session.scalars(ordered.limit(size).offset(offset)))
        if len(ids) < size:
            before = offset + len(ids) if ids else db.session.scalar(
                capped_count_select(ordered, cap=offset))
            hidden = (query.filter(~path[0].has(shown)).with_entities(self.model.id)
                      .order_by(self.model.id))
            ids += db.session.scalars(hidden.statement.limit(size - len(ids))
                                      .offset(max(0, offset - before)))
        if not ids:
            return []
        position = {pk: index for index, pk in enumerate(ids)}
        rows = query.filter(self.model.id.in_(ids)).all()
        return sorted(rows, key=lambda row: position[row.id])

    def get_list_row_actions(self):
        return [LinkRowAction(*LINK_ROW_ACTIONS[type(action)], title=action.title)
                if type(action) in LINK_ROW_ACTIONS else action
                for action in super().get_list_row_actions()]

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Terms an index can serve use it; the rest go through Flask-Admin's ILIKE."""
        indexed, rest = IndexedSearch.split(self.model, [t for t in search.split(" ") if t])
        if indexed is not None:
            query, count_query = indexed.narrow(query, count_query)
        if rest:
            return super()._apply_search(query, count_query, joins, count_joins,
                                         " ".join(rest))
        return query, count_query, joins, count_joins
