"""Service improvement plans (服务改进方案): what a satisfaction survey's lowest items lead
to (001 篇4 第十三条 满意度调查结束后，应根据满意度调查中呈现出来的问题，制定服务改进方案，提交公司
领导审阅).

Raised from the survey's page (one click, linked, listed there with its state): the
item found wanting, the measure, the owner department and person, the due date. The GM
office reviews it (公司领导审阅); the owner reports it done. A reviewed plan not done by
its due date is late.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .mixins import BusinessRecord, foreign_key
from .service_clock import highest_level
from .service_request import customer_of
from .workflow import DueByDate, Stateful, Transition

PLAN_STATUSES = {"proposed": _l("Proposed"), "reviewed": _l("Reviewed by the management"),
                 "done": _l("Done")}


class ImprovementPlan(DueByDate, Stateful, BusinessRecord, Model):
    """A service improvement plan (服务改进方案) after a satisfaction survey."""

    __tablename__ = "improvement_plan"
    statuses = PLAN_STATUSES
    initial_status = "proposed"
    due_statuses = ("reviewed",)
    """Reviewed and being carried out until done."""
    raised_from = {"campaign": ()}
    raised_from_label = _l("Propose a service improvement plan")
    raised_from_statuses = {"campaign": ("running", "closed")}
    listed_on_source = True
    locked_from = {"*": "reviewed", "result": "done", "level": None}
    transitions = (
        Transition("review", _l("Reviewed by the management"), ("proposed",), "reviewed",
                   stamps=("reviewed_by_id", "reviewed_at")),
        Transition("complete", _l("Report done"), ("reviewed",), "done",
                   requires=("result",), stamps=("done_at",)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = foreign_key("survey_campaign.id", _l("Satisfaction survey"),
                                           nullable=False)
    campaign = relationship("SurveyCampaign", info={"label": _l("Satisfaction survey")})
    item: Mapped[str] = mapped_column(String(200), info={"label": _l("Item found wanting")})
    measure: Mapped[str] = mapped_column(Text, info={"label": _l("Improvement measure")})
    responsible_department_id: Mapped[int | None] = foreign_key(
        "department.id", _l("Owner department"))
    responsible_department = relationship(
        "Department", foreign_keys=[responsible_department_id],
        info={"label": _l("Owner department")})
    responsible_person: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Owner")})
    due_date: Mapped[date | None] = mapped_column(info={"label": _l("Due date")})
    result: Mapped[str | None] = mapped_column(Text, info={"label": _l("Result")})
    reviewed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Reviewed by"))
    reviewed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Reviewed at")})
    done_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Done at")})

    __table_args__ = (
        sa.Index("ix_improvement_plan_open_due", "due_date",
                 sqlite_where=sa.text("status = 'reviewed'"),
                 postgresql_where=sa.text("status = 'reviewed'")),
    )

    class Admin:
        label = _l("Service improvement plan")
        label_plural = _l("Service improvement plans")
        list_columns = ("campaign", "item", "responsible_department", "responsible_person",
                        "due_date", "status", "level")
        search = ("item", "measure", "responsible_person")
        filters = ("status", "due_date", "department", "level")
        form_columns = ("campaign", "item", "measure", "responsible_department",
                        "responsible_person", "due_date", "department", "level")
        default_sort = ("created_at", True)
        lookup_fields = ("item",)

    def __str__(self) -> str:
        return self.item or str(_l("(new improvement plan)"))

    def derive(self) -> None:
        campaign = customer_of(self, "campaign")
        if campaign is not None:
            self.level = highest_level(self.level, campaign.level)

    def problems(self) -> list:
        if self.responsible_department is None and self.responsible_department_id is None \
                and not (self.responsible_person or "").strip():
            return [_l("%(a)s or %(b)s: name at least one.", a=_l("Owner department"),
                       b=_l("Owner"))]
        return []
