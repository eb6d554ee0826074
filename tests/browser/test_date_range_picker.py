"""Issue 16 item 4: the list filters' date range picker and the forms' date picker in
Chinese — 应用/取消, Chinese day and month names, weeks from Monday — with no console
error or CSP violation; in English they keep their English words."""
# ruff: noqa: F811  (the fixtures are imported, then requested by name)
from __future__ import annotations

from ..browser_support import chromium  # noqa: F401  (the fixture)
from .test_list_in_browser import browser_page, live_url  # noqa: F401  (fixtures)


def between_filter(app) -> str:
    """The URL argument of the contract list's "signed on between" filter."""
    admin = app.extensions["admin"][0]
    view = next(v for v in admin._views if getattr(v, "endpoint", None) == "contract")
    index = next(i for i, f in enumerate(view._filters)
                 if getattr(f, "column", None) is not None and f.column.key == "signed_on"
                 and type(f).__name__ == "DateBetweenFilter")
    return f"flt0_{index}"


def open_range_picker(page, live_url, app):
    page.goto(f"{live_url}/admin/contract/?{between_filter(app)}="
              "2026-11-01+to+2026-11-30")
    page.locator('input.filter-val[data-date-format]').first.click()
    picker = page.locator(".daterangepicker").filter(has=page.locator(".applyBtn:visible"))
    picker.first.wait_for(state="visible")
    return picker.first


def weekday_headers(picker) -> list[str]:
    return [text.strip() for text in
            picker.locator(".calendar.left thead tr").nth(1).locator("th").all_inner_texts()]


def test_the_date_range_picker_speaks_chinese_from_monday(chromium, app, live_url, world):
    context, page, errors = browser_page(chromium, app, live_url, "gm", world, 1400, 900)
    try:
        picker = open_range_picker(page, live_url, app)
        assert picker.locator(".applyBtn").inner_text().strip() == "应用"
        assert picker.locator(".cancelBtn").inner_text().strip() == "取消"
        assert weekday_headers(picker) == ["一", "二", "三", "四", "五", "六", "日"]
        month = picker.locator(".calendar.left .monthselect option:checked").inner_text()
        assert month == "11月"
        # The form's single date picker: the same days, Monday first.
        page.goto(f"{live_url}/admin/contract/edit/?id={world.rows_of('contract')[0].id}")
        page.locator('input#signed_on').click()
        single = page.locator(".daterangepicker:visible").first
        assert weekday_headers(single)[0] == "一"
        assert page.evaluate("window.__csp") == []
        assert errors == []
    finally:
        context.close()


def test_in_english_the_picker_keeps_its_english_words(chromium, app, live_url, world):
    context, page, errors = browser_page(chromium, app, live_url, "gm", world, 1400, 900)
    try:
        assert page.request.post(f"{live_url}/lang/en").ok
        picker = open_range_picker(page, live_url, app)
        assert picker.locator(".applyBtn").inner_text().strip() == "Apply"
        assert picker.locator(".cancelBtn").inner_text().strip() == "Cancel"
        assert weekday_headers(picker)[0] == "Mo"
        assert errors == []
    finally:
        context.close()
