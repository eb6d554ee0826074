"""Statistics, periodic reports and printable forms: what the office reads every month and
the paper that travels with the goods. Everything here reads through ``visible()``."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("reports", __name__, static_folder="static",
               static_url_path="/reports/static")


def init_reports(app, admin) -> None:
    """Register the screens (menu "Statistics") and the print routes."""
    from . import printing
    from .views import PeriodicReportsView, StatisticsView

    app.register_blueprint(bp)
    app.jinja_env.globals["print_links"] = printing.print_links
    app.jinja_env.filters["localtime"] = printing.local_time
    admin.add_view(StatisticsView(name=_l("Statistics"), endpoint="statistics",
                                  url="/admin/statistics"))
    admin.add_view(PeriodicReportsView(name=_l("Periodic reports"), endpoint="periodic_reports",
                                       url="/admin/reports"))
