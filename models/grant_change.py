"""Changes of who may do what, waiting for the GM office (权限变更审批).

The role × record × action grants of ``permissions/policy.py`` are the office's rules
too, but a change of them hands out rights: an administrator proposes it here (the
role's whole grant on one record type: row scope and actions), and it takes effect only
when a member of the GM office other than the proposer approves it (the pattern of
``models/account_change.py``). The approval writes the grant into ``role_grant``
(``models/app_setting.py``), which every worker reads at its next request, and leaves
one audit event naming the old grant, the new one, who asked and who approved.

A proposal is checked when it is made and again when it is approved
(``permissions/grant_rules.py``): actions the record type declares, a row scope it
supports, never ``delete``, and no declared step left with nobody allowed to fire it.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, validates

from .base import Model
from .choices import ROLES
from .mixins import code_column
from .two_person import REQUEST_STATUSES, TwoPersonRequest, decision_steps, request_indexes

GRANT_CHANGE_STATUSES = REQUEST_STATUSES

SCOPES = {"all": _l("All departments"), "department": _l("Own department"),
          "own": _l("Own records")}

#: Record types whose grants may be changed: table → label. Filled once every model is
#: registered (``models/setting_rules.py``); the system's own tables (accounts, the
#: audit log, settings and these changes) keep the grants in the code.
GRANTABLE_RECORDS: dict[str, object] = {}
#: Every action name a grantable record type knows: name → label.
GRANT_ACTIONS: dict[str, object] = {}
#: Actions every record type knows besides its steps.
GENERIC_ACTIONS = {"list": _l("List"), "view": _l("View"), "create": _l("Create"),
                   "edit": _l("Edit"), "export": _l("Export"),
                   "change_level": _l("Change confidentiality level")}
#: The system's own tables: their grants stay as the code says.
SYSTEM_TABLES = ("app_user", "department", "account_change", "audit_event", "app_setting",
                 "grant_change")


def declared_actions(model) -> dict[str, object]:
    """The actions a grant on ``model`` may name: the generic ones and its steps."""
    actions = dict(GENERIC_ACTIONS)
    for step in getattr(model, "steps", tuple)():
        actions.setdefault(step.name, step.label)
    return actions


class JoinedLabel:
    """Two labels of one action name on different record types ("Approve / Confirm")."""

    def __init__(self, *parts):
        self.parts = parts

    def __str__(self) -> str:
        return " / ".join(dict.fromkeys(str(p) for p in self.parts))


def fill_choices() -> None:
    """The record types and actions the form offers; called once every model is known."""
    from .base import REGISTRY

    for table, model in REGISTRY.items():
        if table in SYSTEM_TABLES:
            continue
        GRANTABLE_RECORDS[table] = model.Admin.label_plural
        for name, label in declared_actions(model).items():
            known = GRANT_ACTIONS.get(name)
            if known is None:
                GRANT_ACTIONS[name] = label
            elif str(label) not in str(known).split(" / "):
                parts = known.parts if isinstance(known, JoinedLabel) else (known,)
                GRANT_ACTIONS[name] = JoinedLabel(*parts, label)


class GrantChange(TwoPersonRequest, Model):
    """A proposed grant of one role on one record type, and its decision."""

    __tablename__ = "grant_change"
    frozen_message = _l("A proposal is decided by its steps; file a new one to change it.")
    # Two people: whoever proposed the change does not approve it.
    transitions = decision_steps(approve_not_by=("requested_by_id",))
    computed = {"current_grant": _l("Grant now")}

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = code_column(ROLES, _l("Role"))
    record: Mapped[str] = mapped_column(String(40), info={
        "label": _l("Record type"), "choices": GRANTABLE_RECORDS})
    scope: Mapped[str] = code_column(SCOPES, _l("Rows"), default="department")
    allowed_actions: Mapped[str | None] = mapped_column(Text, info={
        "label": _l("Allowed actions"), "choices": GRANT_ACTIONS, "multiple": True})
    """The role's actions on the record type after the change (empty: no grant)."""

    __table_args__ = request_indexes("grant_change")

    class Admin:
        label = _l("Grant change")
        label_plural = _l("Grant changes")
        list_columns = ("requested_at", "role", "record", "scope", "allowed_actions",
                        "status")
        filters = ("status",)
        form_columns = ("role", "record", "scope", "allowed_actions", "reason")
        default_sort = ("requested_at", True)
        lookup_fields = ("reason",)

    @validates("allowed_actions")
    def _normalise_actions(self, key, value):
        if isinstance(value, (list, tuple, set, frozenset)):
            value = " ".join(value)
        return " ".join(sorted(set((value or "").split()))) or None

    def action_set(self) -> frozenset[str]:
        return frozenset((self.allowed_actions or "").split())

    @property
    def current_grant(self) -> str:
        from permissions.grant_rules import describe, effective_policy

        return describe(effective_policy().get(self.role, {}).get(self.record))

    def __str__(self) -> str:
        return f"{_l('Grant change')} {self.id or ''} ({ROLES.get(self.role, self.role)} / " \
               f"{GRANTABLE_RECORDS.get(self.record, self.record)})"

    # -- workflow hooks -------------------------------------------------------------
    def problems(self) -> list:
        status = self.status or self.initial_status  # a new proposal: before its flush
        if status not in ("pending", "approved"):
            return []
        from permissions.grant_rules import grant_problems, same_as_now, stored_policy

        session = object_session(self)
        # Approving: against the grants as committed now (``check_transition`` holds the
        # lock that makes a second approval wait for this one).
        before = stored_policy(session) if status == "approved" and session else None
        found = grant_problems(self.role, self.record, self.scope, self.action_set(),
                               before)
        if not found and status == "pending" and same_as_now(
                self.role, self.record, self.scope, self.action_set()):
            found.append(_l("Allowed actions: the role has this grant already."))
        return found

    def check_transition(self, name: str, user):
        """Approvals of grant changes one at a time: the settings' generation counter is
        locked (and moved) first, so a second approval waits until this one's grants are
        committed and is then checked against them."""
        if name == "approve":
            from .app_setting import lock_generation

            lock_generation(object_session(self))
        return None

    def after_transition(self, name: str, user) -> None:
        if name == "approve":
            from permissions.grant_rules import apply_grant

            apply_grant(self, user)
