"""The customer-service records office back-office.

``create_app(config=None)`` builds the application; ``flask --app app run`` serves it.
Configuration comes from the environment: ``DATABASE_URL`` (default: a SQLite file
in the instance folder) and ``SECRET_KEY`` (default: generated once and kept in the
instance folder).
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from extensions import babel, csrf, login_manager, migrate
from models import db
from permissions.scoping import bind_request_user

LOCALES = ("zh_CN", "en")


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "records.db")
    # Heroku-style URLs name no driver; psycopg 3 is the one we install.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once per installation."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def select_locale() -> str:
    chosen = session.get("locale")
    return chosen if chosen in LOCALES else "zh_CN"


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=database_url(app.instance_path),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        FLASK_ADMIN_SWATCH="cerulean",
        UPLOAD_FOLDER=os.path.join(app.instance_path, "uploads"),
        MAX_CONTENT_LENGTH=50 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
    )
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(app.instance_path)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)

    import auth
    import commands
    from admin_views import init_admin

    app.register_blueprint(auth.bp)
    commands.init_app(app)
    init_admin(app)

    @app.before_request
    def bind_user_to_queries():
        # Resolve the user first, then let every query of the request see their rows.
        bind_request_user(current_user._get_current_object())

    @app.before_request
    def refuse_nul_bytes():
        # No field of ours holds a NUL byte, and PostgreSQL refuses them in text.
        values = [*request.args.values(), *request.form.values()]
        if any("\x00" in value for value in values):
            abort(400, description=_("The request contains a character that is not allowed "
                                     "(NUL)."))

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        return render_template("error.html", code=500, message=_(
            "Something went wrong on our side; nothing was saved. Please try again.")), 500

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    def client_error(error):
        messages = {400: _("The request could not be understood."),
                    403: _("You do not have permission to do this."),
                    404: _("There is no such page or record.")}
        return render_template("error.html", code=error.code,
                               message=messages[error.code]), error.code

    @app.get("/")
    def root():
        return redirect(url_for("admin.index"))

    @app.get("/lang/<code>")
    def set_language(code: str):
        if code in LOCALES:
            session["locale"] = code
        target = request.referrer or url_for("admin.index")
        return redirect(target if target.startswith(request.host_url) else url_for("admin.index"))

    return app
