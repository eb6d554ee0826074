"""Counts stop at a cap: the list's "(N+)" and the home page's figures.

A full COUNT of a million-row table costs more than the page it labels; past the cap
the user sees "500+" rather than the exact number, below it the exact number.
"""
from __future__ import annotations

import html
import re
from datetime import datetime

import pytest

from admin_views import home, performance
from admin_views.secure import SecureModelView
from models import Complaint

from ..permissions.test_permission_matrix import rows_in_database
from ..policy_oracle import sees
from ..world import extra_rows


def _gm_complaint_ids(app, world) -> set[int]:
    with app.app_context():
        return {r.id for r in rows_in_database(world, "complaint") if sees("gm", r)}


def _home_figure(client, table: str) -> str:
    body = client.get("/admin/").get_data(as_text=True)
    return re.search(rf'data-table="{table}" data-count="([^"]+)"', body).group(1)


def _list_tab(client, table: str, query: str = "") -> str:
    body = client.get(f"/admin/{table}/?{query}").get_data(as_text=True)
    return re.search(r'class="nav-link active">[^<(]*\(([^)]+)\)', body).group(1)


def test_below_the_cap_the_counts_are_exact(app, client, world, login_as):
    login_as("gm")
    visible_rows = len(_gm_complaint_ids(app, world))
    assert visible_rows > 3
    assert _home_figure(client, "complaint") == str(visible_rows)
    assert _list_tab(client, "complaint") == str(visible_rows)


@pytest.mark.parametrize("cap", [1, 3])
def test_past_the_cap_home_and_list_say_cap_plus(app, client, world, login_as,
                                                 monkeypatch, cap):
    monkeypatch.setattr(home, "COUNT_CAP", cap)
    monkeypatch.setattr(performance.FastListMixin, "count_cap", cap)
    login_as("gm")
    assert len(_gm_complaint_ids(app, world)) > cap
    assert _home_figure(client, "complaint") == f"{cap}+"
    assert _list_tab(client, "complaint") == f"{cap}+"


@pytest.fixture
def one_row_pages(monkeypatch):
    """Pages of one row, the count capped at one: the few rows of the test world
    span many pages, most of them past the cap."""
    monkeypatch.setattr(performance.FastListMixin, "count_cap", 1)
    monkeypatch.setattr(SecureModelView, "page_size_options", (1, 20, 50, 100))


def test_the_pager_still_reaches_the_last_row_past_the_cap(app, client, world, login_as,
                                                            one_row_pages):
    """The cap shortens the pager, not the list: ?page= beyond it still shows rows."""
    login_as("gm")
    expected = _gm_complaint_ids(app, world)
    shown = set()
    for page in range(len(expected)):
        body = client.get(f"/admin/complaint/?page_size=1&page={page}").get_data(
            as_text=True)
        page_ids = re.findall(r"/admin/complaint/details/\?id=(\d+)", body)
        assert len(page_ids) <= 1
        shown.update(int(i) for i in page_ids)
    assert shown == expected


def test_the_pager_offers_the_next_page_past_the_cap(app, client, world, login_as,
                                                      one_row_pages):
    """Clicking "next" from the first page walks every row, past the counted pages."""
    login_as("gm")
    expected = _gm_complaint_ids(app, world)
    shown, url = set(), "/admin/complaint/?page_size=1"
    for _ in range(len(expected) + 1):
        body = client.get(url).get_data(as_text=True)
        shown.update(int(i) for i in re.findall(r"/admin/complaint/details/\?id=(\d+)",
                                                body))
        following = re.search(
            r'<li class="page-item">\s*<a class="page-link" href="([^"]+)">&gt;</a>', body)
        if following is None:
            break
        url = html.unescape(following.group(1))
    assert shown == expected


@pytest.fixture
def similar_complaints(app, world):
    """Four complaints a GM may see that share a search term."""
    customer = world.rows_of("customer")[0].id
    rows = [{"customer_id": customer, "department_id": world.departments["sales"],
             "received_at": datetime(2026, 11, 2, 9, n), "level": "internal",
             "content": f"压缩机不制冷 第{n}台"} for n in range(4)]
    with extra_rows(app, Complaint, rows) as ids:
        yield ids


def test_a_search_counts_to_its_own_cap(client, login_as, monkeypatch, similar_complaints):
    """A search's count stops at the search cap; the plain list keeps the list cap."""
    login_as("gm")
    assert _list_tab(client, "complaint", "search=压缩机不制冷") == "4"
    monkeypatch.setattr(performance.FastListMixin, "search_count_cap", 2)
    assert _list_tab(client, "complaint", "search=压缩机不制冷") == "2+"
    assert not _list_tab(client, "complaint").endswith("+")
