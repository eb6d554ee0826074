"""The customer-service records office back-office.

``create_app(config=None)`` builds the application; ``flask --app app run`` serves it.
Configuration comes from the environment: ``DATABASE_URL`` (default: a SQLite file
in the instance folder), ``SECRET_KEY`` (default: generated once and kept in the
instance folder), ``HTTPS_ONLY=1`` when served over HTTPS (Secure cookies, HSTS),
``TRUSTED_PROXIES=N`` behind N reverse proxies (client address from X-Forwarded-For),
``LOG_FORMAT`` (``json``, the default, or ``text``: ``request_log.py``), ``METRICS=1``
to serve Prometheus metrics at ``/metrics`` (``metrics.py``; ``METRICS_TOKEN``),
``SESSION_IDLE_MINUTES`` (default 30: a session ends after that much inactivity),
``UPLOAD_FOLDER`` and ``BACKUP_FOLDER`` (default: ``uploads`` and ``backups`` in the
instance folder), ``ATTACHMENT_STORE=s3`` and ``S3_*`` for a bucket shared by several
servers (``store_config``). The instance folder, the SQLite file, uploads and backups are
created owner-only (``file_modes.py``).
"""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
from datetime import timedelta
from functools import cache
from pathlib import Path

from babel import Locale
from flask import (
    Flask,
    abort,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_admin.babel import gettext as admin_gettext
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

import attachment_store
import metrics
import request_log
from extensions import babel, csrf, login_manager, migrate
from file_modes import private_dir, secure_app_files, write_private
from models import db, office_settings
from models.hooks import install_hooks
from permissions.scoping import bind_request_user
from redirects import current_path, guard_flask_admin, safe_next

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


def store_config() -> dict:
    """Where attachments live (``attachment_store.py``): ``ATTACHMENT_STORE=local``
    (default, ``UPLOAD_FOLDER``) or ``s3`` with ``S3_BUCKET``, ``S3_ENDPOINT_URL``,
    ``S3_PREFIX`` and ``S3_CHECKSUMS``. Credentials and region are not configuration
    of ours: boto3 reads ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and
    ``AWS_DEFAULT_REGION`` from the environment (or ``~/.aws``, an instance role)."""
    names = ("ATTACHMENT_STORE", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_PREFIX", "S3_CHECKSUMS")
    defaults = {"ATTACHMENT_STORE": "local", "S3_CHECKSUMS": "1"}
    return {name: os.environ.get(name, defaults.get(name, "")) for name in names}


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once per installation."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        write_private(path, secrets.token_hex(32))
    return path.read_text().strip()


def select_locale() -> Locale:
    """The request's language, as a parsed ``Locale`` (Flask-Babel would parse the
    name again on every request: Babel then scans its list of every locale)."""
    if not has_request_context():  # CLI and background work speak the default
        return _locale("zh_CN")
    if request.path.startswith("/api/"):  # machines say it per request, no session
        chosen = request.accept_languages.best_match(("zh-CN", "zh", "en"))
        return _locale("en" if chosen == "en" else "zh_CN")
    chosen = session.get("locale")
    return _locale(chosen if chosen in LOCALES else "zh_CN")


@cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def security_config() -> dict:
    """Cookie, session and login-lockout settings; HTTPS_ONLY marks cookies Secure."""
    https = env_flag("HTTPS_ONLY")
    return {
        "HTTPS_ONLY": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        # Inactivity timeout: the signed cookie's timestamp is renewed on every request
        # and checked by the server, so an idle or copied cookie stops working.
        "PERMANENT_SESSION_LIFETIME": timedelta(
            minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30"))),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Failed logins slow the one who fails (login_throttle.py; counted in the
        # audit log, so across all workers). One account from one address: after
        # this many failures, wait the first delay, doubling per failure up to the cap.
        "LOGIN_FREE_FAILURES": 3,
        "LOGIN_FIRST_DELAY_SECONDS": 1,
        "LOGIN_MAX_DELAY_SECONDS": 15 * 60,
        "LOGIN_FAILURE_MEMORY_HOURS": 24,
        # One address failing on this many account names is slowed the same way.
        "LOGIN_ADDRESS_FREE_ACCOUNTS": 5,
        # One account failing this often from anywhere: tries from addresses it never
        # logged in from wait a few seconds after its last failure (never a lock-out).
        "LOGIN_ACCOUNT_CEILING": 50,
        "LOGIN_ACCOUNT_WINDOW_MINUTES": 15,
        "LOGIN_ACCOUNT_DELAY_SECONDS": 10,
        # An address the account logged in from within this time is known for it:
        # only that pair's own failures slow it.
        "LOGIN_KNOWN_ADDRESS_DAYS": 90,
    }


#: Inline event handlers in Flask-Admin's own templates, allowed by hash (CSP
#: 'unsafe-hashes'); anything else inline must carry the request's nonce.
FLASK_ADMIN_HANDLERS = ("return false;",)


def inline_handler_hashes(app, admin) -> tuple[str, ...]:
    """CSP hashes of the fixed inline handlers Flask-Admin renders on our pages."""
    handlers = list(FLASK_ADMIN_HANDLERS)
    for view in admin._views:
        for name in getattr(getattr(getattr(view, "model", None), "Admin", None),
                            "inline", ()):
            handlers.append(f"faForm.addInlineField(this, '{name}');")
        for name, _text in getattr(view, "_actions", ()):
            handlers.append(f"return modelActions.execute('{name}');")
    with app.test_request_context():
        for locale in LOCALES:
            with force_locale(locale):
                question = admin_gettext("Are you sure you want to delete this record?")
            handlers.append(f"return faHelpers.safeConfirm('{question}');")
    return tuple("'sha256-" + base64.b64encode(hashlib.sha256(h.encode()).digest()).decode()
                 + "'" for h in dict.fromkeys(handlers))


def content_security_policy(nonce: str, hashes: tuple[str, ...]) -> str:
    # Styles stay 'unsafe-inline': Flask-Admin's markup uses style attributes, and
    # a style cannot run code. Scripts run only from our origin or with the nonce.
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}' 'unsafe-hashes' {' '.join(hashes)}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def install_security_headers(app, admin) -> None:
    """A per-request CSP nonce for Flask-Admin's scripts and ours, and the headers."""
    hashes = inline_handler_hashes(app, admin)
    admin.csp_nonce_generator = lambda: g.csp_nonce
    app.jinja_env.globals["csp_nonce"] = lambda: g.get("csp_nonce", "")

    @app.before_request
    def make_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy",
                           content_security_policy(g.get("csp_nonce", ""), hashes))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["HTTPS_ONLY"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user and current_user.is_authenticated \
                and request.endpoint != "static" and not request.path.startswith(
                    "/admin/static/"):
            headers.setdefault("Cache-Control", "no-store")  # records stay off disks
        return response


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    private_dir(app.instance_path)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=database_url(app.instance_path),
        # Statement parameters stay out of error messages and so out of the log:
        # they are the records' contents (names, telephone numbers, complaint texts).
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "hide_parameters": True},
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        FLASK_ADMIN_SWATCH="cerulean",
        UPLOAD_FOLDER=os.environ.get("UPLOAD_FOLDER")
        or os.path.join(app.instance_path, "uploads"),
        BACKUP_FOLDER=os.environ.get("BACKUP_FOLDER")
        or os.path.join(app.instance_path, "backups"),
        **store_config(),
        MAX_CONTENT_LENGTH=50 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        LOG_FORMAT=os.environ.get("LOG_FORMAT", "json").strip().lower(),
        METRICS=env_flag("METRICS"),
        METRICS_TOKEN=os.environ.get("METRICS_TOKEN") or None,
        **security_config(),
    )
    if config:
        app.config.update(config)
    request_log.install(app)  # first: its clock and request id precede every other hook
    secure_app_files(app)
    attachment_store.check_config(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(app.instance_path)

    install_hooks()  # the database rules (audit trail, numbering, row filter): not on import
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    import api
    import auth
    import backup
    import commands
    import health
    from admin_views import init_admin
    from admin_views.audit_log import init_audit_screens
    from audit import cli as audit_cli
    from audit import refusals as audit_refusals

    app.register_blueprint(auth.bp)
    app.register_blueprint(health.bp)
    guard_flask_admin()
    app.jinja_env.globals["current_path"] = current_path
    commands.init_app(app)
    for command in (audit_cli.audit_group, attachment_store.attachments_group,
                    backup.backup_command, backup.restore_command):
        app.cli.add_command(command)
    api.init_app(app)  # before the user is bound below: a token names the request's user
    admin = init_admin(app)
    import admin_catalog
    admin_catalog.install()  # Flask-Admin's own strings in the office's words
    from web_assets import init_web_assets
    init_web_assets(app)  # compression, static caching, favicon
    import page_language
    page_language.install(app)  # after the compression's hook: runs before it
    init_audit_screens(admin)
    from reports import init_reports
    init_reports(app, admin)  # statistics, periodic reports, printable forms
    install_security_headers(app, admin)
    health.install_unavailable_page(app)
    metrics.install(app)
    audit_refusals.init_app(app)  # refused and failed requests leave one audit event
    office_settings.install(app)  # each request reads the settings as they are now

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
        if request.path.startswith("/api/"):
            return api.problem(500)
        return render_template("error.html", code=500, message=_(
            "Something went wrong on our side; nothing was saved. Please try again.")), 500

    @app.errorhandler(CSRFError)
    def csrf_refused(error):
        # A POST without this session's token: another site's form, or a stale page.
        # Audited as a failed request (audit_refusals), like every 400.
        return render_template("error.html", code=400, message=_(
            "The form was out of date or came from another page; nothing was changed. "
            "Open the page again and retry.")), 400

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    def client_error(error):
        if request.path.startswith("/api/"):
            return api.http_problem(error)
        messages = {400: _("The request could not be understood."),
                    403: _("You do not have permission to do this."),
                    404: _("There is no such page or record."),
                    405: _("This page cannot be opened this way.")}
        # A view may explain its refusal (abort(403, description=...)); else the default.
        custom = error.description != type(error).description
        message = error.description if custom else messages[error.code]
        allow = [(k, v) for k, v in error.get_headers() if k == "Allow"]  # 405 says which
        return render_template("error.html", code=error.code, message=message), \
            error.code, allow

    @app.get("/")
    def root():
        return redirect(url_for("admin.index"))

    @app.post("/lang/<code>")
    def set_language(code: str):
        """A POST with the CSRF token (a link or an image could not switch it), back to
        the page named in the form's ``next``; neither Referer nor Host decides."""
        if code in LOCALES:
            session["locale"] = code
        return redirect(safe_next(request.form.get("next")))

    return app
