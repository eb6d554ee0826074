"""Search served by the trigram indexes gives the same rows whichever way it is read.

On SQLite a rare search takes the FTS matches (``id IN``) and counts them; a common
one walks the list's order and tests each row's text (``LIKE``), for the page and the
count. The world is small, so "common" is forced by lowering the threshold.
"""
from __future__ import annotations

import re
import uuid

import pytest

from admin_views.performance import IndexedSearch
from models import db

from ..policy_oracle import sees
from .test_light_pages import _statements


def _listed_ids(client, search: str) -> tuple[set[int], str]:
    body = client.get("/admin/complaint/", query_string={"search": search,
                                                         "page_size": 100})
    text = body.get_data(as_text=True)
    assert body.status_code == 200
    count = re.search(r'class="nav-link active">[^<(]*(?:\(([^)]+)\))?', text).group(1)
    return {int(i) for i in re.findall(r"/admin/complaint/details/\?id=(\d+)&", text)}, \
        count or "0"


@pytest.fixture(params=["rare", "common"])
def search_path(request, monkeypatch):
    if request.param == "common":
        monkeypatch.setattr(IndexedSearch, "COMMON_MATCHES", 1)
    return request.param


@pytest.mark.parametrize("username", ["clerk.sales", "gm"])
def test_a_term_finds_exactly_the_visible_rows_containing_it(client, world, login_as,
                                                             search_path, username):
    login_as(username)
    for row in world.rows_of("complaint"):
        ids, count = _listed_ids(client, row.marker[1:8])
        if sees(username, row):
            assert ids == {row.id} and count == "1", (search_path, row)
        else:
            assert ids == set() and count == "0", (search_path, row)


def test_a_term_matches_whatever_its_case(client, world, login_as, search_path):
    login_as("gm")
    row = next(r for r in world.rows_of("complaint") if any(c.isalpha() for c in r.marker[1:8]))
    for term in (row.marker[1:8].upper(), row.marker[1:8].lower()):
        assert _listed_ids(client, term) == ({row.id}, "1"), (search_path, term)


def test_all_terms_must_match(client, world, login_as, search_path):
    login_as("gm")
    row = world.rows_of("complaint")[0]
    assert _listed_ids(client, f"{row.marker[1:5]} {row.marker[5:10]}")[0] == {row.id}
    assert _listed_ids(client, f"{row.marker[1:5]} qqqzzz")[0] == set()


@pytest.mark.parametrize("term", ['ab"c', '"""', "a AND b OR", "NEAR(x y)", "*x*", "^abc"])
def test_search_syntax_in_a_term_is_text(client, login_as, search_path, term):
    login_as("gm")
    assert _listed_ids(client, term)[0] == set()


def test_a_search_asks_the_fts_table_its_kind_once(app, client, login_as, search_path):
    """Whether a search is common (``COMMON_MATCHES`` rows or more) is asked of the FTS
    table once and kept a while (issue 17: a read of up to 20,000 row ids on every
    page of a common search); the second page gives the same rows without asking."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the FTS table is SQLite's")
    login_as("gm")
    url = f"/admin/complaint/?search=zz{uuid.uuid4().hex[:8]}"  # a term not asked before

    def asked(seen):
        return [s for s in seen if s.startswith("SELECT count(*)")
                and "rowid AS rowid FROM complaint_fts" in s]
    assert len(asked(_statements(app, client, url))) == 1
    assert asked(_statements(app, client, url)) == []
