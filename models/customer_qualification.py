"""Customer qualifications (客户资质备案): what a customer holds, until when.

001 篇4 第三条(二): the department in charge reviews the customers' qualifications and
keeps them on record (审查客户资质，并进行资质备案). One record per certificate — its
kind, number, issuing authority and expiry date, the scan attached — at its customer's
level. ``remind_days`` before the expiry date it is listed as expiring (the
qualifications list's named list, counted on the home page of whoever keeps them), and
it stays listed once expired until a renewed certificate is recorded.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .follows_customer import FollowsCustomer
from .mixins import BusinessRecord, code_column, foreign_key

QUALIFICATION_KINDS = {
    "business_licence": _l("Business licence"),
    "production_licence": _l("Production licence"),
    "distribution_licence": _l("Distribution licence"),
    "quality_certificate": _l("Quality system certificate"),
    "other": _l("Other qualification"),
}


def expiring(user, day: date):
    """Qualifications that expire within ``remind_days`` of ``day`` (or have expired)."""
    return CustomerQualification.valid_until <= day + timedelta(
        days=CustomerQualification.remind_days)


class CustomerQualification(FollowsCustomer, BusinessRecord, Model):
    """One certificate of a customer (资质), kept on record with its expiry date."""

    __tablename__ = "customer_qualification"
    remind_days: int = 30
    """Days before the expiry date from which the qualification is listed as expiring."""
    attachments_allowed = True
    """The certificate's scan."""
    named_lists = {"expiring": (_l("Expiring or expired"), expiring)}

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    kind: Mapped[str] = code_column(QUALIFICATION_KINDS, _l("Qualification"),
                                    default="business_licence")
    certificate_no: Mapped[str] = mapped_column(
        String(60), info={"label": _l("Certificate number")})
    issued_by: Mapped[str | None] = mapped_column(
        String(120), info={"label": _l("Issued by")})
    valid_until: Mapped[date] = mapped_column(info={"label": _l("Valid until")})
    remarks: Mapped[str | None] = mapped_column(Text, info={"label": _l("Remarks")})

    class Admin:
        label = _l("Customer qualification")
        label_plural = _l("Customer qualifications")
        list_columns = ("valid_until", "customer", "kind", "certificate_no", "issued_by",
                        "level")
        search = ("certificate_no", "issued_by")
        filters = ("kind", "valid_until", "level", "department")
        form_columns = ("customer", "kind", "certificate_no", "issued_by", "valid_until",
                        "remarks", "department")
        default_sort = ("valid_until", False)
        lookup_fields = ("certificate_no",)

    def __str__(self) -> str:
        return self.certificate_no or str(_l("(new customer qualification)"))
