"""Answer sheets of a satisfaction survey (客户满意度调查表): one per customer asked,
entered by staff from the paper form, the phone call, the e-mail or fax or the
interview (001 篇4 第十二条 通过电话、邮件、传真、面对面交流等方式开展调查), with a score per
question on its scale, the person rated for a "rating of sales staff" question (004
第11条 对业务人员的评价), and the customer's suggestions or complaints (建议或抱怨).

A sheet is as confidential as its customer: whoever may not see the customer sees
neither the sheet nor its scores, and cannot write one.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, db
from .mixins import BusinessRecord, code_column, foreign_key
from .numbering import local_date_of
from .service_clock import highest_level
from .service_request import customer_of
from .survey_template import QUESTION_KINDS, SCALES, scale_problem
from .workflow import DueByDate, Stateful, Transition

RESPONSE_STATUSES = {"due": _l("Answer due"), "entered": _l("Answer entered")}
SURVEY_CHANNELS = {"paper": _l("Paper questionnaire"), "phone": _l("Phone"),
                   "email": _l("E-mail"), "fax": _l("Fax"), "interview": _l("Interview")}


class SurveyResponse(DueByDate, Stateful, BusinessRecord, Model):
    """One customer's answer sheet of a satisfaction survey."""

    __tablename__ = "survey_response"
    number_format = "DC{yymm}{serial:04d}"
    level_follows = "customer"
    """As confidential as the customer it is about."""
    statuses = RESPONSE_STATUSES
    initial_status = "due"
    due_statuses = ("due",)
    line_items = "scores"
    locked_from = {"*": "entered", "level": None, "due_date": None}
    transitions = (
        Transition("enter", _l("Answers entered"), ("due",), "entered",
                   requires=("answered_on", "channel"),
                   stamps=("entered_by_id", "entered_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(16), unique=True, info={"label": _l("Sheet number"), "readonly": True})
    campaign_id: Mapped[int] = foreign_key("survey_campaign.id", _l("Satisfaction survey"),
                                           nullable=False)
    campaign = relationship("SurveyCampaign", info={"label": _l("Satisfaction survey")})
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    due_date: Mapped[date | None] = mapped_column(
        info={"label": _l("Answers due by"), "readonly": True})
    product: Mapped[str | None] = mapped_column(String(120), info={"label": _l("Product")})
    respondent: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Respondent")})
    channel: Mapped[str | None] = code_column(SURVEY_CHANNELS, _l("Survey channel"),
                                              nullable=True)
    answered_on: Mapped[date | None] = mapped_column(info={"label": _l("Answered on")})
    opinion: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Suggestions or complaints")})
    entered_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Entered by"))
    entered_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Entered at")})
    scores = relationship("SurveyScore", back_populates="response",
                          cascade="all, delete-orphan", order_by="SurveyScore.position",
                          info={"label": _l("Scores")})

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "customer_id"),
        sa.Index("ix_survey_response_open_due", "due_date",
                 sqlite_where=sa.text("status = 'due'"),
                 postgresql_where=sa.text("status = 'due'")),
    )

    class Admin:
        label = _l("Survey answer sheet")
        label_plural = _l("Survey answer sheets")
        list_columns = ("number", "campaign", "customer", "product", "due_date", "status",
                        "level")
        search = ("number", "respondent", "product", "opinion")
        filters = ("status", "channel", "due_date", "department", "level")
        form_columns = ("campaign", "customer", "product", "respondent", "channel",
                        "answered_on", "opinion", "department")
        create_columns = ("campaign", "customer", "product", "department")
        inline = ("scores",)
        default_sort = ("created_at", True)
        lookup_fields = ("number", "respondent")

    def __str__(self) -> str:
        return self.number or str(_l("(new answer sheet)"))

    def derive(self) -> None:
        """A new sheet gets one score line per question of the survey's questionnaire;
        it is due when the survey is, and as confidential as its customer."""
        campaign = customer_of(self, "campaign")
        if campaign is not None:
            self.due_date = campaign.due_date
            template = campaign.template
            if not self.scores and template is not None and sa.inspect(self).pending:
                self.scores = [SurveyScore(position=q.position, question=q.text,
                                           kind=q.kind, scale=q.scale)
                               for q in template.questions]
        customer = customer_of(self)
        if customer is not None:
            self.level = highest_level(customer.level,
                                       campaign.level if campaign is not None else None)

    def problems(self) -> list:
        found = []
        if self.answered_on is not None and self.answered_on > local_date_of(None):
            found.append(_l("%(field)s: cannot be in the future.", field=_l("Answered on")))
        for number, line in enumerate(self.scores, start=1):
            found.extend(line.problems(number))
        return found

    def check_transition(self, name: str, user):
        if name == "enter" and not any(line.score is not None for line in self.scores):
            return _l("%(field)s: enter the customer's scores first.", field=_l("Scores"))
        return None


class SurveyScore(db.Model):
    """One question's score on an answer sheet (copied from the questionnaire, so the
    sheet keeps what was asked)."""

    __tablename__ = "survey_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = foreign_key("survey_response.id", _l("Survey answer sheet"),
                                           nullable=False, ondelete="CASCADE")
    response = relationship("SurveyResponse", back_populates="scores")
    position: Mapped[int] = mapped_column(info={"label": _l("No.")})
    question: Mapped[str] = mapped_column(String(200), info={"label": _l("Question")})
    kind: Mapped[str] = code_column(QUESTION_KINDS, _l("Question kind"),
                                    default="satisfaction")
    scale: Mapped[str] = code_column(SCALES, _l("Scale"), default="regulation")
    score: Mapped[int | None] = mapped_column(info={"label": _l("Score")})
    rated_person: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Person rated")})
    remark: Mapped[str | None] = mapped_column(String(200), info={"label": _l("Remark")})

    def problems(self, number: int) -> list:
        where = _l("line %(number)s", number=number)
        found = []
        wrong = scale_problem(self.scale, self.score, _l("Score"), where)
        if wrong:
            found.append(wrong)
        if self.kind == "sales_rating" and self.score is not None \
                and not (self.rated_person or "").strip():
            found.append(_l("%(field)s (%(where)s): name the sales person rated.",
                            field=_l("Person rated"), where=where))
        return found
