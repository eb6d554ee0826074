"""Login and logout (Flask-Login), with a CSRF-protected form (Flask-WTF).

Hardening, and why it is built this way:

* Throttling, not lock-out (login_throttle.py): failures slow down the account
  and address that fail, with growing delays, so an outsider cannot lock the
  approvers out. Failed logins are audit events anyway, so they are the counter,
  which works across every gunicorn worker and machine.
* The session is permanent with an inactivity lifetime: Flask renews the signed
  cookie's timestamp on each request and refuses an older one.
* A password hash made with other parameters than the configured ones is
  replaced at the next successful login (the only moment the password is known).
"""
from __future__ import annotations

import math
from functools import lru_cache

import sqlalchemy as sa
from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

import login_throttle
from audit import record_event
from extensions import login_manager
from models import AppUser, db, office_settings, saved_filter
from models.mixins import utcnow
from models.user import password_method
from redirects import safe_next

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to open this page.")
login_manager.login_message_category = "info"


#: Session key holding the account's ``session_version`` at login (models/user.py).
SESSION_VERSION_KEY = "_session_version"


@login_manager.user_loader
def load_user(user_id: str):
    """The account of a session, if the session is still current: a logout, a new
    password or a deactivation raised the account's version, which ends every session
    made before it. A session (or a remember-me cookie) without a version is refused."""
    try:
        account = int(user_id)
        if not 0 < account < 2**63:
            return None
        # The account, the settings' generation and how many saved filters the account
        # has, in one statement (every request).
        row = db.session.execute(_account_statement(), {"account": account}).first()
    except (TypeError, ValueError, OverflowError):
        return None
    user = row[0] if row is not None else None
    if row is not None:
        office_settings.seen_generation(row[1])
    if user is None or session.get(SESSION_VERSION_KEY) != user.session_version:
        return None
    saved_filter.seen_count(user.id, row[2])
    return user


@lru_cache(maxsize=1)
def _account_statement():
    """``load_user``'s statement, made once: the account by a bound id, with the
    settings' generation and the account's number of saved filters. Accounts are no
    scoped record (no row rule applies to them), so the statement is sent as it is
    (``skip_visibility``): the request's user is not known yet, and the hook gave
    every account read the deny-all rules of the scoped records, a new statement each
    request whose cache key SQLAlchemy walked again."""
    return sa.select(AppUser, office_settings.generation_column(),
                     saved_filter.count_column(AppUser.id)) \
        .where(AppUser.id == sa.bindparam("account")) \
        .execution_options(skip_visibility=True)


def start_session(user: AppUser) -> None:
    """Tie the current session to the account's present version."""
    session[SESSION_VERSION_KEY] = user.session_version


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


# -- passwords ------------------------------------------------------------------------

@lru_cache(maxsize=8)
def hash_prefix(method: str) -> str:
    """What a hash made with ``method`` starts with (``scrypt:32768:8:1``)."""
    return generate_password_hash("probe", method=method).split("$", 1)[0]


#: Checked when the name is unknown, so a wrong name takes as long as a wrong password.
@lru_cache(maxsize=8)
def dummy_hash(method: str) -> str:
    return generate_password_hash("not a password", method=method)


def upgrade_hash(user: AppUser, password: str) -> None:
    method = password_method()
    if user.password_hash.split("$", 1)[0] != hash_prefix(method):
        user.password_hash = generate_password_hash(password, method=method)


def authenticate(username: str, password: str) -> AppUser | None:
    user = db.session.scalar(sa.select(AppUser).where(AppUser.username == username))
    if user is None:
        check_password_hash(dummy_hash(password_method()), password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def throttled(form, username: str, refused: login_throttle.Refusal):
    """Refuse the try without checking the password; say when to try again."""
    record_event("login_locked", username=username,
                 changes={"reason": refused.reason, "wait_seconds": refused.seconds})
    db.session.commit()
    if refused.seconds < 120:
        message = _("Too many failed logins. Try again in %(seconds)s seconds.",
                    seconds=refused.seconds)
    else:
        message = _("Too many failed logins. Try again in %(minutes)s minutes.",
                    minutes=math.ceil(refused.seconds / 60))
    flash(message, "danger")
    response = make_response(render_template("login.html", form=form), 429)
    response.headers["Retry-After"] = str(refused.seconds)
    return response


# -- views ------------------------------------------------------------------------------

@bp.route("/login", methods=("GET", "POST"))
def login():
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()[:60]
        refused = login_throttle.refusal(username, request.remote_addr)
        if refused is not None:
            return throttled(form, username, refused)
        user = authenticate(username, form.password.data)
        if user is not None:
            locale = session.get("locale")
            session.clear()  # nothing from before the login survives it but the language
            if locale:
                session["locale"] = locale
            session.permanent = True
            login_user(user)
            start_session(user)
            user.last_login_at = utcnow()
            upgrade_hash(user, form.password.data)
            record_event("login", user=user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        # The name tried goes in the user column: it is what the lockout counts.
        record_event("login_failed", username=username)
        db.session.commit()
        flash(_("Wrong username or password, or the account is disabled."), "danger")
    return render_template("login.html", form=form)


@bp.get("/logout")
def logout_page():
    """A link or a prefetch must not log anyone out: GET only offers the button."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("logout.html")


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        current_user.end_sessions()  # a copy of the cookie is refused from now on
        record_event("logout", user=current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
