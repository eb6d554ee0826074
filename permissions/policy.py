"""The one policy table: role → model → which actions, over which rows.

Default deny: an action not granted here is refused. Scopes say which rows a
grant covers: ``all`` rows, the user's own ``department``, or the user's ``own``
loans (as borrower or requester). Workflow transitions are actions like any other:
their names are those declared on the model (``models/*.py``, ``transitions`` and
``actions``).
Nothing here lets anyone delete a business record: complaint numbers are never
reused and archive files are kept permanently.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Grant:
    scope: str
    """``all``, ``department`` or ``own``."""
    actions: frozenset[str]


def grant(scope: str, *actions: str) -> Grant:
    return Grant(scope, frozenset(actions))


READ = ("list", "view")
WRITE = ("create", "edit")
RECORDS = ("contract", "complaint", "return_slip", "archive_file")

#: Steps each role may fire, per model (names from the models' ``transitions`` and
#: ``actions``).
CLERK_STEPS = {
    "contract": ("submit_review",),
    "complaint": ("investigate", "notify_customer", "close", "reopen"),
    "return_slip": ("receive", "inspect", "decide", "close"),
    "archive_file": ("transfer",),
}
SUPERVISOR_STEPS = {
    "contract": ("submit_review", "send_back", "sign", "put_in_force", "complete",
                 "terminate", "confirm_changes", "confirm_changes_production"),
    "complaint": ("investigate", "determine_responsibility", "not_upheld",
                  "propose_handling", "send_back", "approve_general", "notify_customer",
                  "close", "reopen"),
    "return_slip": ("confirm", "send_back", "approve", "receive", "inspect", "decide",
                    "close"),
    "archive_file": ("transfer", "request_level_change"),
}
GM_STEPS = {
    "contract": ("send_back", "approve_quote"),
    "complaint": ("send_back_major", "approve_major", "extend"),
    "return_slip": (),
    "archive_file": ("receive", "supersede", "change_level", "refuse_level_change"),
}

POLICY: dict[str, dict[str, Grant]] = {
    "clerk": {
        "customer": grant("all", *READ, *WRITE),
        **{m: grant("department", *READ, *WRITE, *CLERK_STEPS[m]) for m in RECORDS},
        "penalty": grant("department", *READ),
        "reminder": grant("department", *READ, "edit"),  # the addressee replies
        "loan": grant("own", *READ, "create"),
        # 洽办单 addressed to the department: it answers why the case was late.
        "timeliness_inquiry": grant("department", *READ, "answer"),
    },
    "supervisor": {
        "customer": grant("all", *READ, *WRITE, "export"),
        **{m: grant("department", *READ, *WRITE, "export", *SUPERVISOR_STEPS[m])
           for m in RECORDS},
        "penalty": grant("department", *READ, "create"),
        "reminder": grant("department", *READ, "edit", "export"),
        "loan": grant("department", *READ, "create"),
        "timeliness_inquiry": grant("department", *READ, "answer"),
    },
    "gm_office": {
        "customer": grant("all", *READ, "edit", "export", "change_level"),
        **{m: grant("all", *READ, "edit", "export", "change_level", *GM_STEPS[m])
           for m in RECORDS},
        # 总经理室开立奖罚通知单 (001 篇8 (十)2): the GM office issues notices; another
        # person approves them (``Penalty`` step ``approve``, not_by the issuer).
        "penalty": grant("all", *READ, "create", "export", "approve", "reject",
                         "distribute", "apply"),
        "reminder": grant("all", *READ, "export"),  # the GM office sees all overdue cases
        "loan": grant("all", *READ, "export", "approve", "reject", "lend", "return_file"),
        "audit_event": grant("all", *READ, "export"),
        # The second person for account changes an administrator may not make alone.
        "account_change": grant("all", *READ, "approve", "reject"),
        # It raises 洽办单 on late closed cases and reviews the answers (001 篇8 (十一)3),
        # and reviews each month's closed complaints by the 10th (篇8 (十)1).
        "timeliness_inquiry": grant("all", *READ, *WRITE, "export", "review"),
        "monthly_review": grant("all", *READ, *WRITE, "export", "mark_reviewed"),
    },
    "legal": {
        **{m: grant("all", *READ) for m in ("customer", "penalty", *RECORDS)},
        "loan": grant("all", *READ, "legal_approve", "reject"),
    },
    "auditor": {
        **{m: grant("all", *READ, "export")
           for m in ("customer", "penalty", "loan", "reminder", "timeliness_inquiry",
                     "monthly_review", *RECORDS)},
        "app_user": grant("all", *READ),
        "department": grant("all", *READ),
        "audit_event": grant("all", *READ, "export"),
        "account_change": grant("all", *READ),
    },
    "admin": {
        "app_user": grant("all", *READ, *WRITE),
        "department": grant("all", *READ, *WRITE),
        # Their own requests: what waits for the GM office, and withdrawing it.
        "account_change": grant("own", *READ, "create", "withdraw"),
    },
}

# -- the daily service work (issue 14 items 2-5): calls, requests, repairs -------------
#: Registered and worked by the department that serves the customer; the GM office and
#: internal audit read every department's.
SERVICE_STEPS = {
    "service_request": ("handle",),
    "work_order": ("arrive", "finish", "settle"),
    "follow_up_call": ("record_result",),
}
for _model, _steps in SERVICE_STEPS.items():
    POLICY["clerk"][_model] = grant("department", *READ, *WRITE, *_steps)
    POLICY["supervisor"][_model] = grant("department", *READ, *WRITE, "export", *_steps)
    POLICY["gm_office"][_model] = grant("all", *READ, "export")
    POLICY["auditor"][_model] = grant("all", *READ, "export")
# 改善措施表: the department carries it out, a supervisor verifies the effect, the GM
# office (which raises actions from any complaint) closes it.
POLICY["clerk"]["corrective_action"] = grant("department", *READ, *WRITE, "implement")
POLICY["supervisor"]["corrective_action"] = grant("department", *READ, *WRITE, "export",
                                                  "implement", "verify")
POLICY["gm_office"]["corrective_action"] = grant("all", *READ, *WRITE, "export", "verify",
                                                 "close")
POLICY["auditor"]["corrective_action"] = grant("all", *READ, "export")
# 客户满意度调查: a supervisor (or the GM office) prepares the questionnaire and runs the
# survey; clerks enter the answer sheets; the GM office reviews the improvement plans
# (提交公司领导审阅) and the owners report them done.
SURVEY_GRANTS = {
    "survey_template": ((), ("put_in_use",), ("put_in_use",)),
    "survey_campaign": ((), ("launch", "close"), ("launch", "close")),
    "survey_response": ((*WRITE, "enter"), ("enter",), None),
    "improvement_plan": (("complete",), ("complete",), ("review", "complete")),
}
for _model, (_clerk, _supervisor, _gm) in SURVEY_GRANTS.items():
    POLICY["clerk"][_model] = grant("department", *READ, *_clerk)
    POLICY["supervisor"][_model] = grant("department", *READ, *WRITE, "export", *_supervisor)
    POLICY["gm_office"][_model] = grant("all", *READ, "export") if _gm is None else \
        grant("all", *READ, *WRITE, "export", *_gm)
    POLICY["auditor"][_model] = grant("all", *READ, "export")

#: Actions that only touch the record's confidentiality level.
LEVEL_ACTION = "change_level"
#: Roles that may put a record into any department (the others: their own only).
ALL_DEPARTMENT_ROLES = ("gm_office",)
