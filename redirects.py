"""Where the app may send a browser next: one check for every redirect target that
comes from the request (``?next=`` after login, the language switch's ``next``,
Flask-Admin's ``?url=`` return addresses).

A target is accepted only as a path on this site, judged as a browser would read
it, and never by the request's Host header (which the client writes). Browsers
drop tabs and newlines anywhere in a URL, strip leading spaces and control
characters, read ``\\`` as ``/`` and ``//host`` as another site; a percent-encoded
slash may be decoded by a proxy on the way. So rather than normalising the way
one browser does, anything that a browser or proxy could read differently from a
plain path is refused, and the user lands on the home page instead.
"""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import request, url_for
from werkzeug.urls import iri_to_uri

#: Printable ASCII only: no spaces, tabs, newlines, control or format characters,
#: and no backslash (read as ``/`` by browsers). What our own pages and Flask-Login
#: put into a ``next`` is percent-encoded, so it always matches.
PLAIN_URL = re.compile(r"[!-\[\]-~]+")

#: Percent-encoded slash, backslash or control character in the path.
ENCODED_SEPARATOR = re.compile(r"%(2f|5c|[01][0-9a-f]|7f)", re.IGNORECASE)


def is_local_path(target: str | None) -> bool:
    """True when ``target`` can only mean a path on this site: ``/admin/x?y=z``."""
    if not target or len(target) > 2000 or not PLAIN_URL.fullmatch(target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return False
    path = parts.path
    for _ in range(3):  # double-encoded %252F is a %2F after one proxy
        if ENCODED_SEPARATOR.search(path):
            return False
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    return True


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (the home page)."""
    if is_local_path(target):
        return target
    return fallback or url_for("admin.index")


def current_path() -> str:
    """This page's path and query, for a form's ``next`` field (ASCII, encoded)."""
    path = iri_to_uri(request.full_path)
    return path[:-1] if path.endswith("?") else path


def guard_flask_admin() -> None:
    """Flask-Admin checks its ``?url=`` return address against ``request.host_url``
    (the Host header). Its one check, ``flask_admin.helpers.is_safe_url``, which
    every list, form, delete and action view calls through ``get_redirect_target``,
    is replaced by ours."""
    import flask_admin.helpers

    flask_admin.helpers.is_safe_url = is_local_path
