"""Declarative models, one module per business aggregate.

Importing this package registers every model in :data:`REGISTRY`; the import order
below is the menu order (keep it: import sorting is switched off for this file).
"""
# ruff: noqa: I001
from .base import REGISTRY, Model, db
from .department import Department
from .user import AppUser
from .account_change import AccountChange
from .customer import Customer
from .contract import Contract, ContractReview, OrderChange
from .complaint import Complaint
from .reminder import Reminder
from .penalty import Penalty
from .timeliness_inquiry import TimelinessInquiry
from .monthly_review import MonthlyReview
from .visit_plan import VisitPlan, VisitPlanLine
from .visit_report import VisitReport
from .urgent_visit_report import UrgentVisitReport
from .visit_summary import VisitSummary
from .grading_review import GradingReview
from .report_review import ReportReview
from .customer_qualification import CustomerQualification
from .service_request import ServiceRequest
from .work_order import WorkOrder
from .follow_up import FollowUpCall
from .corrective_action import CorrectiveAction
from .customer_year_sales import CustomerYearSales
from .credit_incident import CreditIncident
from .survey_template import SurveyQuestion, SurveyTemplate
from .survey_campaign import SurveyCampaign
from .survey_response import SurveyResponse, SurveyScore
from .improvement_plan import ImprovementPlan
from .return_slip import ReturnLine, ReturnSlip
from .project import Project
from .archive import ArchiveFile, archive_reference
from .loan import OPEN_LOAN_STATUSES, Loan
from .audit import AuditEvent
from .attachment import Attachment
from .numbering import NumberCounter
from .grant_change import GrantChange
from .app_setting import AppSetting, RoleGrant
from .api_token import ApiToken
from .recent_view import RecentView  # noqa: F401  (issue 16: 最近查看, per user)
from .saved_filter import SavedFilter  # noqa: F401  (issue 16: 保存的筛选, per user)
from .daily_job import DailyJobRun  # noqa: F401  (daily_jobs.py: once-a-day claims)
from . import decisions  # noqa: F401  (locked fields stay as decided, on every flush)

__all__ = [
    "REGISTRY", "Model", "db", "Department", "AppUser", "AccountChange", "Customer", "Contract",
    "ContractReview", "OrderChange", "Complaint", "Penalty", "ReturnSlip", "ReturnLine",
    "ArchiveFile", "archive_reference", "Loan", "OPEN_LOAN_STATUSES", "AuditEvent",
    "NumberCounter", "Attachment", "Reminder", "TimelinessInquiry", "MonthlyReview",
    "GrantChange", "AppSetting", "RoleGrant",
    "ApiToken",
    "Project",
    "VisitPlan", "VisitPlanLine", "VisitReport", "UrgentVisitReport", "VisitSummary",
    "GradingReview", "CustomerQualification", "CustomerYearSales", "CreditIncident",
    "ReportReview",
]
__all__ += ["ServiceRequest", "WorkOrder", "FollowUpCall", "CorrectiveAction",
            "SurveyTemplate", "SurveyQuestion", "SurveyCampaign", "SurveyResponse",
            "SurveyScore", "ImprovementPlan"]
from . import indexes  # noqa: E402,F401  (list and search indexes, after the models)
from . import sqlite_settings  # noqa: E402,F401  (SQLite: memory-mapped reads, statistics)
from . import postgres_settings  # noqa: E402,F401  (PostgreSQL: planner costs)
from . import setting_rules  # noqa: E402,F401  (settings declared from outside, rules)
from . import report_indexes  # noqa: E402,F401  (what the statistics screen reads)
from . import complaint_tally  # noqa: E402,F401  (the statistics' counts, kept per save)
