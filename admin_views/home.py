"""The home page: per record type the user may list, how many they can see."""
from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from models import REGISTRY, Complaint, db
from permissions import can, visible
from permissions.core import today
from permissions.scoping import actor


def visible_count(model, *criteria) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)
                             .where(visible(actor(), model), *criteria))


def dashboard() -> list[dict]:
    """Figures for the home page, each counted through the user's visibility."""
    cards = []
    for table, model in REGISTRY.items():
        if not can(actor(), "list", model):
            continue
        cards.append({"table": table, "label": model.Admin.label_plural,
                      "count": visible_count(model),
                      "url": url_for(f"{table}.index_view")})
    return cards


def overdue_complaints() -> dict | None:
    if not can(actor(), "list", Complaint):
        return None
    due = sa.func.coalesce(Complaint.extended_due_date, Complaint.due_date)
    count = visible_count(Complaint, Complaint.status != "closed", due < today())
    return {"count": count, "url": url_for("complaint.index_view")}


class HomeView(AdminIndexView):
    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        return None

    @expose("/")
    def index(self):
        return self.render("admin/home.html", cards=dashboard(),
                           overdue=overdue_complaints())
