"""PostgreSQL planner settings for the list queries of a records office.

``random_page_cost``: PostgreSQL prices a random page read at four sequential ones by
default, a spinning disk's ratio. A records office's tables and indexes sit in memory
or on SSD, where the two cost about the same, and PostgreSQL's documentation suggests
lowering the setting then (1.1 is the usual value). With the default, a capped count
("the first 501 closed major complaints of department 1") is planned as a sequential
read of the table that expects the matches spread evenly, and at a million rows reads
150,000 of them; at 1.1 the same count walks the department's list index and stops
at the cap (in-process, clerk, 1M rows: 46 → 30 ms; a common search 27 → 23 ms).

``jit``: PostgreSQL compiles a query to machine code when its estimated cost passes
``jit_above_cost``; the statistics screen's grouped counts over a year or three of a
million complaints pass it, and the compiling took longer than it saved: 320 ms of
emission in a 3-year count that runs in about 300 ms without it (bench/stats.py,
bench/results/stats.md). Nothing this office asks runs long enough to gain from it.

Set per session when a pooled connection is opened, so the database server's own
configuration is left alone; a server tuned otherwise can still be overridden here.
"""
from __future__ import annotations

import psycopg
from sqlalchemy.engine import Engine

from .hooks import hook

#: Cost of a random page read relative to a sequential one (PostgreSQL default 4.0).
RANDOM_PAGE_COST = 1.1


@hook(Engine, "connect")
def _planner_settings(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, psycopg.Connection):
        return
    # Outside a transaction: a SET inside one is undone when the pool rolls it back.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute(f"SET random_page_cost = {RANDOM_PAGE_COST}")
        dbapi_connection.execute("SET jit = off")
    finally:
        dbapi_connection.autocommit = autocommit
