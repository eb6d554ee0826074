"""A page far down a list (its ids read first, then its rows) holds exactly the rows
the ordinary page would, in the same order."""
from __future__ import annotations

import re

import pytest

from admin_views import performance

#: Lists and a column whose values are unique (ties may come back in any order).
UNIQUE_SORT = {"complaint": "number", "archive_file": "number", "customer": "code"}


def _page(client, table: str, query: str) -> list[str]:
    body = client.get(f"/admin/{table}/?{query}").get_data(as_text=True)
    return re.findall(rf"/admin/{table}/details/\?id=(\d+)&", body)


@pytest.mark.parametrize("table", list(UNIQUE_SORT))
@pytest.mark.parametrize("username", ["clerk.sales", "gm"])
def test_deep_pages_hold_the_rows_of_ordinary_pages(app, client, login_as, monkeypatch,
                                                   table, username):
    view = next(v for v in app.extensions["admin"][0]._views
                if getattr(v, "endpoint", "") == table)
    monkeypatch.setattr(view, "page_size_options", (1, *view.page_size_options))
    sort = list(view.column_list).index(UNIQUE_SORT[table])
    login_as(username)
    for order in (f"sort={sort}&", f"sort={sort}&desc=1&"):
        queries = [f"{order}page_size=1&page={page}" for page in range(5)]
        monkeypatch.setattr(performance, "DEFERRED_OFFSET", 10**9)
        ordinary = [_page(client, table, q) for q in queries]
        monkeypatch.setattr(performance, "DEFERRED_OFFSET", 0)
        deferred = [_page(client, table, q) for q in queries]
        assert deferred == ordinary, (table, order)
        assert len(ordinary[1]) == 1, (table, order)  # the second page has a row


def test_pager_links_keep_the_list_and_name_their_page(app, client, login_as, monkeypatch):
    """The pager's links (one URL of the list per request, its page replaced) each lead
    to that page of the same sorted, narrowed list."""
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    view = next(v for v in app.extensions["admin"][0]._views
                if getattr(v, "endpoint", "") == "complaint")
    monkeypatch.setattr(view, "page_size_options", (1, *view.page_size_options))
    sort = list(view.column_list).index("number")
    login_as("gm")
    asked = {"sort": [str(sort)], "desc": ["1"], "page_size": ["1"], "late": ["0"]}
    body = client.get(f"/admin/complaint/?sort={sort}&desc=1&page_size=1&late=0&page=2") \
        .get_data(as_text=True)
    links = re.findall(r'<a class="page-link" href="([^"]+)">(\d+)</a>', body)
    assert len(links) >= 5
    for href, number in links:
        args = parse_qs(urlsplit(unescape(href)).query)
        assert args.pop("page", ["0"]) == [str(int(number) - 1)], href
        assert args == asked, href
        shown = client.get(unescape(href)).get_data(as_text=True)
        assert f'<li class="page-item active"><span class="page-link">{number}</span>' in shown
