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
from .statistics import readable_sections, section_of, statistics
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
        """One section per request (``?section=``, default the first the user may
        read): a page stays one section's queries at a million records. ``all`` gives
        every section at once, for printing the whole set."""
        period = period_from_request()
        readable = readable_sections()
        asked = request.args.get("section", "")
        chosen = readable if asked == "all" else \
            [s for s in readable if s.key == asked][:1] or readable[:1]
        return self.render("reports/statistics.html", period=period,
                           sections=statistics(period, sections=chosen),
                           readable=readable, chosen=asked if asked == "all" else
                           chosen[0].key, departments=active_departments(),
                           build_chart=build_chart, shown=shown)

    @expose("/xlsx")
    def xlsx(self):
        key = request.args.get("table", "")
        section = section_of(key)
        period = period_from_request()
        found = statistics(period, key, [section]) if section else []
        if not found:
            abort(404)
        section, [table] = found[0]
        record_event("export", model=section.model.__tablename__, changes={
            "format": "xlsx", "report": key, "query": request.query_string.decode()[:500]})
        db.session.commit()
        heading = _("%(title)s, %(first)s to %(last)s", title=table.title,
                    first=period.first.isoformat(), last=period.last.isoformat())
        return xlsx_response([table], f"{table.title}-{today().isoformat()}.xlsx", heading)


def month_from_request(default):
    """``?month=YYYY-MM`` (default: last month); a bad value says so and falls back."""
    from datetime import date

    from flask import flash
    text = (request.args.get("month") or "").strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text + "-01")
    except ValueError:
        flash(_("%(field)s: enter a month as YYYY-MM.", field=_("Month")), "error")
        return default


class PeriodicReportsView(ReportScreen):
    """The periodic reports: a list, then one page each with print view and XLSX."""

    def readable(self) -> bool:
        from .periodic import readable_reports
        return bool(readable_reports())

    def _report(self, key: str):
        from .periodic import BY_KEY, readable_reports
        report = BY_KEY.get(key)
        if report is None or report not in readable_reports():
            abort(404)
        return report

    def _period(self, report):
        from .filters import Period, default_period
        from .periodic import default_month, month_period
        if report.period == "month":
            month = month_from_request(default_month())
            return month_period(month)
        if report.period == "range":
            day = today()
            return period_from_request(Period(day.replace(day=1), day))
        day = today()
        return default_period(day)

    def _tables(self, report, period):
        return report.build(period)

    @expose("/")
    def index(self):
        from .periodic import readable_reports
        return self.render("reports/reports_index.html", reports=readable_reports())

    @expose("/<key>/")
    def report(self, key: str):
        report = self._report(key)
        period = self._period(report)
        return self.render("reports/report.html", report=report, period=period,
                           tables=self._tables(report, period), build_chart=build_chart,
                           shown=shown, review=review_of(report, period))

    @expose("/<key>/xlsx")
    def xlsx(self, key: str):
        report = self._report(key)
        period = self._period(report)
        tables = self._tables(report, period)
        record_event("export", model=report.model.__tablename__, changes={
            "format": "xlsx", "report": key, "query": request.query_string.decode()[:500]})
        db.session.commit()
        heading = str(report.title) if report.period == "now" else _(
            "%(title)s, %(first)s to %(last)s", title=report.title,
            first=period.first.isoformat(), last=period.last.isoformat())
        return xlsx_response(tables, f"{report.title}-{today().isoformat()}.xlsx", heading)


def review_of(report, period):
    """The review record of a report reviewed each month: ``MonthlyReview`` for the
    closed complaints, ``ReportReview`` for the quality-feedback summary. (record or
    None, the url that opens it or starts one) for those who may see it, else None."""
    from models import MonthlyReview, ReportReview
    from permissions import can
    from permissions.scoping import actor
    if report.key == "closed-complaints":
        model, where = MonthlyReview, [MonthlyReview.month == period.first]
    elif report.key == "quality-feedback":
        model, where = ReportReview, [ReportReview.report == "quality_feedback",
                                      ReportReview.month == period.first]
    else:
        return None
    if not can(actor(), "view", model):
        return None
    found = db.session.scalar(sa.select(model).where(*where))
    if found is not None:
        return found, url_for(f"{model.__tablename__}.details_view", id=found.id)
    if can(actor(), "create", model):
        return None, url_for(f"{model.__tablename__}.create_view")
    return None
