"""The codes the regulations use, each with its label.

A code is what the database stores and what other systems exchange; the label is
what the user reads, translated by Flask-Babel. The order of a dict is the order
of a drop-down.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

LEVELS = {
    "public": _l("Public"),
    "internal": _l("Internal (company C)"),
    "confidential": _l("Confidential (company B)"),
    "secret": _l("Secret (company A)"),
}

ROLES = {
    "clerk": _l("Department clerk"),
    "supervisor": _l("Supervisor"),
    "gm_office": _l("General manager's office"),
    "legal": _l("Legal office"),
    "auditor": _l("Internal audit"),
    "admin": _l("System administrator"),
}

CUSTOMER_KINDS = {
    "dealer": _l("Dealer"),
    "retailer": _l("Retailer"),
    "contract_manufacturer": _l("Contract manufacturer"),
    "consumer": _l("End consumer"),
    "other": _l("Other"),
}

GRADES = {"A": _l("Grade A"), "B": _l("Grade B"), "C": _l("Grade C"), "D": _l("Grade D")}

#: A contract's currency: ISO 4217 codes (what an ERP exchanges), read by their names.
CURRENCIES = {
    "CNY": _l("Renminbi"),
    "HKD": _l("Hong Kong dollar"),
    "USD": _l("US dollar"),
    "EUR": _l("Euro"),
    "JPY": _l("Japanese yen"),
}

CONTRACT_KINDS = {
    "processing": _l("Processing agreement"),
    "sales": _l("Sales"),
    "service": _l("Service"),
    "lease": _l("Lease"),
    "other": _l("Other"),
}

CONTRACT_STATUSES = {
    "draft": _l("Draft"),
    "under_review": _l("Under review"),
    "quote_approved": _l("Quote approved"),
    "signed": _l("Signed"),
    "in_force": _l("In force"),
    "completed": _l("Completed"),
    "terminated": _l("Terminated"),
}

REVIEW_ASPECTS = {
    "production": _l("Production"),
    "quality": _l("Quality"),
    "materials": _l("Materials"),
}

#: 订单修正通知单 (002 4.1.10.1): confirmed by the business manager (业务经理), then by the
#: production manager (生产经理).
ORDER_CHANGE_STATUSES = {"pending": _l("Awaiting confirmation"),
                         "business_confirmed": _l("Confirmed by the business manager, "
                                                  "awaiting the production manager"),
                         "confirmed": _l("Confirmed")}

CHANNELS = {
    "phone": _l("Phone"),
    "letter": _l("Letter"),
    "fax": _l("Fax"),
    "email": _l("E-mail"),
    "in_person": _l("In person"),
    "visit": _l("During a visit"),
}

COMPLAINT_KINDS = {"quality": lazy_pgettext("complaint kind", "Quality"),
                   "non_quality": _l("Non-quality (human factor)")}

SEVERITIES = {"general": _l("General"), "major": _l("Major")}

COMPLAINT_STATUSES = {
    "registered": _l("Registered"),
    "investigating": _l("Investigating"),
    "responsibility_determined": _l("Responsibility determined"),
    "handling_proposed": _l("Handling proposed"),
    "approved": _l("Approved"),
    "notified": _l("Customer notified"),
    "closed": _l("Closed"),
}

HANDLINGS = {
    "refund": _l("Refund"),
    "replacement": _l("Replacement"),
    "repair": _l("Repair"),
    "allowance": _l("Allowance"),
    "apology": _l("Apology"),
    "not_upheld": _l("Not upheld"),
}

PENALTY_KINDS = {
    "bonus_deduction": _l("Bonus deduction"),
    "fine": _l("Fine"),
    "sanction": _l("Administrative sanction"),
    "reward": _l("Reward"),
}

PENALTY_STATUSES = {
    "proposed": _l("Proposed"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    # "Applied" means carried out for a notice, applied for on a return slip.
    "applied": lazy_pgettext("penalty status", "Applied"),
}

RETURN_STATUSES = {
    "applied": _l("Applied"),
    "confirmed": _l("Confirmed by manager"),
    "approved": _l("Approved by customer service"),
    "received": _l("Goods received"),
    "inspected": _l("Inspected"),
    "decided": _l("Decided"),
    "closed": _l("Closed"),
}

RETURN_DECISIONS = {
    "exchange": _l("Exchange"),
    "credit": _l("Credit"),
    "allowance": _l("Allowance"),
    "repair": _l("Repair"),
    "rejected": _l("Rejected"),
}

ARCHIVE_CATEGORIES = {
    "sales": _l("Sales"),
    "signing": _l("Signing"),
    "certificates": _l("Certificates"),
    "move_in": _l("Move-in"),
    "maintenance": _l("Maintenance"),
    "compensation": _l("Compensation"),
    "litigation": _l("Litigation"),
    "lease": _l("Lease"),
    "other": _l("Other"),
    # Files that belong to no one customer (001 篇7 5.8): a project's regular papers
    # (5.8.1) and a major complaint's or event's topic file, one per case (5.8.2).
    "project_docs": _l("Project regular papers"),
    "major_event": _l("Major complaint or event"),
}

RETENTIONS = {"permanent": _l("Permanent"), "30y": _l("30 years"), "10y": _l("10 years")}

ARCHIVE_STATUSES = {
    "with_department": _l("With department"),
    "transferred": _l("Transferred"),
    "in_archive": _l("In archive room"),
    "on_loan": _l("On loan"),
    "superseded": _l("Superseded"),
}

LOAN_MODES = {"read": _l("Read in the archive room"), "take_out": _l("Take out")}

LOAN_STATUSES = {
    "requested": _l("Requested"),
    "legal_approved": _l("Approved by the legal office, awaiting the GM office"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "lent": _l("Lent out"),
    "returned": _l("Returned"),
}

OUTSIDE_ORGANS = {
    "police": _l("Police"),
    "procuratorate": _l("Procuratorate"),
    "court": _l("Court"),
}

CREDENTIAL_TYPES = {
    "police_card": _l("Police officer card"),
    "procurator_card": _l("Procurator card"),
    "court_card": _l("Court work card"),
    "id_card": _l("Resident identity card"),
}
