"""The home page's entry for a periodic report while its review is due
(``models/report_review.py``): for whoever marks it reviewed, from the 1st of the
following month until last month's review is marked reviewed. The link opens the
report of that month, which says where to mark it."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from models import ReportReview
from models.report_review import REVIEWED_REPORTS, reviews_due
from permissions import can
from permissions.scoping import actor

#: The report page (``reports/periodic.py`` key) of each reviewed report.
REPORT_PAGES = {"quality_feedback": "quality-feedback"}


def report_review_todos(admin, day) -> list:
    from admin_views.home import Figure  # the home page's item (imports this module)

    if not can(actor(), "mark_reviewed", ReportReview):
        return []
    return [Figure(f"report-review-{report}", _l(
        "%(report)s of %(month)s: due by %(day)s", report=REVIEWED_REPORTS[report],
        month=month.strftime("%Y-%m"), day=due.isoformat()),
        url_for("periodic_reports.report", key=REPORT_PAGES[report],
                month=month.strftime("%Y-%m")),
        ReportReview, urgent=day >= due, count=1, counted=False)
        for report, month, due in reviews_due(day)]
