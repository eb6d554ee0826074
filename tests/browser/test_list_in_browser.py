"""The list page in Chromium (issue 16 items 3, 6, 7): on a 390 px phone the number,
customer, status and due date stay on screen and the page does not scroll sideways;
on a wide screen the layout uses the width; opening every drop-down logs no CSP
violation and no console error.

A live server (werkzeug, in a thread) serves the test app; the browser carries the
session cookie of a signed-in test client.
"""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from ..browser_support import chromium  # noqa: F401  (the fixture)
from ..sessions import sign_in

#: Collects CSP violations from the page's first script on (Playwright's init scripts
#: are not subject to the page's CSP).
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || e.sample)));
"""


@pytest.fixture(scope="module")
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def browser_page(chromium, app, live_url, username, world, width, height):  # noqa: F811
    client = app.test_client()
    sign_in(app, client, world.users[username])
    cookie = client.get_cookie("session")
    context = chromium.new_context(viewport={"width": width, "height": height},
                                   locale="zh-CN")
    context.add_cookies([{"name": "session", "value": cookie.value,
                          "url": live_url}])
    page = context.new_page()
    page.add_init_script(WATCH_CSP)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


def test_phone_keeps_the_key_columns(chromium, app, live_url, world):  # noqa: F811
    context, page, errors = browser_page(chromium, app, live_url, "gm", world, 390, 844)
    try:
        page.goto(f"{live_url}/admin/complaint/")
        width = page.evaluate("window.innerWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        headers = page.locator("table.model-list thead th.column-header")
        shown = {}
        for index in range(headers.count()):
            header = headers.nth(index)
            shown[header.inner_text().strip()] = header.is_visible() and \
                header.bounding_box()["x"] + header.bounding_box()["width"] <= width + 1
        for label in ("投诉编号", "客户", "状态", "处理期限"):
            assert shown.get(label), (label, shown)
        assert not shown.get("投诉方式"), shown  # folded away on a phone
        table = page.locator("table.model-list").bounding_box()
        assert table["width"] <= width
        assert page.evaluate("window.__csp") == []
        assert errors == []
    finally:
        context.close()


def test_wide_screen_uses_the_width_and_toggles_break_no_rule(
        chromium, app, live_url, world):  # noqa: F811
    context, page, errors = browser_page(chromium, app, live_url, "gm", world, 1400, 900)
    try:
        page.goto(f"{live_url}/admin/complaint/")
        container = page.locator("body > .container-fluid").bounding_box()
        assert container["width"] >= 1350
        toggles = page.locator("[data-toggle=dropdown]")
        assert toggles.count() >= 4
        for index in range(toggles.count()):
            toggle = toggles.nth(index)
            if toggle.is_visible():
                toggle.click()
                page.keyboard.press("Escape")
        assert page.url == f"{live_url}/admin/complaint/"  # no toggle navigated
        page.locator("button.dropdown-toggle", has_text="添加筛选条件").click()
        page.locator(".field-filters a.filter").first.click()
        assert page.locator("#filter_form .filters tr").count() == 1  # filter row added
        assert page.evaluate("window.__csp") == []
        assert errors == []
    finally:
        context.close()


def test_quick_filters_narrow_the_list(chromium, app, live_url, world):  # noqa: F811
    context, page, errors = browser_page(chromium, app, live_url, "gm", world, 1400, 900)
    try:
        page.goto(f"{live_url}/admin/complaint/")
        page.select_option("#qf-status", "closed")
        page.locator("[data-quick-filters] button[type=submit]").click()
        page.wait_for_load_state()
        assert "status=closed" in page.url
        count = page.locator("[data-result-count]").inner_text()
        assert count.endswith("条结果")
        statuses = page.locator("table.model-list tbody td:nth-child(9)").all_inner_texts()
        assert all(text.startswith("已结案") for text in statuses)
        assert errors == []
    finally:
        context.close()


def test_rows_lead_back_to_this_page_and_bulk_steps_post_the_checked_rows(
        chromium, app, live_url, world):  # noqa: F811
    """The rows name the list's first page as their way back and the table names this
    page once (issue 17 target 4): list.js gives it to every row link, so the record
    page's "List" leads back to the filtered list; the check boxes, without a name of
    their own, still post the checked rows' ids with the bulk step."""
    context, page, errors = browser_page(chromium, app, live_url, "gm", world, 1400, 900)
    try:
        page.goto(f"{live_url}/admin/complaint/?page_size=50")
        table = page.locator("table.model-list")
        assert table.get_attribute("data-return-url") == "/admin/complaint/?page_size=50"
        view = page.locator("table.model-list tbody a.fa-eye").first
        back = page.evaluate("a => new URL(a.href).searchParams.get('url')",
                             view.element_handle())
        assert back == "/admin/complaint/?page_size=50"
        view.click()
        page.wait_for_load_state()
        assert "/admin/complaint/details/" in page.url
        page.locator(".breadcrumb a", has_text="客户投诉").click()
        page.wait_for_load_state()
        assert page.url == f"{live_url}/admin/complaint/?page_size=50"

        boxes = page.locator("table.model-list tbody td:first-child > input[type=checkbox]")
        page.locator("input.action-rowtoggle").check()
        assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
        page.locator("input.action-rowtoggle").uncheck()
        assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
        chosen = [boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")]
        boxes.nth(0).check()
        boxes.nth(1).check()
        page.locator("button.dropdown-toggle", has_text="批量操作").click()
        with page.expect_navigation():
            page.locator(".dropdown-item", has_text="打印所选").first.click()
        assert "/print/" in page.url or "print" in page.url, page.url
        assert all(f"id={pk}" in page.url for pk in chosen), (page.url, chosen)
        assert page.evaluate("window.__csp") == []
        assert errors == []
    finally:
        context.close()
