"""Satisfaction survey campaigns (客户满意度调查): once a year (001 篇4 第十二条 每年组织进行一次
客户满意度调查; 002 3.2), one questionnaire, the customers asked, a due date.

Launching the campaign makes one answer sheet (``models/survey_response.py``) per
customer of the chosen grades that the launching user may see; staff enter each sheet
from paper or the phone. The campaign's page shows the analysis (满意度分析, 001 篇5/6
第五条(五)): average score per question, by customer grade, region, product and
surveying department, and the lowest items, which the improvement plan (服务改进方案,
``models/improvement_plan.py``) takes up.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from .base import Model
from .choices import GRADES
from .mixins import BusinessRecord, foreign_key
from .workflow import Stateful, Transition

CAMPAIGN_STATUSES = {"draft": _l("Being prepared"), "running": _l("Survey running"),
                     "closed": _l("Survey completed")}


class SurveyCampaign(Stateful, BusinessRecord, Model):
    """A satisfaction survey (客户满意度调查) of one year."""

    __tablename__ = "survey_campaign"
    statuses = CAMPAIGN_STATUSES
    initial_status = "draft"
    lowest_items: int = 3
    """How many of the lowest-scoring questions the analysis names."""
    locked_from = {"*": "running", "remarks": "closed", "level": None}
    transitions = (
        Transition("launch", _l("Launch: make the answer sheets"), ("draft",), "running",
                   stamps=("launched_by_id", "launched_at")),
        Transition("close", _l("Close the survey"), ("running",), "closed",
                   stamps=("closed_by_id", "closed_at")),
    )
    computed = {"analysis": _l("Analysis")}

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(info={"label": _l("Year")})
    title: Mapped[str] = mapped_column(String(120), info={"label": _l("Title")})
    template_id: Mapped[int] = foreign_key("survey_template.id", _l("Questionnaire"),
                                           nullable=False)
    template = relationship("SurveyTemplate", info={"label": _l("Questionnaire")})
    grades: Mapped[str | None] = mapped_column(
        String(20), info={"label": _l("Customer grades asked"), "choices": GRADES,
                          "multiple": True})
    due_date: Mapped[date] = mapped_column(info={"label": _l("Answers due by")})
    remarks: Mapped[str | None] = mapped_column(Text, info={"label": _l("Remarks")})
    launched_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Launched by"))
    launched_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Launched at")})
    closed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Closed by"))
    closed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Closed at")})

    class Admin:
        label = _l("Satisfaction survey")
        label_plural = _l("Satisfaction surveys")
        list_columns = ("year", "title", "template", "due_date", "status", "level")
        search = ("title",)
        filters = ("status", "year", "department", "level")
        form_columns = ("year", "title", "template", "grades", "due_date", "remarks",
                        "department", "level")
        default_sort = ("created_at", True)
        lookup_fields = ("title",)

    def __str__(self) -> str:
        return f"{self.year} {self.title}" if self.title else str(_l("(new survey)"))

    def problems(self) -> list:
        found = []
        if self.year is not None and not 2000 <= self.year <= 2099:
            found.append(_l("%(field)s: enter a year between %(first)s and %(last)s.",
                            field=_l("Year"), first=2000, last=2099))
        if self.due_date is not None and self.year is not None \
                and self.due_date.year < self.year:
            found.append(_l("%(field)s: cannot be before the survey's year.",
                            field=_l("Answers due by")))
        template = self.template
        if template is not None and template.status != "in_use":
            found.append(_l("%(field)s: put the questionnaire in use first (its questions "
                            "are then fixed).", field=_l("Questionnaire")))
        return found

    def check_transition(self, name: str, user):
        if name == "launch" and not (self.grades or "").split():
            return _l("%(field)s: choose at least one grade.", field=_l("Customer grades asked"))
        return None

    def after_transition(self, name: str, user) -> None:
        if name == "launch":
            self.make_answer_sheets()

    def make_answer_sheets(self) -> int:
        """One answer sheet per customer of the chosen grades the launching user sees
        (the session's visibility rules apply), who has none in this survey yet."""
        from .customer import Customer
        from .survey_response import SurveyResponse

        session = object_session(self)
        asked = sa.select(SurveyResponse.customer_id).where(
            SurveyResponse.campaign_id == self.id)
        customers = session.scalars(sa.select(Customer).where(
            Customer.grade.in_((self.grades or "").split()),
            Customer.id.not_in(asked)).order_by(Customer.code)).all()
        for customer in customers:
            session.add(SurveyResponse(campaign=self, customer=customer,
                                       department_id=self.department_id,
                                       due_date=self.due_date, level=customer.level,
                                       created_at=self.launched_at,
                                       updated_at=self.launched_at))
        return len(customers)

    # -- the analysis --------------------------------------------------------------------
    @property
    def analysis(self) -> Analysis | None:
        """Averages of the entered answers the reader may see, on a 100 scale."""
        from .customer import Customer
        from .department import Department
        from .survey_response import SurveyResponse, SurveyScore

        session = object_session(self)
        if session is None or self.id is None:
            return None
        rows = session.execute(
            sa.select(SurveyScore.position, SurveyScore.question, SurveyScore.scale,
                      SurveyScore.score, Customer.grade, Customer.region,
                      SurveyResponse.product, Department.name)
            .join(SurveyResponse, SurveyScore.response_id == SurveyResponse.id)
            .join(Customer, SurveyResponse.customer_id == Customer.id)
            .join(Department, SurveyResponse.department_id == Department.id)
            .where(SurveyResponse.campaign_id == self.id,
                   SurveyResponse.status == "entered", SurveyScore.score.is_not(None))
        ).all()
        return Analysis.of(rows, self.lowest_items) if rows else None


def on_hundred(scale: str, score: int) -> float:
    """A score as a share of the scale's best, ×100 (five points: 4 → 80)."""
    from .survey_template import SCALE_VALUES
    best = SCALE_VALUES.get(scale, (100,))[0]
    return 100.0 * score / best


class Analysis(str):
    """The analysis as text (exports) that renders in HTML as tables."""

    DIMENSIONS = (("grade", _l("By grade")), ("region", _l("By region")),
                  ("product", _l("By product")), ("department", _l("By department")))

    @classmethod
    def of(cls, rows, lowest: int) -> Analysis:
        per_question = defaultdict(list)
        per_dimension = {key: defaultdict(list) for key, _label in cls.DIMENSIONS}
        for position, question, scale, score, grade, region, product, department in rows:
            value = on_hundred(scale, score)
            per_question[(position, question)].append(value)
            for key, group in zip(("grade", "region", "product", "department"),
                                  (grade, region, product, department), strict=True):
                per_dimension[key][group or "—"].append(value)

        def mean(values):
            return round(sum(values) / len(values), 1)
        questions = sorted(((p, q, mean(v), len(v)) for (p, q), v in per_question.items()))
        worst = sorted(questions, key=lambda item: (item[2], item[0]))[:lowest]
        groups = {key: sorted((name, mean(v), len(v)) for name, v in found.items())
                  for key, found in per_dimension.items()}
        text = "; ".join(f"{p}. {q}: {avg}" for p, q, avg, _n in questions)
        shown = super().__new__(cls, text)
        shown.questions, shown.worst, shown.groups = questions, worst, groups
        return shown

    def __html__(self) -> Markup:
        def table(caption, head, rows):
            cells = Markup("").join(
                Markup("<tr>") + Markup("").join(Markup("<td>{}</td>").format(c) for c in row)
                + Markup("</tr>") for row in rows)
            heads = Markup("").join(Markup("<th>{}</th>").format(h) for h in head)
            return Markup('<table class="table table-sm" data-analysis="{}"><caption>{}'
                          '</caption><tr>{}</tr>{}</table>').format(
                caption[0], caption[1], heads, cells)
        parts = [table(("questions", _l("Average per question (of 100)")),
                       (_l("No."), _l("Question"), _l("Average"), _l("Answers")),
                       self.questions),
                 table(("lowest", _l("Lowest items")), (_l("No."), _l("Question"),
                                                         _l("Average"), _l("Answers")),
                       self.worst)]
        for key, label in self.DIMENSIONS:
            parts.append(table((key, label), ("", _l("Average"), _l("Answers")),
                               self.groups[key]))
        return escape("") + Markup("").join(parts)

