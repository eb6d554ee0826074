"""PostgreSQL sessions plan with SSD-like page costs and compile no query to machine
code (JIT: slower than it saves on the statistics' counts; models/postgres_settings.py).

The setting is made outside any transaction, so the pool's rollback of a request's
transaction does not undo it; a SQLite database is left alone.
"""
from __future__ import annotations

import pytest

from models import db

#: models.postgres_settings.RANDOM_PAGE_COST, written out: the app must set it by
#: itself (importing that module here would register the setting for the test).
RANDOM_PAGE_COST = 1.1


def test_every_pooled_connection_keeps_the_page_cost(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL setting")
        for _ in range(3):  # each time through the pool, after its rollback
            with db.engine.connect() as conn:
                cost = conn.exec_driver_sql("SHOW random_page_cost").scalar_one()
                jit = conn.exec_driver_sql("SHOW jit").scalar_one()
                conn.rollback()
            assert float(cost) == RANDOM_PAGE_COST and jit == "off"
        db.engine.dispose()
        with db.engine.connect() as conn:  # a new connection
            assert float(conn.exec_driver_sql("SHOW random_page_cost").scalar_one()) \
                == RANDOM_PAGE_COST
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
