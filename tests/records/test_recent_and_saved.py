"""Issue 16 items 1 and 3: the home page's 最近查看 / 最近修改 and the lists' saved
filters (admin_views/recent.py, admin_views/saved_filters.py).

Both are per user and grant nothing: the home page names a record only while the user
may see it, and a saved filter replays a query on a list that still applies visibility.
"""
from __future__ import annotations

import re
from urllib.parse import unquote

import sqlalchemy as sa

from models import AuditEvent, Complaint, db
from models.recent_view import KEPT, RecentView
from models.saved_filter import SavedFilter

from ..complaints.test_complaints_workflow import form
from ..performance.test_performance_queries import QUERY_BUDGET, _statements
from ..policy_oracle import sees
from ..test_complaints_support import clean_complaints_fixture  # noqa: F401  (fixture)


def forget(app, world, *usernames) -> None:
    """Start the users' recent lists and saved filters empty."""
    ids = [world.users[name] for name in usernames]
    with app.app_context():
        db.session.execute(sa.delete(RecentView).where(RecentView.user_id.in_(ids)))
        db.session.execute(sa.delete(SavedFilter).where(SavedFilter.user_id.in_(ids)))
        db.session.commit()
        db.session.remove()


def recent_links(page: str, which: str) -> list[str]:
    """The record links of the home page's list ``which`` ("viewed" / "changed")."""
    section = re.search(rf'data-recent-list="{which}">(.*?)</section>', page, re.S)
    if section is None:
        return []
    return [unquote(href).replace("&amp;", "&") for href in re.findall(
        rf'href="([^"]+)" data-recent-item="{which}"', section.group(1))]


def visible_rows(world, username, *tables):
    return [next(r for r in world.rows_of(t) if sees(username, r)) for t in tables]


def test_a_viewed_record_comes_first_on_the_home_page(app, world, client_as):
    forget(app, world, "clerk.sales", "gm")
    clerk = client_as("clerk.sales")
    customer, contract = visible_rows(world, "clerk.sales", "customer", "contract")
    assert clerk.get(f"/admin/customer/details/?id={customer.id}").status_code == 200
    assert clerk.get(f"/admin/contract/edit/?id={contract.id}").status_code == 200
    page = clerk.get("/admin/").get_data(as_text=True)
    assert "Recently viewed" in page
    assert recent_links(page, "viewed")[:2] == [
        f"/admin/contract/details/?id={contract.id}",
        f"/admin/customer/details/?id={customer.id}"]
    # Opened again: back on top, listed once.
    clerk.get(f"/admin/customer/details/?id={customer.id}")
    links = recent_links(clerk.get("/admin/").get_data(as_text=True), "viewed")
    assert links[0] == f"/admin/customer/details/?id={customer.id}"
    assert links.count(links[0]) == 1
    # Somebody else's home does not list them, though the GM may see both records.
    gm_page = client_as("gm").get("/admin/").get_data(as_text=True)
    assert recent_links(gm_page, "viewed") == []


def test_a_refused_or_missing_record_is_not_noted(app, world, client_as):
    forget(app, world, "clerk.sales")
    clerk = client_as("clerk.sales")
    hidden = next(r for r in world.rows_of("customer") if not sees("clerk.sales", r))
    assert clerk.get(f"/admin/customer/details/?id={hidden.id}").status_code == 404
    assert clerk.get("/admin/customer/details/?id=999999").status_code in (302, 404)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RecentView).where(
            RecentView.user_id == world.users["clerk.sales"])) == 0


