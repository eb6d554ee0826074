"""The admin site, generated: one secure view per registered model, plus the home page."""
from __future__ import annotations

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from models import REGISTRY, db
from models.choices import LEVELS

from . import (  # noqa: F401  (users: registers the password field)
    attachments,
    settings_screen,  # noqa: F401  (registers the settings screen's behaviour)
    users,
)
from .api_tokens import init_token_screen
from .factory import build_view, is_business
from .fields import local_input
from .home import HomeView
from .menu import site_menu
from .page_frame import init_frame


def init_admin(app) -> Admin:
    # site_base.html: the language switch and log-out are POST forms, not menu links.
    admin = Admin(app, name=_l("Customer service records"), index_view=HomeView(
        name=_l("Home"), url="/admin"), theme=Bootstrap4Theme(
            swatch="cerulean", base_template="admin/site_base.html", fluid=True))
    for model in REGISTRY.values():
        category = None if is_business(model) else _l("System")
        admin.add_view(build_view(model, db, category=category))
    app.register_blueprint(attachments.bp)
    init_frame(app)  # site_base.html's stylesheet and widgets script
    init_token_screen(admin)
    app.jinja_env.filters["level_label"] = lambda code: LEVELS.get(code, code)
    app.jinja_env.filters["local_input"] = local_input
    app.jinja_env.globals["site_menu"] = site_menu  # site_base.html
    return admin
