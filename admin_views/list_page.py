"""The list page's rows, written by Python from a plan made once per screen and language.

Flask-Admin renders each cell through a Jinja block that asks ``get_list_value``,
which looks up the column's formatter, the choices map and the type formatters for
every one of the 200 cells of a page, and resolves lazy labels on the way; a list
page spent most of its time there (issue 17). Here each screen gets, per language,
a ``ListPlan``: its header labels and one small function per column that turns a
record's value into escaped HTML (a code's label comes from a dictionary made once;
dates and numbers go straight to their formatter). A row is then one string join.

Nothing about which rows are read changes: the rows are the ones ``get_list`` read
through ``visible()``; a column with a formatter the plan does not know (a model's
own, a mixin's) is still asked through it, so every screen stays generated from the
model declarations.
"""
from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

import sqlalchemy as sa
from flask import g, request
from flask_admin import expose
from flask_admin._compat import text_type
from flask_admin.babel import gettext as admin_gettext
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload

from permissions.scoping import actor, remembered

from .formatting import _current_locale, translated
from .page_frame import versioned_script
from .quick_filters import QuickFilterMixin


def _plain(value) -> str:
    """A value as escaped HTML text (Markup passes through)."""
    if value is None:
        return ""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(value if isinstance(value, str) else text_type(value))


#: Columns a phone keeps (issue 16 item 6), when the model does not name its own
#: (``Admin.phone_columns``): besides the first (the record's number or name).
PHONE_COLUMNS = ("customer", "status", "deadline", "due_date", "effective_due_date")


def phone_columns(view) -> set[str]:
    """The list columns still shown at 390 px: the model's ``Admin.phone_columns``, or
    its first column and those of ``PHONE_COLUMNS`` it lists."""
    names = [name for name, _label in view._list_columns]
    declared = getattr(getattr(view.model, "Admin", None), "phone_columns", None)
    if declared:
        return set(declared) & set(names)
    return {names[0], *(n for n in names if n in PHONE_COLUMNS)} if names else set()


#: Translations of the list template's fixed texts: (function, locale, message) → text.
_TEXTS: dict = {}


def cached_translation(function):
    """``function`` (a gettext) remembered per language and message: the catalogues
    do not change while the app runs, and each look-up through Flask-Babel walks its
    context and domain (a list page asked about thirty of them)."""
    def translate(message, **variables):
        key = (function, _current_locale(), message)
        text = _TEXTS.get(key)
        if text is None:
            text = _TEXTS[key] = function(message)
        return text % variables if variables else text
    return translate


#: The page number in a list URL whose page is then replaced (``_get_list_url``).
PAGE_MARK = 987654321

#: The sort number in a list URL whose sort is then replaced (``header_cells``).
SORT_MARK = 999999


def numbered_pager(page: int, pages: int, url_of) -> Markup:
    """Flask-Admin's numbered pager (seven pages around the current one), the current
    and disabled items as text instead of ``javascript:`` links; ``url_of(p)`` is only
    asked for the pages linked."""
    if pages <= 1:
        return Markup("")
    low, high = page - 3, page + 4
    if low < 0:
        high -= low
    if high >= pages:
        low -= high - pages
    low, high = max(low, 0), min(high, pages)

    def item(enabled: bool, target: int, text, active: bool = False) -> str:
        if active:
            return f'<li class="page-item active"><span class="page-link">{text}</span></li>'
        if enabled:
            return (f'<li class="page-item"><a class="page-link" href="{escape(url_of(target))}">'
                    f'{text}</a></li>')
        return f'<li class="page-item disabled"><span class="page-link">{text}</span></li>'

    items = [item(low > 0, 0, "&laquo;"), item(page > 0, page - 1, "&lt;"),
             *(item(True, p, p + 1, page == p) for p in range(low, high)),
             item(page + 1 < pages, page + 1, "&gt;"), item(high < pages, pages - 1, "&raquo;")]
    return Markup('<ul class="pagination flex-wrap">\n' + "\n".join(items) + "\n</ul>")


