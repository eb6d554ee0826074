"""Named lists: a model's declared sub-lists, opened with ``?list=<name>``.

A model may declare ``named_lists = {name: (label, clause)}`` where ``clause(user,
day)`` is a SQL condition on the model (customers due for a visit, those whose patrol
visitor sells in their region). The list and its export then show only those rows,
still through ``visible()``; the list page links to each named list, and the home page
links its counts to the same URL, so a click shows exactly what was counted.
"""
from __future__ import annotations

from flask import has_request_context, request

from permissions.core import today
from permissions.scoping import actor

#: The query argument that opens a named list.
ARGUMENT = "list"


def named_clause(model, name: str | None, user=None, day=None):
    """The SQL condition of the model's named list ``name`` (None: no such list)."""
    declared = getattr(model, "named_lists", {}).get(name or "")
    if declared is None:
        return None
    return declared[1](actor() if user is None else user, today() if day is None else day)


class NamedListMixin:
    """Applies ``?list=<name>`` to the list, its count and its export."""

    def get_query(self):
        return self._named_only(super().get_query())

    def get_count_query(self):
        return self._named_only(super().get_count_query())

    def _named_only(self, query):
        if not has_request_context():
            return query
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
        if endpoint not in ("index_view", "export"):
            return query
        clause = named_clause(self.model, request.args.get(ARGUMENT))
        return query if clause is None else query.filter(clause)

    def named_list_links(self) -> list[tuple]:
        """(label, url, active) for each declared list, for the list page."""
        active = request.args.get(ARGUMENT)
        return [(label, self.get_url(".index_view", **{ARGUMENT: name}), name == active)
                for name, (label, _clause) in self.model.named_lists.items()]
