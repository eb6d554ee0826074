"""Light pages (issue 16 item 7, issue 17): compressed answers, long-cached versioned
static files, a favicon, no ``javascript:`` links (the CSP refuses them), the list's
filter groups in a cached script of their own, a details page in at most 5 SQL
statements (4 reads and the 最近查看 note)."""
from __future__ import annotations

import re
from datetime import datetime

import brotli
import pytest
from sqlalchemy import event

from models import REGISTRY, Complaint, db

from ..policy_oracle import sees
from ..world import extra_rows
from .test_performance_queries import reader_of


def test_pages_are_compressed(client, login_as):
    login_as("gm")
    plain = client.get("/admin/complaint/")
    packed = client.get("/admin/complaint/", headers={"Accept-Encoding": "br, gzip"})
    assert packed.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in packed.headers["Vary"]
    body = brotli.decompress(packed.get_data())
    assert b"/admin/complaint/details/?id=" in body
    assert len(packed.get_data()) * 3 < len(plain.get_data())


def test_exports_stream_uncompressed(client, login_as):
    login_as("gm")
    response = client.get("/admin/complaint/export/csv/",
                          headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.get_data().startswith(b"\xef\xbb\xbf")


def test_versioned_static_files_are_cached_for_a_year(client, login_as):
    login_as("gm")
    page = client.get("/admin/complaint/").get_data(as_text=True)
    versioned = re.search(r'src="(/admin/static/[^"]+\?v=[^"]+)"', page).group(1)
    response = client.get(versioned.replace("&amp;", "&"))
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    unversioned = client.get("/admin/static/admin/js/helpers.js")
    assert unversioned.headers["Cache-Control"] == "no-cache"


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/x-icon"
    assert response.get_data()[:4] == b"\x00\x00\x01\x00"


@pytest.mark.parametrize("url", ["/admin/", "/admin/complaint/", "/admin/customer/",
                                 "/admin/audit_event/", "details"])
def test_no_javascript_links(client, world, login_as, url):
    """A click on a ``javascript:`` link is a CSP violation: toggles are buttons."""
    login_as("gm")
    if url == "details":
        row = next(r for r in world.rows_of("complaint") if sees("gm", r))
        url = f"/admin/complaint/details/?id={row.id}"
    response = client.get(url)
    assert response.status_code == 200
    assert "javascript:" not in response.get_data(as_text=True)


def test_filter_groups_come_from_a_cached_script(client, login_as):
    login_as("gm")
    page = client.get("/admin/complaint/").get_data(as_text=True)
    assert '<div id="filter-groups-data" class="d-none"></div>' in page
    src = re.search(r'src="(/admin/complaint/filters\.js\?v=[^"]+)"', page).group(1)
    script = client.get(src.replace("&amp;", "&"))
    assert script.status_code == 200
    assert "immutable" in script.headers["Cache-Control"]
    assert "filter-groups-data" in script.get_data(as_text=True)
    assert "状态" in script.get_data(as_text=True)  # the groups' labels, in Chinese
    stale = client.get("/admin/complaint/filters.js?v=old")
    assert stale.headers["Cache-Control"] == "no-cache"


def test_filter_script_follows_the_list_permission(client, login_as):
    login_as("clerk.sales")
    assert client.get("/admin/audit_event/filters.js").status_code == 403


def test_list_says_how_many_results(client, login_as):
    login_as("gm")
    page = client.get("/admin/complaint/").get_data(as_text=True)
    found = re.search(r'data-result-count="([^"]*)">([^<]*)<', page)
    assert found and found.group(2).endswith("条结果")


def _statements(app, client, url, keep=lambda context: True) -> list[str]:
    """The SQL statements the request sends (those whose execution ``context`` is
    kept), each on one line."""
    with app.app_context():
        engine = db.engine
    seen = []

    def sent(_conn, _cursor, statement, _parameters, context, _many):
        if keep(context):
            seen.append(" ".join(statement.split())[:160])
    event.listen(engine, "after_cursor_execute", sent)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "after_cursor_execute", sent)
    assert response.status_code == 200, url
    return seen


