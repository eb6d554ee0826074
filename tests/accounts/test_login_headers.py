"""Point 6, headers: no framing, no sniffing, and a content security policy that real
rendered pages pass — every script carries the request's nonce and every inline event
handler Flask-Admin renders is allowed by its hash."""
from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest

from ..test_audit_support import KINDS, log_in, own_app


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "headers") as app:
        yield app


class Scripts(HTMLParser):
    """Collects <script> tags and on* attributes of a page."""

    def __init__(self):
        super().__init__()
        self.scripts, self.handlers, self.javascript_urls = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        for name, value in attrs.items():
            if name.startswith("on") and value:
                self.handlers.append(value)


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in header.split("; ")}


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def check_page(response) -> None:
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = policy(response)
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert "'unsafe-inline'" not in csp["script-src"]
    nonce = re.search(r"'nonce-([^']+)'", csp["script-src"]).group(1)
    parser = Scripts()
    parser.feed(response.get_data(as_text=True))
    assert parser.scripts, "the page has scripts to check"
    for attrs in parser.scripts:
        assert attrs.get("nonce") == nonce, f"script without the nonce: {attrs}"
    for handler in parser.handlers:
        assert sha256(handler) in csp["script-src"], f"inline handler not allowed: {handler}"


def pages(app) -> list[tuple[str, str]]:
    world = app.extensions["test_world"]
    slip = world.rows_of("return_slip")[0].id
    contract = next(r for r in world.rows_of("contract") if r.level == "internal").id
    return [
        ("gm", "/admin/"),
        ("gm", "/admin/complaint/"),
        ("gm", f"/admin/complaint/details/?id={world.rows_of('complaint')[0].id}"),
        ("gm", f"/admin/return_slip/edit/?id={slip}"),
        ("gm", f"/admin/contract/edit/?id={contract}"),
        ("clerk.sales", "/admin/customer/new/"),
        ("auditor", "/admin/audit_event/"),
        ("auditor", "/admin/audit_event/details/?id=1"),
        ("auditor", f"/admin/case/?id={world.rows_of('complaint')[0].id}"),
        ("admin", "/admin/app_user/"),
    ]


def test_admin_pages_pass_the_content_security_policy(app):
    for username, path in pages(app):
        client = log_in(app.test_client(), app, username)
        check_page(client.get(path))
        client.post("/lang/en")
        check_page(client.get(path))


def test_the_nonce_changes_with_every_request(app):
    client = log_in(app.test_client(), app, "gm")
    first, second = (policy(client.get("/admin/"))["script-src"] for _ in range(2))
    assert first != second


def test_login_and_error_pages_carry_the_headers(app):
    client = app.test_client()
    for response in (client.get("/login"), client.get("/no-such-page")):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "<script" not in response.get_data(as_text=True) or \
            "nonce=" in response.get_data(as_text=True)


def test_pages_with_records_are_not_cached(app):
    client = log_in(app.test_client(), app, "gm")
    assert client.get("/admin/complaint/").headers["Cache-Control"] == "no-store"
