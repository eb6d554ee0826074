"""Item 7 of issue 11: every redirect target taken from the request is a path on this
site, as a browser would read it, whatever the Host header says (redirects.py)."""
from __future__ import annotations

import pytest

from redirects import is_local_path

from ..test_audit_support import KINDS, log_in, own_app

PASSWORD = "test-password-1"

#: Open-redirect payloads, as an attacker writes them into a link's query string
#: (OWASP's list and werkzeug's/Django's test cases): tabs and newlines that browsers
#: drop, backslashes they read as slashes, encoded slashes, schemes, userinfo.
HOSTILE_QUERIES = [
    "next=/%09/evil.example",
    "next=/%0A/evil.example",
    "next=/%0D%0A/evil.example",
    "next=%09//evil.example",
    "next=/%5Cevil.example",
    "next=%5C/evil.example",
    "next=%5C%5Cevil.example",
    "next=/%5C/evil.example",
    "next=/%2F%2Fevil.example",
    "next=/%252F%252Fevil.example",
    "next=/%255Cevil.example",
    "next=//evil.example",
    "next=///evil.example",
    "next=////evil.example/x",
    "next=https://evil.example",
    "next=https:/evil.example",
    "next=https:evil.example",
    "next=HTTPS://evil.example",
    "next=//user@evil.example",
    "next=https://localhost@evil.example",
    "next=/%20/evil.example",
    "next=%20//evil.example",
    "next=/%E3%80%80/evil.example",
    "next=javascript:alert(1)",
    "next=java%09script:alert(1)",
    "next=%20javascript:alert(1)",
    "next=data:text/html,x",
    "next=evil.example",
    "next=/%E2%80%8B/evil.example",
]

#: The Host header a client (or a misconfigured proxy) may send.
FORGED_HOST = {"Host": "evil.example"}


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "redirects") as app:
        yield app


def log_in_with(client, query: str):
    return client.post(f"/login?{query}", data={"username": "gm", "password": PASSWORD})


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_login_never_sends_the_user_to_another_site(app, query):
    response = log_in_with(app.test_client(), query)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_a_normal_next_is_kept(app):
    response = log_in_with(app.test_client(), "next=/admin/complaint/")
    assert response.headers["Location"] == "/admin/complaint/"
    query = "next=%2Fadmin%2Fcomplaint%2F%3Fsearch%3D%25E5%25BC%25A0%26page%3D2"
    response = log_in_with(app.test_client(), query)
    assert response.headers["Location"] == "/admin/complaint/?search=%E5%BC%A0&page=2"


def test_the_login_page_keeps_the_next_of_a_protected_page(app):
    client = app.test_client()
    bounced = client.get("/admin/complaint/?page=1")
    assert bounced.status_code == 302
    login_url = bounced.headers["Location"]
    response = client.post(login_url, data={"username": "gm", "password": PASSWORD})
    assert response.headers["Location"] == "/admin/complaint/?page=1"


@pytest.mark.parametrize("target", ["//evil.example", "http://evil.example/",
                                    "/%09/evil.example", None])
def test_a_forged_host_does_not_decide_where_the_language_switch_sends(app, target):
    client = log_in(app.test_client(), app, "gm")
    data = {} if target is None else {"next": target}
    response = client.post("/lang/en", data=data,
                           headers={**FORGED_HOST, "Referer": "http://evil.example/phish"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_the_language_switch_returns_to_the_page_it_was_on(app):
    client = log_in(app.test_client(), app, "gm")
    response = client.post("/lang/en", data={"next": "/admin/complaint/?page=2"},
                           headers=FORGED_HOST)
    assert response.headers["Location"] == "/admin/complaint/?page=2"


def test_flask_admin_return_addresses_pass_the_same_check(app):
    """Flask-Admin's ``?url=`` would be judged against the Host header; ours is not."""
    client = log_in(app.test_client(), app, "clerk.sales")
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")
    page = client.get("/admin/customer/new/?url=http://evil.example/phish",
                      headers=FORGED_HOST)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'href="http://evil.example/phish"' not in text  # the form's Cancel link
    assert 'href="/admin/customer/"' in text
    kept = client.get("/admin/customer/new/?url=/admin/customer/%3Fpage%3D2",
                      headers=FORGED_HOST)
    assert 'href="/admin/customer/?page=2"' in kept.get_data(as_text=True)


@pytest.mark.parametrize("target", ["/\t/evil", "/\\evil", "\\/evil", "/%2F%2Fevil",
                                    "https://evil", "//evil", "/ /evil", "javascript:x",
                                    "/\u3000/evil", "/\x7f/evil", "", None])
def test_the_check_refuses_what_a_browser_could_read_as_another_site(target):
    assert not is_local_path(target)
