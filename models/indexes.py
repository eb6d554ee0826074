"""Indexes for big lists, and the full-text search structures the ORM cannot declare.

Why these indexes: a list page is ``WHERE <visible()> ORDER BY <default sort> LIMIT
20``. ``visible()`` gives ``department_id = ? AND level IN (...)`` for a department
user and ``level IN (...)`` for an all-department one. An index on (department_id,
level, sort key) cannot return rows in sort order for a ``level IN`` list, so the
database sorts every visible row. Putting the sort key before ``level`` keeps the
order and still answers the level test from the index entry (no table read per
skipped row). One index per shape: (department_id, sort key, level) and
(sort key, level).

Search: Flask-Admin's ``CAST(col AS TEXT) ILIKE '%term%'`` reads the whole table.
SQLite gets an FTS5 table with the trigram tokenizer (substring match, case
folded); PostgreSQL a GIN pg_trgm index on one expression that joins the searched
columns with a space — a term never contains a space, so matching the joined text
is the same as matching any one column. Neither is visible to SQLAlchemy's
metadata: migration 0006 creates them and ``tests/migrations/test_migrations.py`` leaves them
out of the schema comparison (``is_search_structure``).
"""
from __future__ import annotations

import sqlalchemy as sa

from .base import REGISTRY, Model
from .mixins import Classified, Owned
from .workflow import Stateful


def list_sort_column(model) -> str:
    """The column a model's list is sorted by when the user chose no order."""
    return model.Admin.default_sort[0]


def list_indexes(model) -> list[sa.Index]:
    """(department_id, sort key, level) for department users, (sort key, level) for
    all-department ones: the default page of either is an index range read in order.

    A record with a workflow gets the same pair with its status in front: "my
    registered complaints", "loans waiting for approval" are the lists a records
    office works from, and a status is too rare a value (nearly everything is closed)
    for the planner to trust an index on the status alone.
    """
    table, sort = model.__table__, list_sort_column(model)
    dept, key, level = table.c.department_id, table.c[sort], table.c.level
    # PostgreSQL: the id rides along, so a deep page's ids are read from the index alone
    # (SQLite's indexes carry the rowid anyway).
    carry_id = {"postgresql_include": ["id"]}
    indexes = [sa.Index(f"ix_{table.name}_dept_{sort}", dept, key, level, **carry_id),
               sa.Index(f"ix_{table.name}_{sort}_level", key, level, **carry_id)]
    if issubclass(model, Stateful):
        status = table.c.status
        indexes += [sa.Index(f"ix_{table.name}_dept_status_{sort}", dept, status, key, level,
                             **carry_id),
                    sa.Index(f"ix_{table.name}_status_{sort}", status, key, level,
                             **carry_id)]
    return indexes


#: One rule for every owned, classified record type: a new one gets its list indexes
#: from its Admin.default_sort (and needs a migration that creates them).
LIST_INDEXES = [index for model in REGISTRY.values()
                if issubclass(model, Owned) and issubclass(model, Classified)
                for index in list_indexes(model)]


def _is_partial(index: sa.Index) -> bool:
    """Does the index cover only some rows (``WHERE``: one open loan per file)?"""
    return any(options.get("where") is not None
               for options in index.dialect_options.values())


def is_unique(column: sa.Column) -> bool:
    """Does no two rows share a value of ``column`` (an order by it alone is total)?"""
    def alone(constraint) -> bool:
        return [c.name for c in constraint.columns] == [column.name]

    return bool(column.primary_key or column.unique) \
        or any(index.unique and alone(index) and not _is_partial(index)
               for index in column.table.indexes) \
        or any(isinstance(c, sa.UniqueConstraint) and alone(c)
               for c in column.table.constraints)


def tie_break(table: sa.Table, column: sa.Column | None) -> list[sa.Column]:
    """What to order by after ``column`` (a column of ``table``, or None for one of
    another table) so that a list's order is total.

    Nothing after a unique column. After a record's list sort key: its level, then its
    id, the order its list indexes keep rows in (SQLite's end with the rowid), so the
    total order is still one index range read. After any other column: the id.
    """
    if column is not None and column.table is table and is_unique(column):
        return []
    for index in LIST_INDEXES:
        *_, key, last = index.columns
        if index.table is table and key is column and last is table.c.level:
            return [table.c.level, table.c.id]
    return [table.c.id]


def present_only_index(column) -> sa.Index:
    """An index of the rows where ``column`` is set (see ``mixins.foreign_key``)."""
    where = column.isnot(None)
    return sa.Index(f"ix_{column.table.name}_{column.name}", column, sqlite_where=where,
                    postgresql_where=where)


#: Every optional reference of every table (``mixins.foreign_key`` marks them).
OPTIONAL_REFERENCE_INDEXES = [present_only_index(column)
                              for table in list(Model.metadata.tables.values())
                              for column in table.columns
                              if column.info.get("partial_index")]

#: table name -> the searched columns: the model's own Admin.search, so a term of any
#: length searches the same columns. Changing one needs a migration that rebuilds the
#: table's search structure (migration 0006 keeps its own frozen copy).
SEARCH_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(REGISTRY[table].Admin.search)
    for table in ("complaint", "customer", "archive_file", "loan")}
#: Shortest term a trigram index can find; shorter terms fall back to a scan.
MIN_INDEXED_TERM = 3


def fts_table(table: str) -> str:
    return f"{table}_fts"


def trgm_index(table: str) -> str:
    return f"ix_{table}_search_trgm"


def search_document_sql(table: str, cols: tuple[str, ...] | None = None) -> str:
    """The searched columns joined by a space (immutable, so PostgreSQL can index it).

    Changing ``SEARCH_COLUMNS`` changes this expression: it needs a migration that
    rebuilds the index, or queries stop matching it."""
    cols = cols or SEARCH_COLUMNS[table]
    return " || ' ' || ".join(f"coalesce({c}, '')" for c in cols)


def search_document(model):
    """The same expression for queries; literal text so the index expression matches."""
    return sa.literal_column(f"({search_document_sql(model.__tablename__)})",
                             type_=sa.Text)


def is_search_structure(name: str | None) -> bool:
    """FTS5 tables (and their shadow tables) and trigram indexes: not in the metadata."""
    return bool(name) and (any(name == fts_table(t) or name.startswith(fts_table(t) + "_")
                               for t in SEARCH_COLUMNS)
                           or name.endswith("_search_trgm"))


def sqlite_search_ddl(table: str, cols: tuple[str, ...]) -> list[str]:
    """FTS5 external-content table kept in step by triggers, then filled once."""
    fts = fts_table(table)
    names = ", ".join(cols)
    new = ", ".join(f"new.{c}" for c in cols)
    old = ", ".join(f"old.{c}" for c in cols)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
        f"content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {names} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def sqlite_search_drop(table: str) -> list[str]:
    fts = fts_table(table)
    return [f"DROP TRIGGER IF EXISTS {fts}_{s}" for s in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {fts}"]


def postgres_search_ddl(table: str, cols: tuple[str, ...]) -> list[str]:
    return [f"CREATE INDEX IF NOT EXISTS {trgm_index(table)} ON {table} "
            f"USING gin (({search_document_sql(table, cols)}) gin_trgm_ops)"]
