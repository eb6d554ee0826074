"""The user screen: setting a password, and sending a change the administrator may not
make alone to the GM office (``permissions/accounts.py`` decides which)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.security import generate_password_hash
from wtforms import PasswordField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from models import AccountChange, Department, db
from models.account_change import ONE_PENDING
from models.user import password_method
from passwords import StrongPassword
from permissions.accounts import NOTHING, Access, approval_reasons, stored_access
from permissions.scoping import actor

from .factory import VIEW_MIXINS


def pending_change_of(account) -> AccountChange | None:
    return db.session.scalar(sa.select(AccountChange).where(
        AccountChange.user_id == account.id, AccountChange.status == "pending").limit(1))


def hold_back(account, before: Access, created: bool, new_hash: str | None,
              reason: str | None) -> AccountChange:
    """Put what ``account`` was given into a pending request and give it back its stored
    access (a new account: none, and inactive until approved)."""
    request = AccountChange(user=account, requested_by_id=current_user.id,
                            reason=reason or None)
    after = Access.of(account)
    if after.roles != before.roles:
        request.roles = " ".join(sorted(after.roles))
    if after.clearance != before.clearance:
        request.clearance = after.clearance
    if after.active != before.active:
        request.active = after.active
    if not created:
        stored_department = sa.inspect(account).attrs.department_id.value
        if account.department is not None and account.department.id != stored_department:
            request.department = account.department
            account.department = db.session.get(Department, stored_department)
        request.password_hash = new_hash
    account.roles = " ".join(sorted(before.roles))
    # A new account exists without rights: no role, the lowest clearance, unable to log in.
    account.clearance = before.clearance or "public"
    account.active = before.active
    db.session.add(request)
    return request


class UserScreen:
    form_extra_fields = {
        "new_password": PasswordField(
            _l("New password"),
            validators=[Optional(), Length(max=200), StrongPassword()],
            description=_l("Leave empty to keep the current password.")),
        "change_reason": TextAreaField(
            _l("Reason for the change"), validators=[Optional(), Length(max=1000)],
            description=_l("Read by the GM office when the change needs its approval.")),
    }

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        password = form.new_password.data
        if is_created and not password:
            raise ValidationError(str(_l("A new user needs a password.")))
        own = not is_created and model.id == current_user.id
        with db.session.no_autoflush:
            before = NOTHING if is_created else stored_access(model)
            reasons = [] if own else approval_reasons(
                actor(), before, Access.of(model), new_password=bool(password))
            if not reasons:
                if password:
                    model.set_password(password)  # ends the account's other sessions
                return
            if not is_created and pending_change_of(model) is not None:
                raise ValidationError(str(ONE_PENDING))
            new_hash = generate_password_hash(password, method=password_method()) \
                if password else None
            if is_created:
                model.set_password(password)  # of an account that cannot log in yet
            hold_back(model, before, is_created, new_hash, form.change_reason.data)
        g.account_change_reasons = reasons

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        reasons = g.pop("account_change_reasons", None)
        if reasons:
            flash(_("Saved, but the access change waits for the GM office's approval "
                    "(%(reasons)s). Until then the account keeps its present access and "
                    "password.", reasons="; ".join(str(r) for r in reasons)), "warning")
        if model.id == current_user.id and form.new_password.data:
            from auth import start_session
            start_session(model)  # this session stays; every other one of the account ends


VIEW_MIXINS["app_user"] = UserScreen