def test_each_user_keeps_only_the_latest_views(app, world, client_as):
    forget(app, world, "gm")
    gm = client_as("gm")
    rows = [r for r in world.rows if sees("gm", r)][:KEPT + 3]
    for row in rows:
        assert gm.get(f"/admin/{row.table}/details/?id={row.id}").status_code == 200
    with app.app_context():
        kept = db.session.execute(sa.select(RecentView.model, RecentView.record_id).where(
            RecentView.user_id == world.users["gm"])).all()
    assert len(kept) == KEPT
    assert (rows[-1].table, rows[-1].id) in kept and (rows[0].table, rows[0].id) not in kept
    links = recent_links(gm.get("/admin/").get_data(as_text=True), "viewed")
    assert len(links) == 10 and links[0] == f"/admin/{rows[-1].table}/details/?id={rows[-1].id}"


def test_a_record_raised_to_secret_leaves_both_lists(app, world, client_as,
                                                     clean_complaints):
    forget(app, world, "clerk.service")
    clerk = client_as("clerk.service")
    assert clerk.post("/admin/complaint/new/", data=form(world, content="最近修改的投诉"))\
        .status_code == 302
    with app.app_context():
        complaint = db.session.scalars(sa.select(Complaint).where(
            Complaint.content == "最近修改的投诉")).one()
        pk, number = complaint.id, complaint.number
        db.session.remove()
    assert clerk.get(f"/admin/complaint/details/?id={pk}").status_code == 200
    url = f"/admin/complaint/details/?id={pk}"
    page = clerk.get("/admin/").get_data(as_text=True)
    assert "Recently changed by me" in page
    assert recent_links(page, "viewed")[0] == url
    assert recent_links(page, "changed")[0] == url
    assert number in page
    with app.app_context():  # the GM office raises it above the clerk's clearance
        db.session.execute(sa.update(Complaint).where(Complaint.id == pk)
                           .values(level="secret"))
        db.session.commit()
        db.session.remove()
    page = clerk.get("/admin/").get_data(as_text=True)
    assert url not in recent_links(page, "viewed") + recent_links(page, "changed")
    assert number not in page
    assert clerk.get(url).status_code == 404
    # The GM, cleared for secret, sees it as before (its own lists are its own).
    assert client_as("gm").get(url).status_code == 200


def test_the_home_page_stays_within_its_budget_whatever_was_opened(app, world, client_as,
                                                                  login_as, client):
    forget(app, world, "clerk.sales")
    login_as("clerk.sales")
    first = visible_rows(world, "clerk.sales", "customer")[0]
    client.get(f"/admin/customer/details/?id={first.id}")
    one_kind = len(_statements(app, client, "/admin/"))
    tables = sorted({r.table for r in world.rows if sees("clerk.sales", r)})
    for row in visible_rows(world, "clerk.sales", *tables):
        assert client.get(f"/admin/{row.table}/details/?id={row.id}").status_code == 200
    many_kinds = len(_statements(app, client, "/admin/"))
    assert len(tables) > 5
    assert many_kinds == one_kind <= QUERY_BUDGET


# -- saved filters -------------------------------------------------------------------
def saved_of(app, world, username):
    with app.app_context():
        rows = db.session.execute(sa.select(SavedFilter.id, SavedFilter.name,
                                            SavedFilter.query).where(
            SavedFilter.user_id == world.users[username])).all()
        db.session.remove()
    return rows


