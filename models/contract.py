"""Contracts (合同): reviewed, quote approved by the GM office, signed, then changed only
through order change notices that the business manager and then the production manager
confirm."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from .base import Model, db
from .choices import (
    CONTRACT_KINDS,
    CONTRACT_STATUSES,
    CURRENCIES,
    ORDER_CHANGE_STATUSES,
    REVIEW_ASPECTS,
)
from .mixins import BusinessRecord, code_column, foreign_key, utcnow
from .office_settings import setting
from .workflow import Stateful, Transition


class Contract(Stateful, BusinessRecord, Model):
    """A contract (合同). Confidential by default: it carries prices."""

    __tablename__ = "contract"
    default_level = "confidential"
    number_format: str = setting("HT{yy}{serial:04d}", _l("Contract number format"), kind="number_format")  # noqa: E501
    """The contract number the system gives on registration (``models/numbering.py``):
    year of registration + a yearly serial, ``HT260001``. A number a clerk typed would
    tell them, by "already in use", the numbers of contracts they may not see."""
    statuses = CONTRACT_STATUSES
    initial_status = "draft"
    required_reviews: tuple[str, ...] = setting(("production", "quality", "materials"), _l("Required review opinions"), choices=REVIEW_ASPECTS)  # noqa: E501
    """Written review opinions (合同评审：生产、品管、物控) needed before the GM office
    approves the quote — only for a contract flagged ``needs_review`` (新工艺或客户特殊
    要求, 002 4.1.3.1–4.1.3.2); an ordinary new or repeat order goes cost sheet → GM →
    quotation without them."""
    #: Statuses of a signed contract, the ones an order change notice applies to.
    changeable_statuses = ("signed", "in_force")
    locked_from = {
        # Under review, the amount and terms are what the reviewers and the GM office
        # weigh: fixed, unless the contract is sent back (退回) to draft.
        "*": "under_review",
        # Opinions are written while the contract is under review; the quote approval
        # rests on them.
        "reviews": "quote_approved",
        # A signed contract changes only by order change notices (confirmed by the
        # business manager, then the production manager); a completed or terminated one
        # not at all.
        "order_changes": "completed",
        "level": None,  # the GM office classifies
    }
    correction_hint = _l("A signed contract changes only by an order change notice, which "
                         "the business manager and then the production manager confirm.")
    transitions = (
        Transition("submit_review", _l("Submit for review"), ("draft",), "under_review",
                   stamps=("review_submitted_by_id",)),
        Transition("send_back", _l("Send back"), ("under_review",), "draft"),
        # Whoever put the contract to review, or wrote a review opinion, does not
        # approve its quote.
        Transition("approve_quote", _l("Approve quote"), ("under_review",),
                   "quote_approved", stamps=("quote_approved_by_id", "quote_approved_at"),
                   not_by=("review_submitted_by_id", "reviews.recorded_by_id")),
        Transition("sign", _l("Mark signed"), ("quote_approved",), "signed",
                   requires=("signed_on",)),
        Transition("put_in_force", _l("Put in force"), ("signed",), "in_force"),
        Transition("complete", _l("Complete"), ("in_force",), "completed"),
        Transition("terminate", _l("Terminate"), ("signed", "in_force"), "terminated",
                   requires=("termination_reason",)),
    )
    #: 订单修正通知单 (002 4.1.10.1): the business manager (业务经理) confirms, then the
    #: production manager (生产经理), another person, before production planning gets it.
    #: Whoever confirmed a notice of this contract as business manager does not confirm
    #: as production manager.
    actions = (
        # Whoever wrote (or last changed) a notice waiting for confirmation does not
        # confirm it; notices confirmed earlier do not count.
        Transition("confirm_changes", _l("Confirm order changes (business manager)"),
                   ("signed", "in_force"), None, guard="has_pending_changes",
                   not_by=("pending_order_changes.recorded_by_id",),
                   signed_as="order_changes.business_confirmed_by_id"),
        Transition("confirm_changes_production",
                   _l("Confirm order changes (production manager)"), ("signed", "in_force"),
                   None, stamps=("changes_confirmed_by_id",),
                   guard="has_changes_awaiting_production",
                   not_by=("order_changes.business_confirmed_by_id",)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(
        String(40), unique=True, info={"label": _l("Contract number"), "readonly": True})
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    title: Mapped[str] = mapped_column(String(200), info={"label": _l("Title")})
    kind: Mapped[str] = code_column(CONTRACT_KINDS, _l("Contract kind"), default="sales")
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(16, 2),
                                                   info={"label": _l("Amount")})
    currency: Mapped[str] = mapped_column(
        String(3), default="CNY", info={"label": _l("Currency"), "choices": CURRENCIES})
    """A code of ``CURRENCIES``, shown by its name (人民币) like every code. Checked by
    the forms and the API, not by a CHECK: adding one rebuilds the table on SQLite,
    which drops its full-text triggers (see migration 0026)."""
    signed_on: Mapped[date | None] = mapped_column(info={"label": _l("Signed on")})
    starts_on: Mapped[date | None] = mapped_column(info={"label": _l("Starts on")})
    ends_on: Mapped[date | None] = mapped_column(info={"label": _l("Ends on")})
    needs_review: Mapped[bool] = mapped_column(
        default=True, server_default=sa.true(),
        info={"label": _l("New process or special requirement (contract review needed)")})
    """On by default: the production, quality and materials review (``required_reviews``)
    is asked only of such a contract; a clerk unticks it for an ordinary repeat order.
    Fixed once the contract is under review, like its terms."""
    owner_id: Mapped[int | None] = foreign_key("app_user.id", _l("Owner"))
    owner = relationship("AppUser", foreign_keys=[owner_id], info={"label": _l("Owner")})
    review_submitted_by_id: Mapped[int | None] = foreign_key(
        "app_user.id", _l("Submitted for review by"))
    quote_approved_by_id: Mapped[int | None] = foreign_key("app_user.id",
                                                           _l("Quote approved by"))
    quote_approved_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Quote approved at")})
    changes_confirmed_by_id: Mapped[int | None] = foreign_key(
        "app_user.id", _l("Order changes last confirmed by the production manager"))
    termination_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Termination reason")})
    reviews = relationship("ContractReview", back_populates="contract",
                           cascade="all, delete-orphan", info={"label": _l("Review opinions")})
    order_changes = relationship("OrderChange", back_populates="contract",
                                 cascade="all, delete-orphan",
                                 info={"label": _l("Order change notices")})
    pending_order_changes = relationship(
        "OrderChange", viewonly=True,
        primaryjoin="and_(OrderChange.contract_id == Contract.id, "
                    "OrderChange.status == 'pending')")
    """The notices ``confirm_changes`` confirms: their writers may not fire it."""

    __table_args__ = (
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                           name="ends_after_start"),
    )

    class Admin:
        label = _l("Contract")
        label_plural = _l("Contracts")
        list_columns = ("number", "title", "customer", "kind", "amount", "currency",
                        "status", "signed_on", "level")
        search = ("number", "title")
        filters = ("status", "kind", "level", "department", "signed_on")
        form_columns = ("customer", "title", "kind", "amount", "currency", "needs_review",
                        "signed_on", "starts_on", "ends_on", "owner", "department",
                        "level", "termination_reason")
        inline = ("reviews", "order_changes")
        default_sort = ("number", True)
        lookup_fields = ("number", "title")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def has_pending_changes(self) -> bool:
        return any(change.status == "pending" for change in self.order_changes)

    @property
    def has_changes_awaiting_production(self) -> bool:
        return any(change.status == "business_confirmed" for change in self.order_changes)

    def missing_reviews(self) -> list[str]:
        """Aspects still without a written opinion; none unless the contract is flagged."""
        if self.needs_review is False:
            return []
        given = {review.aspect for review in self.reviews if (review.opinion or "").strip()}
        return [aspect for aspect in self.required_reviews if aspect not in given]

    def check_transition(self, name: str, user):
        if name == "approve_quote" and self.missing_reviews():
            return _l("The quote can be approved only after production, quality and "
                      "materials have each given a written review opinion. Missing: "
                      "%(aspects)s.", aspects=", ".join(
                          str(REVIEW_ASPECTS[a]) for a in self.missing_reviews()))
        if name == "confirm_changes" and not self.has_pending_changes:
            return _l("No order change notice is awaiting confirmation.")
        if name == "confirm_changes_production" and not self.has_changes_awaiting_production:
            return _l("No order change notice is awaiting the production manager's "
                      "confirmation: the business manager confirms first.")
        return None

    def after_transition(self, name: str, user) -> None:
        for change in self.order_changes:
            if name == "confirm_changes" and change.status == "pending":
                change.status = "business_confirmed"
                change.business_confirmed_by_id = user.id
                change.business_confirmed_at = utcnow()
            elif name == "confirm_changes_production" \
                    and change.status == "business_confirmed":
                change.status = "confirmed"
                change.confirmed_by_id = user.id
                change.confirmed_at = utcnow()

    def problems(self) -> list:
        found = []
        aspects = [review.aspect for review in self.reviews]
        twice = sorted({a for a in aspects if aspects.count(a) > 1})
        if twice:
            found.append(_l("%(field)s: one opinion per aspect (given twice: %(aspects)s).",
                            field=_l("Review opinions"),
                            aspects=", ".join(str(REVIEW_ASPECTS.get(a, a)) for a in twice)))
        for change in self.order_changes:
            found.extend(change.problems(self))
        session = object_session(self)
        if session is not None and any(
                isinstance(obj, OrderChange) and obj.contract_id == self.id
                and obj.status in OrderChange.kept_statuses for obj in session.deleted):
            found.append(_l("%(field)s: a confirmed notice is kept; it cannot be removed.",
                            field=_l("Order change notices")))
        return found


class ContractReview(db.Model):
    """A written review opinion (合同评审) from production, quality or materials.

    Reached only through its contract, whose scope and level it shares.
    """

    __tablename__ = "contract_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = foreign_key("contract.id", _l("Contract"), nullable=False,
                                           ondelete="CASCADE")
    contract = relationship("Contract", back_populates="reviews")
    aspect: Mapped[str] = code_column(REVIEW_ASPECTS, _l("Aspect"))
    opinion: Mapped[str] = mapped_column(Text, info={"label": _l("Opinion")})
    reviewer: Mapped[str] = mapped_column(String(60), info={"label": _l("Reviewer")})
    reviewed_on: Mapped[date] = mapped_column(default=date.today,
                                              info={"label": _l("Reviewed on")})
    recorded_by_id: Mapped[int | None] = foreign_key("app_user.id",
                                                     _l("Review opinion recorded by"))

    #: Stamped with the user who last wrote the row in the contract's form: a review's
    #: author may not approve the quote (``Contract`` step ``approve_quote``).
    writer_stamp = "recorded_by_id"

    __table_args__ = (sa.UniqueConstraint("contract_id", "aspect"),)


class OrderChange(db.Model):
    """An order change notice (订单修正通知单) on a signed contract."""

    __tablename__ = "order_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = foreign_key("contract.id", _l("Contract"), nullable=False,
                                           ondelete="CASCADE")
    contract = relationship("Contract", back_populates="order_changes")
    reason: Mapped[str] = mapped_column(Text, info={"label": _l("Reason")})
    content: Mapped[str] = mapped_column(Text, info={"label": _l("Content of the change")})
    status: Mapped[str] = code_column(ORDER_CHANGE_STATUSES, _l("Status"), default="pending")
    business_confirmed_by_id: Mapped[int | None] = foreign_key(
        "app_user.id", _l("Confirmed by the business manager"))
    business_confirmed_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Confirmed by the business manager at")})
    confirmed_by_id: Mapped[int | None] = foreign_key(
        "app_user.id", _l("Confirmed by the production manager"))
    confirmed_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Confirmed by the production manager at")})
    created_at: Mapped[datetime] = mapped_column(default=utcnow,
                                                 info={"label": _l("Created at")})
    recorded_by_id: Mapped[int | None] = foreign_key("app_user.id",
                                                     _l("Order change recorded by"))

    #: Stamped with the user who last wrote the notice in the contract's form: they may
    #: not confirm it (``Contract`` action ``confirm_changes``).
    writer_stamp = "recorded_by_id"

    kept_statuses: tuple[str, ...] = ("business_confirmed", "confirmed")
    """Once the business manager confirmed a notice, it is what the production manager
    confirms: its text no longer changes and it is not removed."""

    def __str__(self) -> str:
        return f"{self.reason[:40] if self.reason else ''}"

    def problems(self, contract) -> list:
        """A notice changes a signed contract; once confirmed it is kept as it is."""
        label = _l("Order change notices")
        state = sa.inspect(self)
        if self.id is None and contract.status not in contract.changeable_statuses:
            return [_l("%(field)s: only a signed contract takes change notices; change a "
                       "contract that is not signed yet directly.", field=label)]
        committed = state.attrs.status.history.deleted or [self.status]
        if self.id is not None and committed[0] in self.kept_statuses and any(
                state.attrs[name].history.has_changes() for name in ("reason", "content")):
            return [_l("%(field)s: a confirmed notice cannot be changed; add a new one.",
                       field=label)]
        return []
