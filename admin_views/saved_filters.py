"""保存的筛选 on every generated list (issue 16 item 3): "save this filter" stores the
list's current query under a name for the user; the list links to each of the user's
saved filters of that list, and deletes one.

Both are POSTs (Flask-WTF checks their CSRF token) and need only what showing the
list needs (``list``, ``secure.ENDPOINT_ACTIONS``). A saved filter replays a query
string on its own list, which still reads through ``visible()``: it grants nothing.
Another user's saved filter does not exist for this user (404, audited as a refusal).
The rules (name, length, how many) are in ``models/saved_filter.py``.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from audit import record_refusal
from models import db
from models.saved_filter import QUERY_MAX, SavedFilter, clean_query, filters_of, save_filter

from .secure import parse_pk


class SavedFilterMixin:
    """The routes and the list page's reading of a user's saved filters."""

    def saved_filters(self) -> list[tuple]:
        """(id, name, url) of the user's saved filters of this list, by name."""
        list_url = self.get_url(".index_view")
        return [(saved.id, saved.name, f"{list_url}?{saved.query}" if saved.query
                 else list_url)
                for saved in filters_of(current_user.id, self.model.__tablename__)]

    def _back_to_list(self, query: str = ""):
        url = self.get_url(".index_view")
        return redirect(f"{url}?{query}" if query else url)

    @expose("/saved-filters/", methods=("POST",))
    def save_filter(self):
        query = request.form.get("query", "")
        saved, problem = save_filter(current_user.id, self.model.__tablename__,
                                     request.form.get("name", ""), query)
        if problem is not None:
            flash(str(problem), "error")
            query = clean_query(query)  # back to the list as it was, when it fits
            return self._back_to_list(query if len(query) <= QUERY_MAX else "")
        db.session.commit()
        flash(_("Filter “%(name)s” saved.", name=saved.name), "success")
        return self._back_to_list(saved.query)

    @expose("/saved-filters/delete/", methods=("POST",))
    def delete_filter(self):
        pk = parse_pk(request.form.get("id"))
        saved = None if pk is None else db.session.get(SavedFilter, pk)
        if saved is None or saved.user_id != current_user.id \
                or saved.list_name != self.model.__tablename__:
            # Another user's filter, or one of another list: as if it did not exist.
            record_refusal(404, model="saved_filter", record_id=request.form.get("id", "")[:64])
            abort(404)
        name = saved.name
        db.session.delete(saved)
        db.session.commit()
        flash(_("Filter “%(name)s” deleted.", name=name), "success")
        return self._back_to_list()
