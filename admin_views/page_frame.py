"""The page frame's own files: the site's stylesheet and the widgets' words, fetched once.

Every admin page carried about 1 KB of colour rules and 2 KB of widget set-up inline
(issue 17 target 4: a list page of 20 rows in at most 30 KB of HTML). They are files
now, named by a hash of their content, so the browser keeps them for a year
(``web_assets``: a static URL with ``v=`` is immutable) and a page names them in one
line each:

- ``site.css`` (``static/``): the readable colours and the lists' shared rules.
- ``widgets.js``: ``static/widgets.js`` after one line giving its words in the page's
  language (``siteWidgets``: Chinese or not, the date picker's buttons from the
  catalogue), made once per language, at ``/frame/widgets.js?v=<language>-<hash>``.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, request, url_for
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from .formatting import _current_locale, translated

STATIC = Path(__file__).parent / "static"
bp = Blueprint("frame", __name__, static_folder="static", static_url_path="/frame/static")

#: (script root, file) → URL; language → (version, script): made once each.
_URLS: dict = {}
_SCRIPTS: dict = {}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """``frame.static``'s URL of ``filename`` with the hash of its content as ``v``."""
    key = (request.script_root, filename)
    url = _URLS.get(key)
    if url is None:
        content = (STATIC / filename).read_text(encoding="utf-8")
        url = _URLS[key] = url_for("frame.static", filename=filename, v=_digest(content))
    return url


def admin_file(filename: str, v: str | None = None) -> str:
    """The URL of Flask-Admin's static ``filename`` (``v``: its version), made once
    per script root: what the ``admin/static.html`` macro gives, without a macro call
    and a trip through the URL map for each of the dozen files a page links."""
    key = (request.script_root, "admin", filename, v)
    url = _URLS.get(key)
    if url is None:
        arguments = {"filename": filename} if v is None else {"filename": filename, "v": v}
        url = _URLS[key] = url_for("admin.static", **arguments)
    return url


def widgets_script() -> tuple[str, str]:
    """(version, script) of the widgets' set-up in the request's language."""
    locale = str(_current_locale())
    found = _SCRIPTS.get(locale)
    if found is None:
        words = {"zh": locale.startswith("zh"),
                 "pickerWords": {"applyLabel": _("Apply"), "cancelLabel": _("Cancel"),
                                 "fromLabel": _("From"), "toLabel": _("To"),
                                 "weekLabel": _("Wk"), "customRangeLabel": _("Custom range")}}
        script = (f"window.siteWidgets = {json.dumps(words, ensure_ascii=False)};\n"
                  + (STATIC / "widgets.js").read_text(encoding="utf-8"))
        found = _SCRIPTS[locale] = (f"{locale}-{_digest(script)}", script)
    return found


def widgets_url() -> str:
    key = (request.script_root, "widgets", str(_current_locale()))
    url = _URLS.get(key)
    if url is None:
        url = _URLS[key] = url_for("frame.widgets", v=widgets_script()[0])
    return url


@bp.get("/frame/widgets.js")
def widgets():
    """The widgets' set-up (``widgets_script``); cached for a year under its version."""
    return versioned_script(*widgets_script(), shared="public")


def versioned_script(version: str, script: str, shared: str) -> Response:
    """A script named by its content's ``version``: kept for a year when asked for
    under that version (``?v=``), revalidated otherwise; ``shared``: ``public`` (the
    same for everyone) or ``private`` (the user's)."""
    response = Response(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = (
        f"{shared}, max-age=31536000, immutable" if request.args.get("v") == version
        else "no-cache")
    return response


def json_text(value) -> Markup:
    """``value`` as JSON for an element's text, safe in HTML (``<>&'`` escaped as
    Jinja's ``tojson`` does) but with its Chinese as it is: ``tojson`` wrote each
    character as a six-byte ``\\uXXXX``."""
    return Markup(htmlsafe_json_dumps(value, ensure_ascii=False))


def init_frame(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.filters["json_text"] = json_text
    # A lazy label (the site's and a screen's name) as its text, remembered per
    # language: ``{{ label }}`` asked Flask-Babel for it on every page.
    app.jinja_env.filters["translated"] = translated
    app.jinja_env.globals["frame_static"] = static_url
    app.jinja_env.globals["admin_file"] = admin_file
    app.jinja_env.globals["frame_widgets"] = widgets_url
