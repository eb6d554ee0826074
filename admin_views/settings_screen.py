"""The settings screen (规则设定): one row per declared setting, an edit form made from
the setting's type, "reset to default", and the grants in force with their proposals.

The list and details pages are the generated ones (``AppSetting``); what metadata cannot
say lives here: the form of one setting has the fields its type needs (a whole number
with its range, yes/no, codes to choose, one number per key), a value is checked by
``models.office_settings.validate`` (type, range, the rules it keeps with other
settings) and a refusal is written on its field with nothing saved; an edit made on an
older version than the stored one is refused like any stale record. Changes are
audited old → new by the session hook, like every record.
"""
from __future__ import annotations

from flask import current_app, flash, request, url_for
from flask_admin.contrib.sqla.filters import EnumEqualFilter
from flask_admin.form import BaseForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Optional

from models import REGISTRY, AppSetting, GrantChange, db
from models.app_setting import lock_generation
from models.choices import ROLES
from models.grant_change import GRANT_ACTIONS, GRANTABLE_RECORDS, SCOPES, declared_actions
from models.mixins import utcnow
from models.office_settings import SETTINGS, SettingRefused, stored_values, validate
from permissions import can
from permissions.grant_rules import effective_policy
from permissions.policy import POLICY
from permissions.scoping import actor

from .factory import VIEW_MIXINS
from .home import TODO_SOURCES, Figure, list_url
from .secure import VersionField, conflict_message, parse_pk

#: Registration rows made by this process (per app): each declared key has its row.
ROWS_KEY = "office_settings_rows"


def ensure_rows(app) -> None:
    """One ``app_setting`` row per declared key (value NULL: the default). Inserted
    without the ORM: a row that says "default" changes nothing, so it is no event."""
    known = app.extensions.setdefault(ROWS_KEY, set())
    missing = [key for key in SETTINGS if key not in known]
    if not missing:
        return
    connection = db.session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(insert(AppSetting.__table__).on_conflict_do_nothing(
        index_elements=["key"]), [{"key": key, "version_id": 1} for key in missing])
    db.session.commit()
    known.update(missing)


def value_cell(view, context, record, name):
    declared = SETTINGS.get(record.key)
    if declared is None:
        return ""
    if record.value is None:
        return Markup("{} <span class='text-muted'>{}</span>").format(
            declared.shown(declared.default), _("(default)"))
    try:
        return declared.shown(declared.clean(record.value))
    except SettingRefused:
        return str(record.value)


def key_cell(view, context, record, name):
    declared = SETTINGS.get(record.key)
    return str(declared.label) if declared else record.key


def default_cell(view, context, record, name):
    declared = SETTINGS.get(record.key)
    return declared.shown(declared.default) if declared else ""


def fields_for(declared) -> dict:
    """The form fields one setting needs, named ``value`` (``value_<key>`` per key of a
    dict setting)."""
    label, kind = declared.label, declared.kind
    if kind == "bool":
        return {"value": BooleanField(label)}
    if kind == "int":
        return {"value": IntegerField(label, validators=[InputRequired()],
                                      description=_range_hint(declared))}
    if kind == "codes":
        return {"value": SelectMultipleField(label, choices=[
            (code, str(text)) for code, text in declared.choices.items()],
            validators=[Optional()])}
    if kind == "int_map":
        return {f"value_{key}": IntegerField(
            f"{label} — {(declared.choices or {}).get(key, key)}",
            validators=[InputRequired()], description=_range_hint(declared))
            for key in declared.default}
    hint = _l("Text, {yy} / {yymm} / {yyyy} for the date, then {serial:03d} for a "
              "3-digit serial.") if kind == "number_format" else None
    return {"value": StringField(label, validators=[InputRequired()], description=hint)}


def _range_hint(declared):
    return _l("Default %(default)s; from %(low)s to %(high)s.",
              default=declared.shown(declared.default), low=declared.low, high=declared.high)


def submitted(declared, form):
    if declared.kind == "int_map":
        return {key: form[f"value_{key}"].data for key in declared.default}
    return form["value"].data


def form_data(declared, value) -> dict:
    if declared.kind == "int_map":
        return {f"value_{key}": number for key, number in value.items()}
    return {"value": list(value) if declared.kind == "codes" else value}


