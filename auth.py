"""Login and logout (Flask-Login), with a CSRF-protected form (Flask-WTF)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from audit import record_event
from extensions import login_manager
from models import AppUser, db
from models.mixins import utcnow

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to open this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str):
    try:
        return db.session.get(AppUser, int(user_id))
    except (TypeError, ValueError):
        return None


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def safe_next(target: str | None) -> str:
    """Only same-site paths: a login link must not send the user elsewhere."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("admin.index")


@bp.route("/login", methods=("GET", "POST"))
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(AppUser).where(
            AppUser.username == form.username.data.strip()))
        if user is not None and user.is_active and user.check_password(form.password.data):
            login_user(user)
            user.last_login_at = utcnow()
            record_event("login", user=user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        record_event("login_failed", changes={"username": form.username.data[:60]})
        db.session.commit()
        flash(_("Wrong username or password, or the account is disabled."), "danger")
    return render_template("login.html", form=form)


@bp.route("/logout", methods=("GET", "POST"))
def logout():
    if current_user.is_authenticated:
        record_event("logout", user=current_user)
        db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
