"""The navigation bar's menu, written in Python once per request.

Flask-Admin's ``layout.menu`` macro asks every menu entry twice whether the user may
open it (each a policy check), through a recursive Jinja macro, on every page; it
also makes each drop-down toggle a ``javascript:void(0)`` link, which the
Content-Security-Policy refuses (a console error at every click). Here the same
entries, same checks, same classes; toggles are buttons.
"""
from __future__ import annotations

from flask import request
from markupsafe import Markup, escape

from permissions.scoping import actor, remembered

from .formatting import _current_locale, translated


def _entry(item, view, nested: bool) -> str:
    url = escape(item.get_url() or "")
    name = escape(translated(item.name))
    if nested:
        active = " active" if item.is_active(view) else ""
        return f'<li><a class="dropdown-item{active}" href="{url}">{name}</a></li>'
    active = ' class="active"' if item.is_active(view) else ""
    # No "nav-link" class on each of the thirty entries: site.css styles
    # ".site-menu>li>a" as Bootstrap's navigation-bar links.
    return f'<li{active}><a href="{url}">{name}</a></li>'


def site_menu(view) -> Markup:
    """The main menu's items the user may open, as ``<li>`` elements.

    Remembered per user's rules (``permissions.scoping.remembered``: account, roles,
    department, clearance, doors, grants in force), language, page and URL root: what
    the menu offers is what that user may open, asked of the same views every time.
    (The menu only offers; each screen checks its own access.)"""
    kind = ("menu", str(_current_locale()), view.endpoint, request.script_root)
    return remembered(kind, actor(), lambda _principal: _menu(view))


def _menu(view) -> Markup:
    out = []
    for item in view.admin.menu():
        if item.is_category():
            children = [c for c in item.get_children() if not c.is_category()]
            if not children:
                continue
            active = "active " if item.is_active(view) else ""
            out.append(f'<li class="{active}dropdown"><button type="button" '
                       'class="btn btn-link nav-link dropdown-toggle" data-toggle="dropdown" '
                       f'aria-haspopup="true" aria-expanded="false">{escape(translated(item.name))}'
                       '</button><ul class="dropdown-menu">')
            out.extend(_entry(child, view, True) for child in children)
            out.append("</ul></li>")
        elif item.is_accessible() and item.is_visible():
            out.append(_entry(item, view, False))
    return Markup("".join(out))
