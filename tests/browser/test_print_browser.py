"""Two forms printed to PDF by a real browser (Chromium, A4): one page per copy, the
Chinese text embedded, the navigation left out. The browser's requests are answered by
the app's test client (signed in as the GM office), so no server is started."""
from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader

from ..sessions import sign_in
from ..stats_support import delete_records, make_records

pytest_plugins = ["tests.browser_support"]  # the ``chromium`` fixture

ORIGIN = "http://records.test"


@pytest.fixture(scope="module")
def printed(app, world):
    made = make_records(app, world, "internal", "B")
    yield made
    delete_records(app, made)


def text_of(page) -> str:
    """A page's text; the PDF's CJK radicals (U+2Fxx) read as the ideographs they are."""
    return unicodedata.normalize("NFKC", page.extract_text()).replace(" ", "").replace("\n", "")


def pdf_of(browser, client, path: str) -> PdfReader:
    def answer(route):
        url = route.request.url[len(ORIGIN):]
        response = client.get(url)
        route.fulfill(status=response.status_code, body=response.data,
                      headers={k: v for k, v in response.headers.items()
                               if k.lower() != "content-length"})
    page = browser.new_page()
    try:
        page.route(f"{ORIGIN}/**", answer)
        page.goto(ORIGIN + path)
        page.emulate_media(media="print")
        return PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    finally:
        page.close()


def test_two_forms_print_to_pdf_with_their_pages_and_text(app, world, printed, chromium):
    from models import Penalty, ReturnSlip
    client = app.test_client()
    sign_in(app, client, world.users["gm"], locale="zh_CN")
    # 退货单: four copies, one A4 page each.
    slip = pdf_of(chromium, client, f"/print/return-slip?id={printed[ReturnSlip][0]}")
    assert len(slip.pages) == 4
    texts = [text_of(page) for page in slip.pages]
    for number, text in enumerate(texts, start=1):
        assert "退货单" in text
        assert f"第{'一二三四'[number - 1]}联" in text
    assert "成品仓储" in texts[1] and "产品B" in texts[0]
    assert all("返回首页" not in text and "Back to the home page" not in text
               for text in texts)  # the toolbar is not printed
    # 奖罚通知单: three copies (自存, 会计, 罚扣部门).
    notice = pdf_of(chromium, client, f"/print/penalty-notice?id={printed[Penalty][0]}")
    assert len(notice.pages) == 3
    texts = [text_of(page) for page in notice.pages]
    assert all("奖罚通知单" in text and "300.00" in text for text in texts)
    assert "会计" in texts[1] and "罚扣" in texts[2]