def test_save_replay_and_delete_a_filter(app, world, client_as):
    forget(app, world, "clerk.service")
    clerk = client_as("clerk.service")
    query = "status=registered&search=%E7%A0%B4%E6%8D%9F&sort=1&desc=1&page=3"
    page = clerk.get(f"/admin/complaint/?{query}").get_data(as_text=True)
    assert 'data-save-filter="1"' in page and "Save this filter" in page
    response = clerk.post("/admin/complaint/saved-filters/",
                          data={"name": "待处理的破损", "query": query})
    assert response.status_code == 302
    assert "status=registered" in response.location and "page=" not in response.location
    (pk, name, stored), = saved_of(app, world, "clerk.service")
    assert name == "待处理的破损" and "page" not in stored
    page = clerk.get(response.location).get_data(as_text=True)
    assert "Filter “待处理的破损” saved." in page
    link = re.search(rf'data-saved-filter="{pk}"><a[^>]*href="([^"]+)"', page).group(1)
    assert link.replace("&amp;", "&") == f"/admin/complaint/?{stored}"
    assert clerk.get(link.replace("&amp;", "&")).status_code == 200
    # Saved on the complaints only: the customer list does not offer it.
    assert "待处理的破损" not in clerk.get("/admin/customer/").get_data(as_text=True)
    # Saved again under the same name: the newer query replaces it.
    clerk.post("/admin/complaint/saved-filters/", data={"name": "待处理的破损",
                                                       "query": "status=closed"})
    assert [(n, q) for _i, n, q in saved_of(app, world, "clerk.service")] == [
        ("待处理的破损", "status=closed")]
    page = clerk.post("/admin/complaint/saved-filters/delete/", data={"id": pk},
                      follow_redirects=True).get_data(as_text=True)
    assert "Filter “待处理的破损” deleted." in page
    assert saved_of(app, world, "clerk.service") == []


def test_a_bad_name_is_refused_on_its_field(app, world, client_as):
    forget(app, world, "clerk.service")
    clerk = client_as("clerk.service")
    page = clerk.post("/admin/complaint/saved-filters/", follow_redirects=True,
                      data={"name": "长" * 61, "query": "status=registered"})\
        .get_data(as_text=True)
    assert page.count("Filter name: at most 60 characters (61 entered).") == 1
    assert 'name="status"' in page  # back on the list, the filter still applied:
    assert re.search(r'<option value="registered" selected', page)
    page = clerk.post("/admin/complaint/saved-filters/", follow_redirects=True,
                      data={"name": "   ", "query": "status=registered"})\
        .get_data(as_text=True)
    assert "Filter name: enter a name." in page
    assert saved_of(app, world, "clerk.service") == []
    # Exactly 60 characters are fine.
    clerk.post("/admin/complaint/saved-filters/", data={"name": "长" * 60, "query": "late=1"})
    assert [n for _i, n, _q in saved_of(app, world, "clerk.service")] == ["长" * 60]


def test_another_users_filter_is_neither_shown_nor_deletable(app, world, client_as):
    forget(app, world, "clerk.service", "supervisor")
    client_as("clerk.service").post("/admin/complaint/saved-filters/",
                                    data={"name": "我的筛选", "query": "status=registered"})
    (pk, _name, _query), = saved_of(app, world, "clerk.service")
    other = client_as("supervisor")
    assert "我的筛选" not in other.get("/admin/complaint/").get_data(as_text=True)
    with app.app_context():
        mark = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    assert other.post("/admin/complaint/saved-filters/delete/",
                      data={"id": pk}).status_code == 404
    # Nor through another list's address, by its owner.
    assert client_as("clerk.service").post("/admin/customer/saved-filters/delete/",
                                           data={"id": pk}).status_code == 404
    assert other.post("/admin/complaint/saved-filters/delete/",
                      data={"id": "x1"}).status_code == 404
    assert len(saved_of(app, world, "clerk.service")) == 1
    with app.app_context():
        refused = db.session.execute(sa.select(AuditEvent.username, AuditEvent.record_id)
                                     .where(AuditEvent.id > mark,
                                            AuditEvent.action == "refused",
                                            AuditEvent.model == "saved_filter")).all()
    assert ("supervisor", str(pk)) in refused and ("clerk.service", str(pk)) in refused


def test_a_saved_filter_grants_nothing(app, world, client_as):
    """A query naming a record the user may not see saves and replays as any other:
    the list still reads through the user's visibility."""
    forget(app, world, "clerk.sales")
    hidden = next(r for r in world.rows_of("complaint") if not sees("clerk.sales", r))
    clerk = client_as("clerk.sales")
    try:
        response = clerk.post("/admin/complaint/saved-filters/",
                              data={"name": "别人的", "query": f"search={hidden.marker}"})
        assert 'data-result-count="0"' in clerk.get(response.location).get_data(
            as_text=True)
        # The same query finds it for the GM, who may see it.
        gm_page = client_as("gm").get(response.location).get_data(as_text=True)
        assert 'data-result-count="1"' in gm_page
    finally:
        # The saved query names the hidden record's marker: left in place, the clerk's
        # list page would carry it (in the saved-filter menu) and the permission
        # matrix, which looks for hidden markers anywhere in a page, would fail.
        forget(app, world, "clerk.sales")


