"""The statistics screen: tables with their charts, a period and department filter, and
each table as an XLSX download (audited like an export)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from audit import record_event
from models import Department, db
from permissions.core import today

from .charts import build_chart
from .filters import period_from_request
from .statistics import readable_sections, statistics
from .tables import shown, xlsx_response


def active_departments() -> list[tuple[int, str]]:
    return db.session.execute(sa.select(Department.id, Department.name).where(
        Department.active.is_(True)).order_by(Department.code)).all()


class ReportScreen(BaseView):
    """A screen of the reports package: signed-in users only; the screen says who else."""

    def readable(self) -> bool:
        return True

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and self.readable()

    def is_visible(self) -> bool:
        return self.is_accessible()

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if not self.readable():
            from admin_views.secure import refuse
            refuse(403)
        return None


class StatisticsView(ReportScreen):
    def readable(self) -> bool:
        return bool(readable_sections())

    @expose("/")
    def index(self):
        period = period_from_request()
        sections = statistics(period)
        return self.render("reports/statistics.html", period=period, sections=sections,
                           departments=active_departments(), build_chart=build_chart,
                           shown=shown)

    @expose("/xlsx")
    def xlsx(self):
        key = request.args.get("table", "")
        period = period_from_request()
        found = statistics(period, key)
        if not found:
            abort(404)
        model, _title, [table] = found[0]
        record_event("export", model=model.__tablename__, changes={
            "format": "xlsx", "report": key, "query": request.query_string.decode()[:500]})
        db.session.commit()
        heading = _("%(title)s, %(first)s to %(last)s", title=table.title,
                    first=period.first.isoformat(), last=period.last.isoformat())
        return xlsx_response([table], f"{table.title}-{today().isoformat()}.xlsx", heading)
