"""SQLite settings for a large database: memory-mapped reads, a page cache, statistics.

Memory-mapped I/O: a list page at a million rows touches a few hundred table pages in
random places (the rows behind an index walk); read through ``read()`` each costs a
system call, read through the mapping a memory access. The mapping shares the
operating system's page cache, so it costs no memory per connection. SQLite's own
page cache (2 MB by default) is raised for the pages it keeps decoded.

Statistics: a list page is ``WHERE <visible()> ORDER BY <sort key> LIMIT 20``. With
the loan door (``... OR id IN (open loans)``) or the borrower door (``... OR
borrower_id = ?``) SQLite may either read the sort-key index in order and stop after
20 rows, or collect every row of both branches and sort them. Only the statistics of
``sqlite_stat1`` tell it that the first is cheaper; without them it guesses ten rows
per index value and picks the sort, which at a million rows reads the department's
whole share of the table. SQLite's advice for long-lived connections is to run
``PRAGMA optimize`` now and then: it analyses the tables this connection has queried
whose statistics are missing or stale, and does nothing otherwise. ``analysis_limit``
makes that analysis a sample (a few milliseconds at a million rows) rather than a read
of every index. PostgreSQL's autovacuum does the same on its side.
"""
from __future__ import annotations

import contextlib
import math
import sqlite3
import time

from sqlalchemy.engine import Engine

from .hooks import hook

#: Bytes of the database file each connection reads through a memory mapping.
MMAP_BYTES = 1 << 30
#: SQLite's page cache per connection, in KiB (negative: a size, not a page count).
CACHE_KIB = 32 * 1024
#: Seconds between two ``PRAGMA optimize`` on one pooled connection.
OPTIMIZE_EVERY = 3600
#: Rows per index ``ANALYZE`` samples (SQLite's recommended order of magnitude).
ANALYSIS_LIMIT = 1000


@hook(Engine, "connect")
def _read_settings(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    dbapi_connection.execute(f"PRAGMA cache_size=-{CACHE_KIB}")


@hook(Engine, "before_cursor_execute", retval=True)
def _nan_as_text(conn, cursor, statement, parameters, context, executemany):
    """sqlite3 binds a NaN float as NULL, so a NaN written to an optional number would be
    stored as "no value" without a word. Sent as the text ``'NaN'`` it reaches the
    column's CHECK (``models.mixins.finite_check``), which refuses it."""
    if conn.dialect.name != "sqlite" or not parameters:
        return statement, parameters
    # Several rows (executemany), or one row (also the flat parameters of a batched
    # multi-row INSERT, which SQLAlchemy sends with ``executemany`` set).
    if isinstance(parameters, list | tuple) and isinstance(parameters[0], list | tuple | dict):
        return statement, [_nan_to_text(row) for row in parameters]
    return statement, _nan_to_text(parameters)


def _nan_to_text(row):
    values = row.values() if isinstance(row, dict) else row
    if not any(isinstance(value, float) and math.isnan(value) for value in values):
        return row
    text = lambda value: "NaN" if isinstance(value, float) and math.isnan(value) else value
    if isinstance(row, dict):
        return {key: text(value) for key, value in row.items()}
    return type(row)(text(value) for value in row)


@hook(Engine, "checkin")
def _keep_statistics(dbapi_connection, connection_record) -> None:
    """On a connection's return to the pool, at most once per OPTIMIZE_EVERY seconds."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    now = time.monotonic()
    last = connection_record.info.get("optimized_at")
    if last is not None and now - last < OPTIMIZE_EVERY:
        return
    connection_record.info["optimized_at"] = now
    # Statistics are an optimisation: a busy or read-only database keeps the old ones
    # and the next hour tries again.
    with contextlib.suppress(sqlite3.Error):
        dbapi_connection.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        dbapi_connection.execute("PRAGMA optimize")