def test_saving_and_deleting_need_the_pages_csrf_token(app, world, client_as, monkeypatch):
    forget(app, world, "clerk.service")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    clerk = client_as("clerk.service")
    assert clerk.post("/admin/complaint/saved-filters/",
                      data={"name": "无令牌", "query": "late=1"}).status_code == 400
    assert saved_of(app, world, "clerk.service") == []
    page = clerk.get("/admin/complaint/?late=1").get_data(as_text=True)
    form = re.search(r'data-save-filter="1">(.*?)</form>', page, re.S).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    query = re.search(r'name="query" value="([^"]*)"', form).group(1)
    assert query == "late=1"
    assert clerk.post("/admin/complaint/saved-filters/", data={
        "name": "逾期", "query": query, "csrf_token": token}).status_code == 302
    (pk, _name, _query), = saved_of(app, world, "clerk.service")
    assert clerk.post("/admin/complaint/saved-filters/delete/",
                      data={"id": pk}).status_code == 400
    assert clerk.post("/admin/complaint/saved-filters/delete/",
                      data={"id": pk, "csrf_token": token}).status_code == 302
    assert saved_of(app, world, "clerk.service") == []


def _saved_filter_reads(app, client, url) -> int:
    """Statements of one page that read the saved filters of a list (the account read,
    which counts them, aside)."""
    return sum(1 for statement, _params in _statements(app, client, url)
               if "FROM saved_filter" in statement and "FROM app_user" not in statement)


def test_a_user_without_saved_filters_is_not_asked_for_them(app, world, client_as):
    """The account read counts the user's saved filters: with none, the list page sends
    no statement for them; once one is saved (on any list), every list asks again."""
    forget(app, world, "clerk.service")
    clerk = client_as("clerk.service")
    assert _saved_filter_reads(app, clerk, "/admin/complaint/") == 0
    assert _saved_filter_reads(app, clerk, "/admin/customer/") == 0
    clerk.post("/admin/customer/saved-filters/", data={"name": "大客户", "query": "search=K"})
    assert _saved_filter_reads(app, clerk, "/admin/complaint/") == 1
    page = clerk.get("/admin/customer/").get_data(as_text=True)
    assert "大客户" in page
    assert "大客户" not in clerk.get("/admin/complaint/").get_data(as_text=True)
    # Another user's filters are no reason to ask for this user's.
    forget(app, world, "supervisor")
    assert _saved_filter_reads(app, client_as("supervisor"), "/admin/complaint/") == 0
    # Deleted again: not asked again.
    (pk, _name, _query), = saved_of(app, world, "clerk.service")
    clerk.post("/admin/customer/saved-filters/delete/", data={"id": pk})
    assert _saved_filter_reads(app, clerk, "/admin/customer/") == 0


def test_a_filter_saved_in_the_request_that_found_none_is_read_back(app, world):
    """The account read said "no saved filters"; a filter saved later in the same
    request is not hidden by that answer."""
    from models.saved_filter import filters_of, save_filter, seen_count

    forget(app, world, "clerk.service")
    user_id = world.users["clerk.service"]
    with app.test_request_context():
        seen_count(user_id, 0)
        assert filters_of(user_id, "complaint") == []
        saved, problem = save_filter(user_id, "complaint", "已结案", "status=closed")
        assert problem is None
        db.session.flush()
        assert [(name, query) for _id, name, query in filters_of(user_id, "complaint")] \
            == [("已结案", "status=closed")]
        db.session.rollback()
        db.session.remove()
