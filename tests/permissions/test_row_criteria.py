"""The row filter's options work out their part of a statement's cache key once
(``permissions.scoping.RowCriteria``, issue 17): what that must never change.

Two users whose rules have the same shape (two departments' clerks) share one
compiled statement and each brings their own values; two rules of different shapes
never share one; the remembered key equals the one SQLAlchemy works out afresh.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm.util import LoaderCriteriaOption
from sqlalchemy.sql.visitors import anon_map

from models import AppUser, Complaint, db
from permissions import visible
from permissions.scoping import Principal, RowCriteria


def _listed(client, world, table: str) -> set[str]:
    """The markers of ``table``'s world rows the user's list page shows (all of them:
    the world has fewer rows than a page)."""
    body = client.get(f"/admin/{table}/?page_size=100").get_data(as_text=True)
    return {row.marker for row in world.rows_of(table) if row.marker in body}


def test_two_departments_clerks_share_the_statement_not_the_rows(app, world, user_client):
    sales, service = user_client("clerk.sales"), user_client("clerk.service")
    expected = {name: {r.marker for r in world.rows_of("complaint")
                       if r.department == dept and r.level in ("public", "internal")}
                for name, dept in (("sales", "sales"), ("service", "service"))}
    assert expected["sales"] and expected["service"]
    # In turns, twice: the second user of each turn meets the first one's cached SQL.
    for _ in range(2):
        assert _listed(sales, world, "complaint") == expected["sales"]
        assert _listed(service, world, "complaint") == expected["service"]


def test_the_remembered_key_is_the_one_worked_out_afresh(app, world):
    with app.app_context():
        clerk = Principal.of(db.session.get(AppUser, world.users["clerk.sales"]))
        option = RowCriteria(Complaint, visible(clerk, Complaint))
        fresh_values: list = []
        fresh = LoaderCriteriaOption._gen_cache_key(option, anon_map(), fresh_values)
        assert fresh_values  # the rule's department and levels are bound values
        for _ in range(2):  # worked out, then remembered
            values: list = []
            assert option._gen_cache_key(anon_map(), values) == fresh
            assert values == fresh_values


def test_rules_of_different_shapes_never_share_a_key(app, world):
    with app.app_context():
        keys = {}
        for name in ("clerk.sales", "clerk.service", "gm"):
            principal = Principal.of(db.session.get(AppUser, world.users[name]))
            option = RowCriteria(Complaint, visible(principal, Complaint))
            statement = sa.select(Complaint.id).options(option)
            statement._generate_cache_key()  # works the key out once
            keys[name] = sa.select(Complaint.id).options(option)._generate_cache_key()
        # Same shape, other values: one key, their own values.
        assert keys["clerk.sales"].key == keys["clerk.service"].key
        assert ([b.value for b in keys["clerk.sales"].bindparams]
                != [b.value for b in keys["clerk.service"].bindparams])
        # The GM office's rule reads otherwise (every department): a key of its own.
        assert keys["clerk.sales"].key != keys["gm"].key