class SettingsScreen:
    """Behaviour of the generated ``app_setting`` screen that metadata cannot say."""

    list_template = "admin/settings_list.html"

    def __init__(self, model, *args, **kwargs):
        self.page_size = 100  # every setting on one page: the office reads them together
        self.column_list = ["key", "value", "default_shown", "changed_by", "changed_at"]
        self.column_sortable_list = ["key", "changed_at"]
        self.column_searchable_list = []
        self.column_labels = {**self.column_labels, "key": _l("Setting"),
                              "value": _l("Current value"),
                              "default_shown": _l("Default (in the code)")}
        self.column_details_list = ["key", "value", "default_shown", "changed_by",
                                    "changed_at", "version_id"]
        self.column_formatters = {**(self.column_formatters or {}), "value": value_cell,
                                  "default_shown": default_cell, "key": key_cell}
        self.column_formatters_export = dict(self.column_formatters)
        super().__init__(model, *args, **kwargs)

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is None:
            ensure_rows(current_app)
        return refused

    # -- the form of one setting ------------------------------------------------------
    def edit_form(self, obj=None):
        declared = SETTINGS[obj.key]
        form_class = type("SettingForm", (BaseForm,), {
            "loaded_version": VersionField(), **fields_for(declared)})
        if request.method == "POST":
            form = form_class(request.form)
        else:
            try:
                value = declared.default if obj.value is None else declared.clean(obj.value)
            except SettingRefused:
                value = declared.default  # stored by an older release: the default holds
            form = form_class(data={**form_data(declared, value),
                                    "loaded_version": obj.version_id})
        return form

    def validate_form(self, form) -> bool:
        return form.validate()

    def update_model(self, form, model):
        """Store the checked value; a stale form or a refused value saves nothing."""
        declared = SETTINGS[model.key]
        loaded = str(form.loaded_version.data or "").strip()
        if loaded and loaded != str(model.version_id):
            flash(conflict_message(model) + " " + _(
                "Nothing of yours was saved; your input is still in the form. Open the "
                "setting in another tab to see their change, then save again to keep "
                "yours."), "error")
            form.loaded_version.data = model.version_id
            return False
        # One save at a time (the generation counter's row lock), checked against the
        # other settings as committed: two saves that each keep a rule cannot together
        # break it.
        lock_generation(db.session)
        try:
            value = validate(model.key, submitted(declared, form), stored_values(db.session))
        except SettingRefused as exc:
            field = form[f"value_{exc.part}"] if exc.part else next(
                f for f in form if f.name.startswith("value"))
            field.errors = [*field.errors, str(exc.message)]
            flash(str(exc.message), "error")
            db.session.rollback()
            return False
        return self._store(model, declared.to_json(value))

    def _store(self, model, value) -> bool:
        model.value = value
        model.changed_by_id = current_user.id
        model.changed_at = utcnow()
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            flash(_("Someone else saved this setting at the same moment; nothing of "
                    "yours was saved. Open it again and retry."), "error")
            return False
        return True

    # -- reset to default: a bulk action of the list ---------------------------------
    def init_actions(self):
        super().init_actions()
        label = _l("Reset to default")
        self._actions.append(("reset_default", label))
        self._actions_data["reset_default"] = (
            self._reset, label, _l("Reset the selected settings to the code's values?"))

    def _reset(self, ids) -> None:
        """Back to the code's value, each checked like a save: a default that would break
        a rule with another stored setting is refused with the rule, nothing reset."""
        lock_generation(db.session)
        stored = stored_values(db.session)
        waiting = [record for record in self.get_query().filter(AppSetting.id.in_(
            [pk for pk in map(parse_pk, ids) if pk is not None])) if record.value is not None
            and record.key in SETTINGS]
        done, refused = 0, []
        while waiting:  # in any order: one reset may be what allows the next
            refused, still = [], []
            for record in waiting:
                try:
                    validate(record.key, SETTINGS[record.key].default, stored)
                except SettingRefused as exc:
                    refused.append(str(exc.message))
                    still.append(record)
                    continue
                stored.pop(record.key, None)
                record.value, record.changed_by_id = None, current_user.id
                record.changed_at = utcnow()
                done += 1
            if len(still) == len(waiting):
                break
            waiting = still
        if refused:
            db.session.rollback()
            for message in refused:
                flash(message, "error")
            flash(_("Nothing was reset."), "error")
            return
        db.session.commit()
        flash(_("%(count)s setting(s) reset to the default.", count=done), "success")

    # -- the grants in force, on the same screen --------------------------------------
    def render(self, template, **kwargs):
        if template == self.list_template:
            kwargs["grant_rows"] = grant_rows()
            kwargs["may_propose"] = can(actor(), "create", GrantChange)
        return super().render(template, **kwargs)


def grant_rows() -> list[dict]:
    """Every role's grant on every grantable record type: now, and if changed, the
    code's line beside it."""
    rows = []
    policy = effective_policy()
    for role, role_label in ROLES.items():
        for table, record_label in GRANTABLE_RECORDS.items():
            now = policy.get(role, {}).get(table)
            code = POLICY.get(role, {}).get(table)
            if now is None and code is None:
                continue
            rows.append({"role": role_label, "record": record_label,
                         "propose": url_for("grant_change.create_view", role=role,
                                            record=table),
                         "scope": SCOPES.get(now.scope, now.scope) if now else "—",
                         "actions": _actions_text(now, table), "changed": now != code,
                         "code": _actions_text(code, table)})
    return rows


def _actions_text(found, table: str) -> str:
    """The grant's actions by the record type's own labels."""
    if found is None or not found.actions:
        return "—"
    labels = declared_actions(REGISTRY[table])
    return "、".join(str(labels.get(a, GRANT_ACTIONS.get(a, a))) for a in sorted(found.actions))


class GrantChangeScreen:
    """A proposal starts from the grant in force: ``?role=&record=`` (the links of the
    settings screen's grant table) fills in its row scope and actions."""

    def create_form(self, obj=None):
        form = super().create_form(obj)
        role, table = request.args.get("role"), request.args.get("record")
        if request.method == "GET" and role in ROLES and table in GRANTABLE_RECORDS:
            now = effective_policy().get(role, {}).get(table)
            form.role.data, form.record.data = role, table
            if now is not None:
                form.scope.data = now.scope
                form.allowed_actions.data = sorted(now.actions)
        return form


def grant_change_todos(admin, day) -> list[Figure]:
    """For the GM office: grant changes waiting for its approval."""
    if not can(actor(), "approve", GrantChange):
        return []
    return [Figure("grant-changes", _l("Grant changes waiting for approval"),
                   list_url(admin, GrantChange, ("status", EnumEqualFilter, "pending")),
                   GrantChange, (GrantChange.status == "pending",), urgent=True)]


VIEW_MIXINS["app_setting"] = SettingsScreen
VIEW_MIXINS["grant_change"] = GrantChangeScreen
TODO_SOURCES.append(grant_change_todos)

__all__ = ["SettingsScreen", "ensure_rows", "grant_rows"]
