"""Counts stop at a cap: the list's "(N+)" and the home page's figures.

A full COUNT of a million-row table costs more than the page it labels; past the cap
the user sees "500+" rather than the exact number, below it the exact number.
"""
from __future__ import annotations

import re

import pytest

from admin_views import home, performance

from .policy_oracle import sees
from .test_permission_matrix import rows_in_database


def _gm_complaint_ids(app, world) -> set[int]:
    with app.app_context():
        return {r.id for r in rows_in_database(world, "complaint") if sees("gm", r)}


def _home_figure(client, table: str) -> str:
    body = client.get("/admin/").get_data(as_text=True)
    return re.search(rf'data-table="{table}" data-count="([^"]+)"', body).group(1)


def _list_tab(client, table: str) -> str:
    body = client.get(f"/admin/{table}/").get_data(as_text=True)
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


def test_the_pager_still_reaches_the_last_row_past_the_cap(app, client, world, login_as,
                                                            monkeypatch):
    """The cap shortens the pager, not the list: ?page= beyond it still shows rows."""
    monkeypatch.setattr(performance.FastListMixin, "count_cap", 1)
    login_as("gm")
    expected = _gm_complaint_ids(app, world)
    shown = set()
    for page in range(len(expected)):
        body = client.get(f"/admin/complaint/?page_size=1&page={page}").get_data(
            as_text=True)
        shown.update(int(i) for i in re.findall(r"/admin/complaint/details/\?id=(\d+)",
                                                body))
    assert shown == expected
