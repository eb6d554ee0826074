"""Declarative models, one module per business aggregate.

Importing this package registers every model in :data:`REGISTRY`, in menu order.
"""
from .archive import ArchiveFile, archive_reference
from .audit import AuditEvent
from .base import REGISTRY, Model, db
from .complaint import Complaint
from .contract import Contract, ContractReview, OrderChange
from .customer import Customer
from .department import Department
from .loan import OPEN_LOAN_STATUSES, Loan
from .numbering import NumberCounter
from .penalty import Penalty
from .return_slip import ReturnLine, ReturnSlip
from .user import AppUser

__all__ = [
    "REGISTRY", "Model", "db", "Department", "AppUser", "Customer", "Contract",
    "ContractReview", "OrderChange", "Complaint", "Penalty", "ReturnSlip", "ReturnLine",
    "ArchiveFile", "archive_reference", "Loan", "OPEN_LOAN_STATUSES", "AuditEvent",
    "NumberCounter",
]
