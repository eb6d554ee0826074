"""The interactive API page works in a real browser under the app's CSP: Swagger UI
from the package, the document from /api/v1/openapi.json, no violation, nothing
fetched from anywhere but the app (the browser's requests are answered by the app's
test client, so any other address would fail)."""
from __future__ import annotations

from ..browser_support import chromium  # noqa: F401  (the session's browser)

ORIGIN = "http://records.test"


def test_the_docs_page_renders_the_document_under_the_csp(app, chromium):  # noqa: F811
    client = app.test_client()
    outside, violations = [], []

    def answer(route):
        url = route.request.url
        if not url.startswith(ORIGIN):
            outside.append(url)
            return route.abort()
        response = client.get(url[len(ORIGIN):])
        route.fulfill(status=response.status_code, headers=dict(response.headers),
                      body=response.get_data())

    page = chromium.new_page()
    try:
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.route("**/*", answer)
        page.goto(f"{ORIGIN}/api/v1/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
        assert "Records office API" in page.inner_text(".swagger-ui .info .title")
        assert page.locator(".opblock-tag").count() >= 1
    finally:
        page.close()
    assert not outside and not violations, (outside, violations)
