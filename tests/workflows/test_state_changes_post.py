"""Item 17 of issue 11: logging out and switching the language change state, so they
are POST forms with the CSRF token; a GET (a link, a prefetch, an <img> on another
site) changes nothing, and the pages still show the controls."""
from __future__ import annotations

import json
import re

import pytest

from models import AuditEvent

from ..test_audit_support import KINDS, events, last_event_id, log_in, own_app


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "postonly", WTF_CSRF_ENABLED=True) as app:
        yield app


def token_from(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def speaks_english(client) -> bool:
    return "Log out" in client.get("/admin/").get_data(as_text=True)


def refusals_since(app, start: int) -> list[dict]:
    found = events(app, AuditEvent.id > start, AuditEvent.action == "request_failed")
    return [{key: value for key, value in json.loads(event.changes).items()
             if key in ("status", "path")} for event in found]


def test_get_logout_only_offers_the_button(app):
    client = log_in(app.test_client(), app, "gm")
    start = last_event_id(app)
    page = client.get("/logout")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert re.search(r'<form method="post" action="/logout">\s*<input type="hidden" '
                     r'name="csrf_token"', text)
    assert logged_in(client)
    assert not events(app, AuditEvent.id > start, AuditEvent.action == "logout")


def test_get_does_not_switch_the_language(app):
    client = log_in(app.test_client(), app, "gm")
    refused = client.get("/lang/en")
    assert refused.status_code == 405 and "POST" in refused.headers["Allow"]
    assert not speaks_english(client)


def test_logout_without_the_token_is_refused_and_recorded(app):
    client = log_in(app.test_client(), app, "gm")
    start = last_event_id(app)
    refused = client.post("/logout")
    assert refused.status_code == 400
    assert "没有做任何更改" in refused.get_data(as_text=True)
    assert logged_in(client)
    assert refusals_since(app, start) == [{"status": 400, "path": "/logout?"}]


def test_language_switch_without_the_token_is_refused_and_recorded(app):
    client = log_in(app.test_client(), app, "gm")
    start = last_event_id(app)
    assert client.post("/lang/en", data={"next": "/admin/"}).status_code == 400
    assert not speaks_english(client)
    assert refusals_since(app, start) == [{"status": 400, "path": "/lang/en?"}]


def test_logout_with_the_token_logs_out(app):
    client = log_in(app.test_client(), app, "gm")
    token = token_from(client.get("/admin/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not logged_in(client)


def test_language_switch_with_the_token_switches_and_returns(app):
    client = log_in(app.test_client(), app, "gm")
    token = token_from(client.get("/admin/complaint/").get_data(as_text=True))
    response = client.post("/lang/en", data={"csrf_token": token,
                                             "next": "/admin/complaint/"})
    assert response.headers["Location"] == "/admin/complaint/"
    assert speaks_english(client)


def controls_of(page: str) -> str:
    return re.search(r'<form method="post" class="[^"]*" data-session-controls="1">'
                     r'.*?</form>', page, re.S).group(0)


def test_every_admin_page_shows_the_controls_as_post_forms(app):
    client = log_in(app.test_client(), app, "gm")
    for path in ("/admin/", "/admin/complaint/", "/admin/customer/"):
        page = client.get(path).get_data(as_text=True)
        controls = controls_of(page)
        assert 'name="csrf_token"' in controls
        for action in ("/lang/zh_CN", "/lang/en", "/logout"):
            assert f'formaction="{action}"' in controls
        assert f'name="next" value="{path}"' in controls
        assert 'href="/logout"' not in page and 'href="/lang/' not in page
        assert "<script" not in controls and "onclick" not in controls  # CSP: no inline


def test_the_login_page_shows_the_language_switch(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    controls = controls_of(page)
    assert 'formaction="/lang/en"' in controls and 'formaction="/logout"' not in controls
    response = client.post("/lang/en", data={"csrf_token": token_from(controls),
                                             "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert "Log in" in client.get("/login").get_data(as_text=True)
