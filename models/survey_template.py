"""Questionnaire templates (客户满意度调查问卷): the questions a satisfaction survey asks,
each with its scale (001 篇4 第十二条 编制客户满意度调查问卷; 004 第11条: the survey has
two parts, suggestions or complaints, and the customer's rating of the sales staff).

The scales are the regulations' own: the visit report's 100/90/85/80/70/60/50 (service
attitude also 30 "poor" and 0 "bad", 001 篇4 附件1), or five points. A question of kind
"rating of sales staff" names the person rated in each answer. Once put in use the
questions are fixed: answers already given refer to them.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, db
from .mixins import BusinessRecord, code_column, foreign_key
from .workflow import Stateful, Transition

SCALES = {"regulation": _l("100/90/85/80/70/60/50"),
          "service": _l("100/90/85/80/70/60/50, poor 30, bad 0"),
          "five": _l("5/4/3/2/1")}
#: The scores each scale allows, best first.
SCALE_VALUES = {"regulation": (100, 90, 85, 80, 70, 60, 50),
                "service": (100, 90, 85, 80, 70, 60, 50, 30, 0),
                "five": (5, 4, 3, 2, 1)}
QUESTION_KINDS = {"satisfaction": _l("Satisfaction"),
                  "sales_rating": _l("Rating of sales staff")}
TEMPLATE_STATUSES = {"draft": _l("Draft"), "in_use": _l("In use")}


def scale_problem(scale: str | None, score, field, where):
    """A score the question's scale does not have, as a message naming the field."""
    allowed = SCALE_VALUES.get(scale or "")
    if score is None or allowed is None or score in allowed:
        return None
    return _l("%(field)s (%(where)s): choose one of %(values)s.", field=field, where=where,
              values="/".join(str(v) for v in allowed))


class SurveyTemplate(Stateful, BusinessRecord, Model):
    """A questionnaire (客户满意度调查问卷) with its questions."""

    __tablename__ = "survey_template"
    statuses = TEMPLATE_STATUSES
    initial_status = "draft"
    line_items = "questions"
    locked_from = {"*": "in_use", "level": None}
    transitions = (
        Transition("put_in_use", _l("Put in use"), ("draft",), "in_use",
                   stamps=("put_in_use_by_id", "put_in_use_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), info={"label": _l("Questionnaire")})
    remarks: Mapped[str | None] = mapped_column(Text, info={"label": _l("Remarks")})
    put_in_use_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Put in use by"))
    put_in_use_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Put in use at")})
    questions = relationship("SurveyQuestion", back_populates="template",
                             cascade="all, delete-orphan",
                             order_by="SurveyQuestion.position",
                             info={"label": _l("Questions")})

    class Admin:
        label = _l("Questionnaire")
        label_plural = _l("Questionnaires")
        list_columns = ("name", "status", "department", "level")
        search = ("name",)
        filters = ("status", "department", "level")
        form_columns = ("name", "remarks", "department", "level")
        inline = ("questions",)
        default_sort = ("created_at", True)
        lookup_fields = ("name",)

    def __str__(self) -> str:
        return self.name or str(_l("(new questionnaire)"))

    def problems(self) -> list:
        found = []
        positions = [q.position for q in self.questions if q.position is not None]
        if len(positions) != len(set(positions)):
            found.append(_l("%(field)s: each question has a number of its own.",
                            field=_l("No.")))
        return found

    def check_transition(self, name: str, user):
        if name == "put_in_use" and not self.questions:
            return _l("%(field)s: add at least one question first.", field=_l("Questions"))
        return None


class SurveyQuestion(db.Model):
    """One question of a questionnaire."""

    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = foreign_key("survey_template.id", _l("Questionnaire"),
                                           nullable=False, ondelete="CASCADE")
    template = relationship("SurveyTemplate", back_populates="questions")
    position: Mapped[int] = mapped_column(info={"label": _l("No.")})
    text: Mapped[str] = mapped_column(String(200), info={"label": _l("Question")})
    kind: Mapped[str] = code_column(QUESTION_KINDS, _l("Question kind"),
                                    default="satisfaction")
    scale: Mapped[str] = code_column(SCALES, _l("Scale"), default="regulation")

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"
