"""Issue 16 item 4: every visible word in Chinese. Each screen (home; list, create,
details and edit of every registered model) is rendered on the demo data in zh_CN for
each demo role, and its visible text and title/placeholder attributes are checked for
an untranslated message id (an English word from the deny list, a currency's ISO
code), a raw snake_case field name, ``__None``, and a login name where a person is named
(a history, the audit log, which is read too).

Runs on SQLite only: the demo is built once for the module (the PostgreSQL half of the
suite covers the same templates elsewhere); the screens are the same on both.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from demo import USERS
from models import REGISTRY, db
from models import AppUser as User

from ..conftest import fresh_database
from ..sessions import sign_in
from ..test_audit_support import disposed, make_app

#: English words that must not show on a Chinese screen: Flask-Admin's and our own
#: message ids, and words a half-translated screen tends to show.
DENY = ("Failed to", "successfully", "No matches found", "items", "With selected",
        "Add Filter", "Save and Add Another", "Record", "Details", "Create", "Edit",
        "List", "Delete", "Search", "Status", "Home", "Complaint", "Customer",
        "Approve", "Reject", "Send back", "Next steps", "Overdue", "Waiting for me",
        "working day", "Due today", "Empty fields", "Main fields", "Handling record",
        "registered", "saved", "True", "False", "None",
        # a currency shown as its ISO code rather than its name (人民币)
        "CNY", "USD", "HKD", "EUR", "JPY")
WORD = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in DENY) + r")\b")
#: A raw column name: two or more lowercase words joined by underscores.
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
#: Data that may spell names: a URL path (an access entry names the page read) and a
#: setting's dotted key (the settings screen shows it beside its label).
DATA = re.compile(r"/\S*|\b\w+(?:\.\w+)+\b")
#: Roles whose screens are read (one demo user each).
ROLES = ("clerk", "supervisor", "gm_office", "legal", "auditor", "admin")


#: Elements without an end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class VisibleText(HTMLParser):
    """The text a person sees (not scripts, styles, hidden inputs) and the
    title/placeholder/aria-label attributes they read."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            if not self._skip:
                self._attributes(attrs)
            return
        found = dict(attrs)
        hidden = tag in ("script", "style", "template") \
            or "display:none" in (found.get("style") or "").replace(" ", "") \
            or {"d-none", "hide"} & set((found.get("class") or "").split())
        if self._skip or hidden:
            self._skip += 1  # inside a hidden element: count its tags to find its end
            return
        self._attributes(attrs)

    def _attributes(self, attrs):
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if self._skip and tag not in VOID:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


#: Where a person is named (a history's user column, the audit log's), a bare login
#: name: the person's full name is expected (the log keeps the login in brackets).
LOGINS = re.compile(r">\s*(" + "|".join(re.escape(u[0]) for u in USERS) + r")\s*<")


def logins_as_people(html: str) -> list[str]:
    parts = [html[html.index('data-history="1"'):]] if 'data-history="1"' in html else []
    if "model-list" in html and "/admin/audit_event/details/" in html:
        parts.append(html[html.index("model-list"):])
    return [f"login name {match.group(1)!r} where a person's name belongs"
            for part in parts for match in LOGINS.finditer(part)]


def problems_of(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    found = []
    for text in parser.parts:
        if "__None" in text:
            found.append(f"__None: {text[:80]!r}")
        for match in WORD.finditer(text):
            found.append(f"English {match.group(0)!r} in {text[:80]!r}")
        for match in SNAKE.finditer(DATA.sub(" ", text)):
            found.append(f"raw name {match.group(0)!r} in {text[:80]!r}")
    return found + logins_as_people(html)


@pytest.fixture(scope="module", params=["sqlite"])
def demo_url(request, tmp_path_factory):
    yield from fresh_database(request, tmp_path_factory, "words")


@pytest.fixture(scope="module")
def demo_app(demo_url, tmp_path_factory):
    with disposed(make_app(demo_url, tmp_path_factory, world=False, demo=True)) as app:
        yield app


def screens(app, client) -> list[str]:
    urls = ["/admin/", "/admin/audit_event/"]
    with app.app_context():
        for table, model in REGISTRY.items():
            urls += [f"/admin/{table}/", f"/admin/{table}/new/"]
            first = db.session.scalar(sa.select(model.id).order_by(model.id.desc()).limit(1))
            if first is not None:
                urls += [f"/admin/{table}/details/?id={first}", f"/admin/{table}/edit/?id={first}"]
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_every_screen_is_in_chinese(demo_app, role):
    username = next(u[0] for u in USERS if u[2] == role)
    with demo_app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
    client = demo_app.test_client()
    sign_in(demo_app, client, user_id, locale="zh_CN")
    found = {}
    for url in screens(demo_app, client):
        response = client.get(url)
        if response.status_code != 200:
            continue  # refused or redirected: the permission tests cover those
        problems = problems_of(response.get_data(as_text=True))
        if problems:
            found[url] = sorted(set(problems))[:5]
    assert not found, "\n".join(f"{url}: {p}" for url, p in found.items())


def test_flask_admins_own_strings_are_the_offices_words(demo_app):
    """Flask-Admin's "admin" catalogue is loaded, with our wording over it
    (admin_catalog.py): no "Failed to create record." in English, 保存并新建 rather
    than 保存并添加另一个."""
    from flask_admin.babel import gettext as admin_gettext
    from flask_babel import force_locale
    with demo_app.test_request_context("/admin/"), force_locale("zh_CN"):
        assert admin_gettext("Failed to create record.") == "记录未能创建。"
        assert admin_gettext("Save and Add Another") == "保存并新建"
        assert admin_gettext("With selected") == "批量操作"
        assert admin_gettext("Add Filter") == "添加筛选条件"
        assert admin_gettext("List") == "列表"  # the rest: Flask-Admin's own catalogue