def test_a_details_page_takes_five_statements(app, client, world, login_as):
    """Five in all (issue 17: it was 8): the account (with the settings' generation),
    the record with every reference it shows, its attachments and the records raised
    from it (corrective actions, follow-up calls: one UNION), its history with the
    names of the people in it; and one write, the page noted at the top of the user's
    最近查看. No doors look-up: no door opens a complaint (an archive file's page keeps
    it)."""
    customer = world.rows_of("customer")[0].id
    # An id no record had: a deleted test record's audit events would be its history.
    row = {"id": 987_654, "customer_id": customer,
           "department_id": world.departments["sales"],
           "responsible_department_id": world.departments["service"],
           "received_at": datetime(2026, 11, 2, 9, 0), "level": "internal",
           "content": "五条语句"}
    login_as("gm")
    with extra_rows(app, Complaint, [row]) as (pk,):
        seen = _statements(app, client, f"/admin/complaint/details/?id={pk}")
    reads = [s for s in seen if not s.startswith("INSERT INTO recent_view")]
    assert len(reads) <= 4, "\n".join(seen)
    assert len(seen) - len(reads) == 1, seen  # the 最近查看 note, one statement
    assert not [s for s in seen if "FROM loan" in s], seen


@pytest.mark.parametrize("table", list(REGISTRY))
def test_details_pages_stay_small(app, client, world, login_as, table):
    """Every screen's details page: those five (six with the doors of an archive file or
    a loan), plus at most two look-ups of the
    people and departments its history names."""
    username = reader_of(table)
    if username is None:
        pytest.skip(f"nobody may list {table}")
    row = next((r for r in world.rows_of(table) if sees(username, r)), None)
    if row is None:
        pytest.skip(f"{username} sees no {table}")
    login_as(username)
    seen = _statements(app, client, f"/admin/{table}/details/?id={row.id}")
    assert len(seen) <= 8, f"{table}: {len(seen)} SQL statements: {seen}"


def _compiled_anew(context) -> bool:
    """A statement SQLAlchemy compiled for this execution (no cached form); one sent
    as written (``exec_driver_sql``) has no compiled form at all."""
    from sqlalchemy.engine.default import CACHE_MISS, NO_CACHE_KEY
    return context.compiled is not None and context.cache_hit in (NO_CACHE_KEY, CACHE_MISS)


@pytest.mark.parametrize("page", ["/admin/complaint/", "/admin/complaint/details/?id={pk}",
                                  "/admin/customer/details/?id={customer}"])
def test_a_page_seen_again_compiles_no_statement(app, client, world, login_as, page):
    """Issue 17: a page's statements are compiled once and then found in SQLAlchemy's
    cache. The 最近查看 note (an INSERT … ON CONFLICT, which SQLAlchemy never caches)
    and the record page's related records (built anew per request) were compiled on
    every record page. Seen twice first: the first statements run with a user's
    row criteria are compiled under a key of their own (SQLAlchemy's first analysis
    of their lambdas), once."""
    login_as("gm")
    customer = world.rows_of("customer")[0].id
    url = page.format(pk=world.rows_of("complaint")[0].id, customer=customer)
    client.get(url)
    client.get(url)
    assert _statements(app, client, url, keep=_compiled_anew) == []


def test_the_page_size_menu_keeps_the_lists_search_sort_and_filters(app, client, login_as):
    """The menu's first-page URLs are one URL with the size replaced (issue 17): each
    still carries the list's search, sort and quick filter, the default size none."""
    from urllib.parse import parse_qs, urlsplit

    login_as("gm")
    body = client.get("/admin/complaint/?search=压缩机&sort=2&desc=1&late=1&page_size=50"
                      ).get_data(as_text=True)
    links = re.findall(r'<a class="dropdown-item(?: active)?" href="(/admin/complaint/[^"]*)">',
                       body)
    sizes = {}
    for link in links:
        url = urlsplit(link.replace("&amp;", "&"))
        query = parse_qs(url.query)
        assert query.pop("search") == ["压缩机"] and query.pop("sort") == ["2"]
        assert query.pop("desc") == ["1"] and query.pop("late") == ["1"]
        sizes[tuple(query.pop("page_size", ["default"]))] = query
    assert sizes == {("default",): {}, ("50",): {}, ("100",): {}}