def _without_page_size(url: str, token: str) -> str:
    """``url`` without its ``page_size=N`` argument ``token``."""
    return url.replace(token, "").replace("?&", "?").replace("&&", "&").rstrip("?&")


def simple_pager(page: int, have_next: bool, url_of) -> Markup:
    """Flask-Admin's pager of a list past its counted pages (``<`` and ``>`` only),
    written as ``numbered_pager`` writes its items (the template module it came from
    was imported, with the page's context, on every list page)."""
    def item(enabled: bool, target: int, text: str) -> str:
        if enabled:
            return (f'<li class="page-item"><a class="page-link" href="{escape(url_of(target))}">'
                    f'{text}</a></li>')
        return f'<li class="page-item disabled"><span class="page-link">{text}</span></li>'

    return Markup('<ul class="pagination">\n' + item(page > 0, page - 1, "&lt;") + "\n"
                  + item(have_next, page + 1, "&gt;") + "\n</ul>")


#: Endpoints whose URLs depend on their arguments only (static files): built once.
STATIC_SUFFIX = ".static"
_STATIC_URLS: dict = {}


class ListPlan:
    """What a screen's list shows, in one language: headers and cell functions."""

    def __init__(self, view):
        self.headers = [(name, str(label)) for name, label in view._list_columns]
        self.cells = [self._cell(view, name) for name, _label in view._list_columns]
        self.select_label = escape(_("Select this record"))
        #: (CSS class, label as HTML, sortable?) of each column's header.
        self.header_parts = [(escape("col-" + name.replace(".", "-")), escape(label),
                              view.is_sortable(name)) for name, label in self.headers]
        kept = phone_columns(view)
        #: 1-based positions (among the data columns) a phone hides.
        self.phone_hidden = [index for index, (name, _label) in
                             enumerate(self.headers, start=1) if name not in kept]

    def header_cells(self, sort_column, sort_desc, sort_url) -> Markup:
        """The columns' headers: a sortable one links to the list sorted by it (the
        sorted one to the other direction, with its arrow). One URL is built for all
        (``sort_url``), its sort number replaced per column."""
        pattern = None
        out = []
        for index, (css, label, sortable) in enumerate(self.header_parts):
            if not sortable:
                out.append(f'<th class="column-header {css}">{label}</th>')
            elif index == sort_column:
                arrow = "down" if sort_desc else "up"
                out.append(f'<th class="column-header {css}"><a href="'
                           f'{escape(sort_url(index, True))}">{label} <span class="fa '
                           f'fa-chevron-{arrow}"></span></a></th>')
            else:
                if pattern is None:
                    pattern = str(escape(sort_url(SORT_MARK)))
                url = pattern.replace(f"sort={SORT_MARK}", f"sort={index}")
                out.append(f'<th class="column-header {css}"><a href="{url}">{label}</a></th>')
        return Markup("\n".join(out))

    def page_style(self, leading: int) -> Markup:
        """The page's own CSS (the shared rules are in ``site.css``): the row links'
        cell on one line (``leading``: the columns before the data, check box and
        links; the links' cell is the last of them), and the columns a phone does
        without hidden."""
        cells = ",".join(f".model-list tr>:nth-child({leading + i})" for i in self.phone_hidden)
        return Markup(f".model-list td:nth-child({leading}){{white-space:nowrap}}"
                      f"@media (max-width:575.98px){{{cells}{{display:none}}"
                      ".model-list th{white-space:normal}.model-list td{overflow-wrap:anywhere}"
                      ".model-list .badge{white-space:normal;text-align:left}}")

    @staticmethod
    def _cell(view, name):
        formatter = (view.column_formatters or {}).get(name)
        codes = getattr(formatter, "choices", None)
        if codes is not None:  # the generator's code → label formatter
            labels = {code: escape(str(text)) for code, text in codes.items()}

            def code_cell(row):
                value = getattr(row, name)
                if value is None:
                    return ""
                if value in labels:
                    return labels[value]
                return " ".join(labels.get(c) or escape(c) for c in str(value).split())
            return code_cell
        choices = {k: escape(str(v)) for k, v in view._column_choices_map.get(name, {}).items()}
        type_formatters = view.column_type_formatters or {}
        by_type: dict[type, object] = {}

        def typed(value):
            kind = type(value)
            if kind not in by_type:
                by_type[kind] = next((f for t, f in type_formatters.items()
                                      if isinstance(value, t)), None)
            chosen = by_type[kind]
            return value if chosen is None else chosen(view, value, name)

        if formatter is not None:
            def formatted_cell(row):
                value = formatter(view, None, row, name)
                if choices and value in choices:
                    return choices[value]
                return _plain(typed(value))
            return formatted_cell

        apart = getattr(view, "references_read_apart", dict)()
        if name in apart:
            from .performance import references_of_page  # performance imports this module

            endpoint = view.endpoint

            def reference_cell(row):
                found = references_of_page(endpoint, name)
                if found is None:  # the rows did not come from this request's get_list
                    return _plain(getattr(row, name))
                text = found[1].get(getattr(row, found[0]))
                return "" if text is None else escape(text)
            return reference_cell

        dotted = "." in name

        def cell(row):
            value = view._get_field_value(row, name) if dotted else getattr(row, name, None)
            if choices and value in choices:
                return choices[value]
            if value is None:
                return ""
            if isinstance(value, str) and not hasattr(value, "__html__"):
                return escape(value)
            return _plain(typed(value))
        return cell


