"""SQLite gathers planner statistics on its own (models/statistics.py).

The list pages with a door (archive files, loans) are read in index order only when
``sqlite_stat1`` describes the indexes; a connection returned to the pool runs
``PRAGMA optimize``, which analyses the tables it queried.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import sqlite_settings as statistics


def _stat_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        if not conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
            return []
        return list(conn.exec_driver_sql("SELECT tbl, idx FROM sqlite_stat1"))


def test_a_queried_table_gets_statistics_when_its_connection_is_returned(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr(statistics, "OPTIMIZE_EVERY", 0)  # not once an hour: each time
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'stats.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE loan (id INTEGER PRIMARY KEY, "
                             "borrower_id INTEGER, created_at TEXT)")
        conn.exec_driver_sql("CREATE INDEX ix_loan_borrower ON loan (borrower_id)")
        conn.exec_driver_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                             "FROM n WHERE i < 500) INSERT INTO loan (borrower_id, "
                             "created_at) SELECT i % 7, i FROM n")
    assert _stat_rows(engine) == []
    with engine.connect() as conn:  # a request: the planner consults the index
        conn.exec_driver_sql("SELECT id FROM loan WHERE borrower_id = 3").all()
    assert ("loan", "ix_loan_borrower") in _stat_rows(engine)
    engine.dispose()
