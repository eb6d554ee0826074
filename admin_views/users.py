"""The user screen needs one thing metadata cannot say: setting a password."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import Length, Optional

from passwords import StrongPassword

from .factory import VIEW_MIXINS


class UserScreen:
    form_extra_fields = {
        "new_password": PasswordField(
            _l("New password"),
            validators=[Optional(), Length(max=200), StrongPassword()],
            description=_l("Leave empty to keep the current password.")),
    }

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif is_created:
            from wtforms.validators import ValidationError
            raise ValidationError(str(_l("A new user needs a password.")))


VIEW_MIXINS["app_user"] = UserScreen
