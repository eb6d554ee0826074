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
                  "close", "reopen", "assign"),
    "return_slip": ("confirm", "send_back", "approve", "receive", "inspect", "decide",
                    "close", "assign"),
    "archive_file": ("transfer", "request_level_change"),
}
GM_STEPS = {
    "contract": ("send_back", "approve_quote"),
    "complaint": ("send_back_major", "approve_major", "extend"),
    "return_slip": (),
    "archive_file": ("receive", "supersede", "change_level", "refuse_level_change"),
}

#: Visits and grading (001 篇1/2, 篇4; 004 第3、6、8条): the department's visitors report
#: and plan, its supervisor reads the reports, approves plans for the department,
#: writes the urgent reports and proposes grades; the GM office approves plans, reads
#: and decides urgent reports and decides grades; the auditor reads.
VISITS = ("visit_plan", "visit_report", "urgent_visit_report", "visit_summary",
          "grading_review", "customer_qualification", "customer_year_sales",
          "credit_incident")
VISIT_GRANTS = {
    "clerk": {
        "visit_plan": grant("department", *READ, *WRITE, "submit"),
        "visit_report": grant("department", *READ, *WRITE),
        "urgent_visit_report": grant("department", *READ),
        "visit_summary": grant("department", *READ, *WRITE),
        "grading_review": grant("department", *READ),
        "customer_qualification": grant("department", *READ, *WRITE),
        "customer_year_sales": grant("department", *READ, *WRITE),
        "credit_incident": grant("department", *READ, *WRITE),
    },
    "supervisor": {
        "visit_plan": grant("department", *READ, *WRITE, "export", "submit", "send_back",
                            "approve_department"),
        "visit_report": grant("department", *READ, *WRITE, "export", "review"),
        "urgent_visit_report": grant("department", *READ, *WRITE, "export"),
        "visit_summary": grant("department", *READ, *WRITE, "export", "review"),
        "grading_review": grant("department", *READ, *WRITE, "export"),
        "customer_qualification": grant("department", *READ, *WRITE, "export"),
        "customer_year_sales": grant("department", *READ, *WRITE, "export"),
        "credit_incident": grant("department", *READ, *WRITE, "export"),
    },
    "gm_office": {
        "visit_plan": grant("all", *READ, "export", "send_back", "approve"),
        "visit_report": grant("all", *READ, "export"),
        "urgent_visit_report": grant("all", *READ, "export", "mark_read", "decide"),
        "visit_summary": grant("all", *READ, "export"),
        "grading_review": grant("all", *READ, "export", "decide", "reject"),
        "customer_qualification": grant("all", *READ, "export"),
        "customer_year_sales": grant("all", *READ, "export"),
        "credit_incident": grant("all", *READ, "export"),
    },
    "auditor": {table: grant("all", *READ, "export") for table in VISITS},
}

POLICY: dict[str, dict[str, Grant]] = {
    "clerk": {
        "customer": grant("all", *READ, *WRITE),
        **{m: grant("department", *READ, *WRITE, *CLERK_STEPS[m]) for m in RECORDS},
        "penalty": grant("department", *READ),
        "reminder": grant("department", *READ, "edit"),  # the addressee replies
        "loan": grant("own", *READ, "create"),
        "project": grant("all", *READ),
        # 洽办单 addressed to the department: it answers why the case was late.
        "timeliness_inquiry": grant("department", *READ, "answer"),
        # Visits (巡访): the visitor files reports, draws up and submits their plans,
        # prepares the monthly summary; the supervisor's urgent reports are read here.
        **VISIT_GRANTS["clerk"],
    },
    "supervisor": {
        "customer": grant("all", *READ, *WRITE, "export"),
        **{m: grant("department", *READ, *WRITE, "export", *SUPERVISOR_STEPS[m])
           for m in RECORDS},
        "penalty": grant("department", *READ, "create"),
        "reminder": grant("department", *READ, "edit", "export"),
        "loan": grant("department", *READ, "create"),
        "timeliness_inquiry": grant("department", *READ, "answer"),
        "project": grant("all", *READ, *WRITE, "export"),
        **VISIT_GRANTS["supervisor"],
        # 客户服务部每月25日上交质量信息反馈总结 (003 主要职责 E): it marks it handed in.
        "report_review": grant("all", *READ, *WRITE, "mark_reviewed"),
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
        # It keeps the archive room and registers a request on a borrower's behalf (an
        # officer with a 协助调查通知书, a user who may not read the file); another member
        # approves it (``Loan`` steps, not_by the requester).
        "loan": grant("all", *READ, "create", "export", "approve", "reject", "lend",
                      "return_file"),
        "project": grant("all", *READ, *WRITE, "export", "change_level"),
        "audit_event": grant("all", *READ, "export"),
        # The second person for account changes an administrator may not make alone.
        "account_change": grant("all", *READ, "approve", "reject"),
        # It raises 洽办单 on late closed cases and reviews the answers (001 篇8 (十一)3),
        # and reviews each month's closed complaints by the 10th (篇8 (十)1).
        "timeliness_inquiry": grant("all", *READ, *WRITE, "export", "review"),
        "monthly_review": grant("all", *READ, *WRITE, "export", "mark_reviewed"),
        # The second person for grant changes (permissions/grant_rules.py); the settings
        # themselves are the administrator's.
        "grant_change": grant("all", *READ, "approve", "reject"),
        "app_setting": grant("all", *READ),
        **VISIT_GRANTS["gm_office"],
        "report_review": grant("all", *READ, "export"),
    },
    "legal": {
        **{m: grant("all", *READ) for m in ("customer", "penalty", "project", *RECORDS)},
        # It may register an outside borrower's request (5.11.2) or a request of a file
        # only it and the GM office read; another person gives its approval.
        "loan": grant("all", *READ, "create", "legal_approve", "reject"),
    },
    "auditor": {
        **{m: grant("all", *READ, "export")
           for m in ("customer", "penalty", "loan", "reminder", "timeliness_inquiry",
                     "monthly_review", "project", "report_review", *RECORDS)},
        "app_user": grant("all", *READ),
        "department": grant("all", *READ),
        "audit_event": grant("all", *READ, "export"),
        "account_change": grant("all", *READ),
        "grant_change": grant("all", *READ),
        "app_setting": grant("all", *READ),
        **VISIT_GRANTS["auditor"],
    },
    "admin": {
        "app_user": grant("all", *READ, *WRITE),
        "department": grant("all", *READ, *WRITE),
        # Their own requests: what waits for the GM office, and withdrawing it.
        "account_change": grant("own", *READ, "create", "withdraw"),
        # Rules the office can set: changed at once (models/office_settings.py); a change
        # of grants waits for the GM office (models/grant_change.py).
        "app_setting": grant("all", *READ, "edit", "reset_default"),
        "grant_change": grant("own", *READ, "create", "withdraw"),
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
#: Records with a 经办人 (``models.mixins.Assignable``): the department's supervisor
#: assigns it (``assign``), to a member of the department; a clerk does not take one.
ASSIGNED = ("complaint", "return_slip", "service_request", "work_order")
for _model, _steps in SERVICE_STEPS.items():
    POLICY["clerk"][_model] = grant("department", *READ, *WRITE, *_steps)
    POLICY["supervisor"][_model] = grant("department", *READ, *WRITE, "export", *_steps,
                                         *(("assign",) if _model in ASSIGNED else ()))
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