class LeanListMixin(QuickFilterMixin):
    """The list screen's parts that cost per request, made once and kept."""

    list_text = staticmethod(cached_translation(_))
    """The list template's ``_``: our catalogue, remembered."""
    list_admin_text = staticmethod(cached_translation(admin_gettext))
    """The list template's ``_gettext``: Flask-Admin's catalogue, remembered."""

    @property
    def list_template(self) -> str:
        """The lean list; Flask-Admin's, whose cells can carry edit widgets, for a
        screen that declares editable columns."""
        if self.column_editable_list:
            return "admin/record_list_editable.html"
        return "admin/record_list.html"

    def get_actions_list(self):
        """Flask-Admin's allowed bulk actions and their confirmations, with the labels
        read through ``translated`` (each is a lazy label; the page asks for them all).

        Which actions are allowed is what the user's rules decide (``is_action_allowed``
        asks the policy), so it is remembered with them (``remembered``: the account,
        its grants, today, the settings in force); the labels per language. A list
        page asked the policy fifteen times for the same answers."""
        allowed = remembered(("list_actions", self.endpoint), actor(), self._allowed_actions)
        cache = self.__dict__.setdefault("_actions_by_locale", {})
        key = (str(_current_locale()), allowed)
        if key not in cache:
            actions, confirmations = [], {}
            for name, label in self._actions:
                if name in allowed:
                    actions.append((name, translated(label)))
                    confirmation = self._actions_data[name][2]
                    asked = translated(confirmation) if confirmation is not None else ""
                    if asked:
                        confirmations[name] = asked
            cache[key] = (actions, confirmations)
        actions, confirmations = cache[key]
        return list(actions), dict(confirmations)

    def _allowed_actions(self, _principal) -> tuple[str, ...]:
        return tuple(name for name, _label in self._actions if self.is_action_allowed(name))

    def search_placeholder(self):
        """Flask-Admin's placeholder (the searchable columns' labels), per language."""
        placeholders = self.__dict__.setdefault("_search_placeholders", {})
        locale = _current_locale()
        if locale not in placeholders:
            placeholders[locale] = super().search_placeholder()
        return placeholders[locale]

    def get_url(self, endpoint, **kwargs):
        """Flask-Admin's ``get_url``; a static file's URL (a dozen a page, each through
        the URL map) is built once per script root and arguments."""
        if not endpoint.endswith(STATIC_SUFFIX):
            return super().get_url(endpoint, **kwargs)
        key = (request.script_root, endpoint, tuple(sorted(kwargs.items())))
        url = _STATIC_URLS.get(key)
        if url is None:
            url = _STATIC_URLS[key] = super().get_url(endpoint, **kwargs)
        return url

    def _get_list_url(self, view_args) -> str:
        """Flask-Admin's list URL without ``page_size`` when it is the default: every
        link of a page (two per row) carried ``?page_size%3D20`` for nothing.

        The pager asks for the same list's URL once per page number it shows (nine);
        each went through the URL map. A page other than the first is the request's
        one URL of that list with its ``page`` (the first argument) replaced."""
        if not view_args.page:
            return self._first_page_url(view_args)
        key = self._url_key(view_args, "page", view_args.page_size)
        patterns = g.setdefault("list_url_patterns", {})
        if key not in patterns:
            pattern = self._list_url(view_args.clone(page=PAGE_MARK))
            patterns[key] = pattern if f"?page={PAGE_MARK}&" in pattern + "&" else None
        if patterns[key] is None:  # the page is not where it is looked for: built as asked
            return self._list_url(view_args)
        return patterns[key].replace(f"?page={PAGE_MARK}", f"?page={int(view_args.page)}", 1)

    def _first_page_url(self, view_args) -> str:
        """The first page's URL. The page-size menu asks for it at each size it offers
        (each through the URL map): it is built once, at the largest size, and the
        others are that URL with the size replaced (the default size: left out)."""
        size = self.get_safe_page_size(view_args.page_size)
        if not self.can_set_page_size or size not in self.page_size_options:
            return self._list_url(view_args)
        key = self._url_key(view_args, "first")
        patterns = g.setdefault("list_url_patterns", {})
        token = f"page_size={max(self.page_size_options)}"
        if key not in patterns:
            url = super()._get_list_url(view_args.clone(
                page_size=max(self.page_size_options)))
            alone = url.count(token) == 1 and (url + "&").count(token + "&") == 1
            patterns[key] = url if alone else None
        pattern = patterns[key]
        if pattern is None:  # the size is not where it is looked for: built as asked
            return self._list_url(view_args)
        if size == self.page_size:
            return _without_page_size(pattern, token)
        return pattern.replace(token, f"page_size={size}", 1)

    def _url_key(self, view_args, *parts) -> tuple:
        """What a list URL pattern of this request is kept under (``g``): the list's
        arguments other than its page and size, and ``parts``."""
        return (*parts, self.endpoint, view_args.sort, view_args.sort_desc,
                view_args.search, repr(view_args.filters),
                repr(sorted((view_args.extra_args or {}).items())))

    def _list_url(self, view_args) -> str:
        url = super()._get_list_url(view_args)
        if self.get_safe_page_size(view_args.page_size) == self.page_size:
            url = _without_page_size(url, f"page_size={self.page_size}")
        return url

    def get_query(self):
        """The details page reads the record with the references it shows in the same
        statement (a lazy load each, before: 8 statements for a complaint's page)."""
        query = super().get_query()
        if (request.endpoint or "").endswith(".details_view"):
            query = query.options(*self._details_loads())
        return query

    def _details_loads(self) -> list:
        shown = set(self.column_details_list or ())
        # Collections too: one record's few linked rows come in the same statement.
        return [joinedload(getattr(self.model, relation.key))
                for relation in sa.inspect(self.model).relationships
                if relation.key in shown]

    numbered_pager = staticmethod(numbered_pager)
    """The list template's pager (``numbered_pager``)."""

    simple_pager = staticmethod(simple_pager)
    """The list template's pager past the counted pages (``simple_pager``)."""

    def list_plan(self) -> ListPlan:
        """This screen's plan in the request's language (made at its first use)."""
        plans = self.__dict__.setdefault("_list_plans", {})
        locale = str(_current_locale())
        if locale not in plans:
            plans[locale] = ListPlan(self)
        return plans[locale]

    def _get_filter_groups(self):
        """Flask-Admin rebuilds the filters' labels and options on every page; they
        depend only on the language (options are read when the screen is made)."""
        groups = self.__dict__.setdefault("_filter_groups_by_locale", {})
        locale = str(_current_locale())
        if locale not in groups:
            groups[locale] = super()._get_filter_groups()
        return groups[locale]

    def filter_groups_script(self) -> tuple[str, str]:
        """(version, script) giving the filter form its groups, made once per language.

        The groups (labels, operations, every option) were 7–10 KB of JSON in every
        list page; as a script of their own, named by a hash of its content, the
        browser fetches them once and keeps them (``filters_script``). The script also
        fills the "Add filter" drop-down with one item per group (a dozen items of the
        same markup in every page before; the drop-down opens by script only)."""
        cache = self.__dict__.setdefault("_filter_script_by_locale", {})
        locale = str(_current_locale())
        if locale not in cache:
            groups = self._get_filter_groups()
            data = json.dumps(json.dumps(groups, ensure_ascii=False),
                              ensure_ascii=False).replace("<", "\\u003c")
            names = json.dumps(list(groups), ensure_ascii=False).replace("<", "\\u003c")
            script = ("document.getElementById('filter-groups-data').textContent = "
                      f"{data};\n"
                      "(function (menu, names) {\n"
                      "  if (!menu) { return; }\n"
                      "  names.forEach(function (name) {\n"
                      "    var item = document.createElement('a');\n"
                      "    item.className = 'dropdown-item filter';\n"
                      "    item.setAttribute('role', 'button');\n"
                      "    item.tabIndex = 0;\n"
                      "    item.textContent = name;\n"
                      "    menu.appendChild(item);\n"
                      "  });\n"
                      f"}})(document.querySelector('.field-filters'), {names});\n")
            version = hashlib.sha256(script.encode()).hexdigest()[:12]
            cache[locale] = (f"{locale}-{version}", script)
        return cache[locale]

    def filters_script_url(self) -> str:
        return self.get_url(".filters_script", v=self.filter_groups_script()[0])

    @expose("/filters.js")
    def filters_script(self):
        """The filter groups (``filter_groups_script``); cached for a year, as its URL
        changes with its content and language."""
        return versioned_script(*self.filter_groups_script(), shared="private")

    @staticmethod
    def row_actions_need_macros(row_actions) -> bool:
        """Whether a row action is one only Flask-Admin's ``row_actions`` macros can
        render (a delete button): the template then imports them, and loops."""
        from .performance import LinkRowAction  # performance imports this module

        return any(not isinstance(action, LinkRowAction) for action in row_actions)

    def list_rows(self, data, row_actions, return_url: str, with_checkbox: bool):
        """The rows of the page as one piece of HTML, or None when a row action is one
        only its Jinja macro can render (a delete button): the template then loops.

        ``return_url`` is the links' ``?url=``: the template gives the list's first
        page and names the page itself once, on the table (``static/list.js`` puts it
        into the links). A row's check box has no name or class: ``list.js`` posts the
        checked ones as ``rowid``."""
        from .performance import LinkRowAction  # performance imports this module

        if self.row_actions_need_macros(row_actions):
            return None
        plan = self.list_plan()
        links = []
        for action in row_actions:
            pattern = self.get_url(action.endpoint, id=LinkRowAction.ROW_ID, url=return_url)
            head, _sep, tail = str(escape(pattern)).partition(LinkRowAction.ROW_ID)
            links.append((head, tail, escape(action.title or ""),
                          escape(action.icon_class)))
        select = plan.select_label
        cells = plan.cells
        rows = []
        for row in data:
            pk = self.get_pk_value(row)
            pk_text = escape(quote(str(pk), safe=""))
            out = ["<tr>"]
            if with_checkbox:
                out.append(f'<td><input type="checkbox" value="{escape(pk)}" '
                           f'aria-label="{select}"></td>')
            # The links' cell: no class (the page's style keeps it on one line); each
            # link is its icon (``LinkRowAction.render_ctx``), named by its title.
            out.append("<td>")
            for head, tail, title, icon in links:
                out.append(f'<a class="{icon}" href="{head}{pk_text}{tail}" title="{title}"></a>')
            out.append("</td>")
            for cell in cells:
                out.append(f"<td>{cell(row)}</td>")
            out.append("</tr>")
            rows.append("".join(out))
        return Markup("\n".join(rows))

    def row_cells(self, row) -> Markup:
        """One row's cells (the template's loop, when it renders the actions)."""
        return Markup("".join(f"<td>{cell(row)}</td>" for cell in self.list_plan().cells))
