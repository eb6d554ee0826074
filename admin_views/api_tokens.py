"""The API tokens screen: a person makes, sees and revokes their own tokens; an
administrator sees and revokes everyone's, and makes tokens for accounts an
administrator may set up alone.

Why the last limit: a token acts as its user, so making one for another account is
acting as that account. An administrator alone gives only the ordinary roles
(``models.user.ORDINARY_ROLES``; anything more waits for the GM office), so a token for
an account holding more would give them what the two-person rule withholds.

The secret is in the answer to the POST that made it, once; it is never stored (only its
SHA-256) and never put in a flashed message (those travel in the session cookie).
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from audit import record_refusal
from models import ApiToken, AppUser, db
from models.api_token import TOKEN_SCOPES
from models.clock import utc_to_local, utcnow
from models.user import ORDINARY_ROLES

from .secure import parse_pk

#: How long a token may live, in days (the form's choices end here).
MAX_DAYS = 365


def is_token_admin(user) -> bool:
    return user.is_authenticated and "admin" in user.role_set


def may_issue_for(user, account) -> bool:
    """Own account, or (administrators) an account with ordinary roles only."""
    if account is None or not account.active:
        return False
    if account.id == user.id:
        return True
    return is_token_admin(user) and account.role_set <= set(ORDINARY_ROLES)


class ApiTokenView(BaseView):
    """Everyone who logs in has this screen, for their own tokens."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        return None

    def _tokens(self):
        query = sa.select(ApiToken).order_by(ApiToken.id.desc()).limit(500)
        if not is_token_admin(current_user):
            query = query.where(ApiToken.user_id == current_user.id)
        return list(db.session.scalars(query))

    def _page(self, secret=None, made=None, problems=()):
        accounts = list(db.session.scalars(sa.select(AppUser).where(
            AppUser.active.is_(True)).order_by(AppUser.username))) \
            if is_token_admin(current_user) else [current_user]
        accounts = [a for a in accounts if may_issue_for(current_user, a)]
        return self.render("admin/api_tokens.html", tokens=self._tokens(), secret=secret,
                           made=made, scopes=TOKEN_SCOPES, accounts=accounts,
                           problems=problems, max_days=MAX_DAYS, now=utcnow(),
                           admin=is_token_admin(current_user))

    @expose("/")
    def index(self):
        return self._page()

    @expose("/new", methods=("POST",))
    def create(self):
        form = request.form
        name = form.get("name", "").strip()
        scope = form.get("scope", "")
        days = parse_pk(form.get("days"))
        account = db.session.get(AppUser, parse_pk(form.get("user_id")) or current_user.id)
        problems = []
        if not name or len(name) > 60:
            problems.append(_("Name: enter 1 to 60 characters."))
        if scope not in TOKEN_SCOPES:
            problems.append(_("Scope: choose one of the listed values."))
        if days is None or days > MAX_DAYS:
            problems.append(_("Valid for: enter 1 to %(most)s days.", most=MAX_DAYS))
        if not may_issue_for(current_user, account):
            record_refusal(403, model="api_token")
            problems.append(_("You may not make a token for this account."))
        if problems:
            return self._page(problems=problems), 400
        token, secret = ApiToken.issue(account, name, scope, utcnow() + timedelta(days=days),
                                       created_by=current_user)
        db.session.add(token)
        db.session.commit()
        return self._page(secret=secret, made=token)

    @expose("/<int:token_id>/revoke", methods=("POST",))
    def revoke(self, token_id: int):
        token = db.session.get(ApiToken, token_id)
        if token is None or not (token.user_id == current_user.id
                                 or is_token_admin(current_user)):
            record_refusal(404, model="api_token", record_id=token_id)
            flash(_("There is no such page or record."), "error")
            return redirect(url_for(".index"))
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            db.session.commit()
        flash(_("Token “%(name)s” revoked: it no longer opens the API.", name=token.name),
              "success")
        return redirect(url_for(".index"))


def local_time(value) -> str:
    """A stored UTC time as Shanghai wall-clock minutes."""
    return utc_to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


def init_token_screen(admin) -> None:
    admin.app.jinja_env.filters["local_time"] = local_time
    admin.add_view(ApiTokenView(name=_l("API tokens"), endpoint="api_tokens",
                                url="/admin/api_tokens", category=_l("System")))
