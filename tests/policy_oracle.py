"""What the issue's permission table says, written out independently of ``permissions/``.

The matrix tests compare the product against this oracle; if someone edits the
policy table by mistake, the tests catch it instead of agreeing with it.
"""
from __future__ import annotations

from models import REGISTRY
from models.mixins import Classified

LEVELS = ("public", "internal", "confidential", "secret")
RECORDS = ("contract", "complaint", "return_slip", "archive_file")
BUSINESS = ("customer", *RECORDS, "penalty", "loan")


#: Visits and grading reviews (issue 14 items 1 and 6), written out per role.
VISITS = ("visit_plan", "visit_report", "urgent_visit_report", "visit_summary",
          "grading_review", "customer_qualification", "customer_year_sales",
          "credit_incident")
VISIT_EXPECTED = {
    "clerk": {"visit_plan": ("department", {"list", "view", "create", "edit"}),
              "visit_report": ("department", {"list", "view", "create", "edit"}),
              "urgent_visit_report": ("department", {"list", "view"}),
              "visit_summary": ("department", {"list", "view", "create", "edit"}),
              "grading_review": ("department", {"list", "view"}),
              **{t: ("department", {"list", "view", "create", "edit"})
                 for t in ("customer_qualification", "customer_year_sales",
                           "credit_incident")}},
    "supervisor": {t: ("department", {"list", "view", "create", "edit", "export"})
                   for t in VISITS},
    "gm_office": {t: ("all", {"list", "view", "export"}) for t in VISITS},
    "auditor": {t: ("all", {"list", "view", "export"}) for t in VISITS},
}

#: role → table → (row scope, actions)  — the issue's table, row by row.
EXPECTED = {
    "clerk": {"customer": ("all", {"list", "view", "create", "edit"}),
              **{t: ("department", {"list", "view", "create", "edit"}) for t in RECORDS},
              "penalty": ("department", {"list", "view"}),
              "reminder": ("department", {"list", "view", "edit"}),
              "loan": ("own", {"list", "view", "create"}),
              "timeliness_inquiry": ("department", {"list", "view"}),
              "project": ("all", {"list", "view"}),
              **VISIT_EXPECTED["clerk"]},
    "supervisor": {"customer": ("all", {"list", "view", "create", "edit", "export"}),
                   **{t: ("department", {"list", "view", "create", "edit", "export"})
                      for t in RECORDS},
                   "penalty": ("department", {"list", "view", "create"}),
                   "reminder": ("department", {"list", "view", "edit", "export"}),
                   "loan": ("department", {"list", "view", "create"}),
                   "timeliness_inquiry": ("department", {"list", "view"}),
                   "project": ("all", {"list", "view", "create", "edit", "export"}),
                   **VISIT_EXPECTED["supervisor"],
                   "report_review": ("all", {"list", "view", "create", "edit"})},
    "gm_office": {"customer": ("all", {"list", "view", "edit", "export"}),
                  **{t: ("all", {"list", "view", "edit", "export"}) for t in RECORDS},
                  "penalty": ("all", {"list", "view", "create", "export"}),
                  "reminder": ("all", {"list", "view", "export"}),
                  "loan": ("all", {"list", "view", "create", "export"}),
                  "project": ("all", {"list", "view", "create", "edit", "export"}),
                  "account_change": ("all", {"list", "view"}),
                  "timeliness_inquiry": ("all", {"list", "view", "create", "edit", "export"}),
                  "monthly_review": ("all", {"list", "view", "create", "edit", "export"}),
                  "grant_change": ("all", {"list", "view"}),
                  "app_setting": ("all", {"list", "view"}),
                  **VISIT_EXPECTED["gm_office"],
                  "report_review": ("all", {"list", "view", "export"})},
    "legal": {**{t: ("all", {"list", "view"}) for t in (*BUSINESS, "project")},
              "loan": ("all", {"list", "view", "create"})},
    "auditor": {**{t: ("all", {"list", "view", "export"})
                   for t in (*BUSINESS, "reminder", "timeliness_inquiry", "monthly_review",
                             "project", "report_review")},
                "app_user": ("all", {"list", "view"}),
                "department": ("all", {"list", "view"}),
                "account_change": ("all", {"list", "view"}),
                "grant_change": ("all", {"list", "view"}),
                "app_setting": ("all", {"list", "view"}),
                **VISIT_EXPECTED["auditor"]},
    "admin": {"app_user": ("all", {"list", "view", "create", "edit"}),
              "department": ("all", {"list", "view", "create", "edit"}),
              "account_change": ("own", {"list", "view", "create"}),
              "app_setting": ("all", {"list", "view", "edit"}),
              "grant_change": ("own", {"list", "view", "create"})},
}

