"""The "print selected" bulk actions of every list whose records print as a form
(``reports/forms.py``): one action per form of the model, named after the form (a return
slip prints as its application, its slip or its sales allowance certificate), each giving
one document with a page per copy, through the print route's checks and audit."""
from __future__ import annotations

from functools import partial

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reports.forms import forms_for
from reports.printing import MAX_RECORDS

from .secure import parse_pk

PREFIX = "print_selected"
"""Action names: ``print_selected`` for a model's first form (the name lists have always
posted), ``print_selected:<form key>`` for the others."""


def action_name(form, first: bool) -> str:
    return PREFIX if first else f"{PREFIX}:{form.key}"


class PrintSelectedMixin:
    """Adds one action per form; offered where the model has a form and the user may read."""

    def init_actions(self) -> None:
        super().init_actions()
        for index, form in enumerate(forms_for(self.model)):
            name = action_name(form, index == 0)
            label = _l("Print selected: %(form)s", form=form.title)
            self._actions.append((name, label))
            self._actions_data[name] = (partial(self._print_selected, form), label, None)

    def _print_selected(self, form, ids):
        """Only the selected records the list shows the user go to the print route (an id
        they may not see is left out, as by the other bulk actions, and audited by
        ``note_unseen``), and only those the form exists for. The route checks each
        again and records the ``print`` events."""
        pks = [pk for pk in map(parse_pk, ids) if pk is not None]
        if len(pks) > MAX_RECORDS:
            flash(_("Choose between 1 and %(count)s records to print.", count=MAX_RECORDS),
                  "error")
            return None
        records = self.get_query().filter(self.model.id.in_(pks)).all() if pks else []
        order = {pk: index for index, pk in enumerate(pks)}
        records = sorted((r for r in records if form.applies(r)), key=lambda r: order[r.id])
        if not records:
            flash(_("None of the selected records prints as “%(form)s”.", form=form.title),
                  "warning")
            return None  # back to the list
        return redirect(url_for("reports.print_form", key=form.key,
                                id=[r.id for r in records]))

    def is_action_allowed(self, name: str) -> bool:
        if name == PREFIX or name.startswith(PREFIX + ":"):
            return bool(forms_for(self.model)) and self._may("view")
        return super().is_action_allowed(name)
