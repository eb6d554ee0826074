"""The "print selected" bulk action of every list whose records print as a form
(``reports/forms.py``): one document, a page per copy, through the print route's checks."""
from __future__ import annotations

from flask import redirect, url_for
from flask_admin.actions import action
from flask_babel import lazy_gettext as _l

from reports.forms import forms_for  # noqa: F401  (the generator asks it too)


class PrintSelectedMixin:
    """Adds the action; it is offered where the model has a form and the user may read."""

    @action("print_selected", _l("Print selected"))
    def action_print_selected(self, ids):
        form = forms_for(self.model)[0]
        return redirect(url_for("reports.print_form", key=form.key, id=list(ids)))

    def is_action_allowed(self, name: str) -> bool:
        if name == "print_selected":
            return bool(forms_for(self.model)) and self._may("view")
        return super().is_action_allowed(name)