#: The daily service work (issue 14): the serving department registers and works its
#: own; the GM office and internal audit read (and export) every department's.
SERVICE = ("service_request", "work_order", "follow_up_call")
for _table in SERVICE:
    EXPECTED["clerk"][_table] = ("department", {"list", "view", "create", "edit"})
    EXPECTED["supervisor"][_table] = ("department", {"list", "view", "create", "edit",
                                                     "export"})
    EXPECTED["gm_office"][_table] = ("all", {"list", "view", "export"})
    EXPECTED["auditor"][_table] = ("all", {"list", "view", "export"})

EXPECTED["clerk"]["corrective_action"] = ("department", {"list", "view", "create", "edit"})
EXPECTED["supervisor"]["corrective_action"] = ("department", {"list", "view", "create", "edit",
                                                              "export"})
EXPECTED["gm_office"]["corrective_action"] = ("all", {"list", "view", "create", "edit",
                                                      "export"})
EXPECTED["auditor"]["corrective_action"] = ("all", {"list", "view", "export"})

#: Satisfaction surveys: supervisors run them in their department, clerks enter the
#: answer sheets, the GM office prepares and reviews company-wide (answer sheets: reads).
for _table in ("survey_template", "survey_campaign", "survey_response", "improvement_plan"):
    EXPECTED["clerk"][_table] = ("department", {"list", "view", "create", "edit"}
                                 if _table == "survey_response" else {"list", "view"})
    EXPECTED["supervisor"][_table] = ("department", {"list", "view", "create", "edit",
                                                     "export"})
    EXPECTED["gm_office"][_table] = ("all", {"list", "view", "export"}
                                     if _table == "survey_response"
                                     else {"list", "view", "create", "edit", "export"})
    EXPECTED["auditor"][_table] = ("all", {"list", "view", "export"})

#: The world's users: username → (role, department, clearance, id set by the test).
ROLE_OF = {"clerk.sales": "clerk", "clerk.service": "clerk", "supervisor": "supervisor",
           "gm": "gm_office", "legal": "legal", "auditor": "auditor", "admin": "admin"}
USER_INFO = {"clerk.sales": ("sales", "internal"), "clerk.service": ("service", "internal"),
             "supervisor": ("service", "confidential"), "gm": ("gm", "secret"),
             "legal": ("legal", "secret"), "auditor": ("audit", "confidential"),
             "admin": ("it", "internal")}
#: Whose name stands on the world's records of a department (borrower, owner…).
PERSON_OF = {"sales": "clerk.sales", "service": "clerk.service"}


def allowed(username: str, table: str, action: str) -> bool:
    grant = EXPECTED[ROLE_OF[username]].get(table)
    return grant is not None and action in grant[1]


def sees(username: str, row) -> bool:
    """Should ``username`` know that world row ``row`` exists?"""
    grant = EXPECTED[ROLE_OF[username]].get(row.table)
    if grant is None:
        return False
    scope = grant[0]
    department, clearance = USER_INFO[username]
    person = PERSON_OF.get(row.department)
    if row.table == "loan" and person == username:
        return True  # a borrower always sees their own loan
    in_scope = (scope == "all" or (scope == "department" and row.department == department)
                or (scope == "own" and person == username))
    model = REGISTRY[row.table]
    level_ok = not issubclass(model, Classified) or \
        LEVELS.index(row.level) <= LEVELS.index(clearance)
    return in_scope and level_ok

#: Who assigns the 经办人 (the ``assign`` step) of the records that have one: the
#: supervisor, in their department; nobody else (a clerk does not take a record).
ASSIGNED = ("complaint", "return_slip", "service_request", "work_order")
ASSIGNERS = {"supervisor": "department"}
