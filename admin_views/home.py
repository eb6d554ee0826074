"""The home page: what the user may see, and what waits for them.

Every figure is counted through ``visible()``, so no figure reveals a record above
the user's clearance or outside their scope. Each to-do item links to the model's
list filtered to the records it counts, so a click shows exactly what the figure
counted. All figures come from one SQL statement (one scalar subquery each): the
page asks for a dozen of them and stays within its query budget.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla.filters import (
    DateEqualFilter,
    DateSmallerFilter,
    EnumEqualFilter,
    EnumFilterNotEqual,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import (
    REGISTRY,
    AccountChange,
    Complaint,
    MonthlyReview,
    Reminder,
    TimelinessInquiry,
)
from models.monthly_review import review_due
from permissions import can, visible
from permissions.core import today
from permissions.frozen import remembered_rows
from permissions.scoping import actor, remembered, scoped
from reports.home import report_review_todos

from .performance import COUNT_CAP, CappedCount, capped_count_select
from .recent import recent_records
from .work_queue import home_lists


@dataclass
class Figure:
    """One count on the home page: the user's visible rows of ``model`` meeting
    ``criteria``; ``count`` is filled in by ``fill_counts``."""

    key: str
    """Stable name, for tests and styling (``data-table`` / ``data-todo``)."""
    label: object
    url: str
    model: type
    criteria: tuple = ()
    urgent: bool = False
    """Shown as a warning when the count is not zero."""
    count: int = field(default=0)
    counted: bool = True
    """False: an item whose ``count`` is set by its source (a review due), not counted."""


def fill_counts(figures: list[Figure], day) -> None:
    """Count every figure in a single statement, each capped like the list pager
    ("500+"): a figure costs the same at ten thousand and at a million rows.

    Building that statement (the user's ``visible`` and each figure's criteria, some
    sixty clauses) cost more than running it, so it is remembered like the user's
    loader criteria (``permissions.scoping.remembered``: per principal, Shanghai date,
    grants in force, settings generation), and under the day the figures were built
    for, their keys and the cap. Everything it embeds is a function of these: the
    criteria read the day, the user and the settings; the one moment (a service
    request's or work order's hours, ``models.service_clock.moment_param``) is a
    parameter taken each time it runs. The same statement object also keeps
    SQLAlchemy's cache key.
    """
    figures = [f for f in figures if f.counted]
    if not figures:
        return
    kind = ("home-counts", day, COUNT_CAP, tuple(f.key for f in figures))
    statement = remembered(kind, actor(), lambda user: _counts_statement(user, figures))
    (counts,) = remembered_rows(statement)
    for figure, count in zip(figures, counts, strict=True):
        figure.count = CappedCount(count, COUNT_CAP)


def _counts_statement(user, figures: list[Figure]):
    """One SELECT of a capped count (a scalar subquery) per figure."""
    clauses = {}  # one visible() per model: a model counted by several figures
    for figure in figures:
        if figure.model not in clauses:
            clauses[figure.model] = visible(user, figure.model)
    return scoped(sa.select(*(
        capped_count_select(sa.select(f.model.id).where(clauses[f.model], *f.criteria),
                            COUNT_CAP).scalar_subquery().label(f"n{index}")
        for index, f in enumerate(figures))), user)


def cards() -> list[Figure]:
    """Per record type the user may list: how many they can see."""
    return [Figure(table, model.Admin.label_plural, url_for(f"{table}.index_view"), model)
            for table, model in REGISTRY.items() if can(actor(), "list", model)]


def list_url(admin, model, *conditions) -> str:
    """The model's list filtered by ``(column, filter class, value)`` conditions.

    The filter arguments are looked up in the view's own filter table, so the URL
    follows whatever filters the generator gave the view. A condition the view has no
    filter for is left out rather than failing the home page (the tests compare each
    figure with the length of its list, so such a gap does not go unnoticed).
    """
    view = next(v for v in admin._views if getattr(v, "model", None) is model)
    filters = (view._filter_args or {}).items()
    args = {}
    for position, (column, kind, value) in enumerate(conditions):
        for key, (_index, flt) in filters:
            if getattr(flt.column, "key", None) == column and type(flt) is kind:
                args[f"flt{position}_{key}"] = value
                break
    return url_for(f"{view.endpoint}.index_view", **args)


def complaint_todos(admin, day) -> list[Figure]:
    """Approvals waiting for this user, overdue complaints, today's reminders."""
    user, todos = actor(), []
    approvals = [t for t in Complaint.transitions
                 if t.target == "approved" and can(user, t.name, Complaint)]
    if approvals:
        waiting = sa.or_(*(sa.and_(Complaint.status.in_(t.source),
                                   *(getattr(Complaint, f) == v for f, v in t.when))
                           for t in approvals))
        conditions = [("status", EnumEqualFilter, "handling_proposed")]
        if len(approvals) == 1:  # e.g. a supervisor approves general complaints only
            conditions += [(name, EnumEqualFilter, value) for name, value in approvals[0].when]
        todos.append(Figure("complaint-approvals", _l("Complaints waiting for my approval"),
                            list_url(admin, Complaint, *conditions), Complaint, (waiting,),
                            urgent=True))
    if can(user, "list", Complaint):
        todos.append(Figure("complaint-overdue", _l("Overdue complaints"), list_url(
            admin, Complaint, ("status", EnumFilterNotEqual, "closed"),
            ("effective_due_date", DateSmallerFilter, day.isoformat())),
            Complaint, (Complaint.late_clause(day),), urgent=True))
    if can(user, "list", Reminder):
        todos.append(Figure("reminders-today", _l("Reminders issued today"), list_url(
            admin, Reminder, ("day", DateEqualFilter, day.isoformat())),
            Reminder, (Reminder.day == day,)))
    return todos


def running_status_filter(deadline) -> tuple:
    """A list condition on the status that, with "step due date before today", keeps
    exactly this clock's records (only a running clock has a step due date)."""
    others = {s for d in Complaint.step_deadlines if d is not deadline for s in d.running}
    if len(deadline.running) == 1:
        return ("status", EnumEqualFilter, deadline.running[0])
    if len(others) == 1:
        return ("status", EnumFilterNotEqual, others.pop())
    return ()


def step_deadline_todos(admin, day) -> list[Figure]:
    """Per step clock of complaints (``Complaint.step_deadlines``), for the role that
    delivers the step (may fire one of its ``met_by`` steps): how many are late. The
    link filters the list on the running step's due date and its status."""
    user, todos = actor(), []
    for deadline in Complaint.step_deadlines:
        if not any(can(user, name, Complaint) for name in deadline.met_by):
            continue
        status = running_status_filter(deadline)
        todos.append(Figure(f"complaint-step-{deadline.key}",
                            _l("Late: %(step)s", step=deadline.label), list_url(
                                admin, Complaint, ("step_due_date", DateSmallerFilter,
                                                   day.isoformat()),
                                *filter(None, [status])),
                            Complaint, (Complaint.step_late_clause(day, deadline.key),),
                            urgent=True))
    return todos


def late_todos(admin, day) -> list[Figure]:
    """Every other record type that declares deadlines (``late_clause``): how many of its
    records the user can see are late; the link is the list's own ``?late=1`` filter,
    which applies the same clause."""
    todos = []
    for table, model in REGISTRY.items():
        late = getattr(model, "late_clause", None)
        clause = late(day) if late is not None and model is not Complaint else None
        if clause is None or not can(actor(), "list", model):
            continue
        todos.append(Figure(f"{table}-late", _l("Late: %(records)s",
                                                 records=model.Admin.label_plural),
                            url_for(f"{table}.index_view", late=1), model, (clause,),
                            urgent=True))
    return todos


def account_change_todos(admin, day) -> list[Figure]:
    """For the GM office: account changes an administrator may not make alone, waiting
    for its approval (models/account_change.py)."""
    if not can(actor(), "approve", AccountChange):
        return []
    return [Figure("account-changes", _l("Account changes waiting for approval"),
                   list_url(admin, AccountChange, ("status", EnumEqualFilter, "pending")),
                   AccountChange, (AccountChange.status == "pending",), urgent=True)]


def inquiry_todos(admin, day) -> list[Figure]:
    """洽办单 waiting for this user's step: the department's answer, the GM office's
    review."""
    todos = []
    for step in TimelinessInquiry.transitions:
        if not can(actor(), step.name, TimelinessInquiry):
            continue
        status = step.source[0]
        todos.append(Figure(f"timeliness-inquiry-{step.name}", _l(
            "Timeliness inquiries: %(action)s", action=step.label), list_url(
                admin, TimelinessInquiry, ("status", EnumEqualFilter, status)),
            TimelinessInquiry, (TimelinessInquiry.status == status,), urgent=True))
    return todos


def monthly_review_todos(admin, day) -> list[Figure]:
    """For whoever writes the monthly review (the GM office): last month's review is
    due by the 10th, shown until a review of that month is marked reviewed. The link
    opens the review of that month if one was started, else a new one (its month
    defaults to last month)."""
    if not can(actor(), "create", MonthlyReview):
        return []
    owed = review_due(day)
    if owed is None:
        return []
    month, started = owed
    url = url_for("monthly_review.details_view", id=started) if started else \
        url_for("monthly_review.create_view")
    due = month.replace(year=month.year + month.month // 12,
                        month=month.month % 12 + 1, day=MonthlyReview.due_day)
    return [Figure("monthly-review-due", _l(
        "Review of %(month)s's closed complaints: due by %(day)s",
        month=month.strftime("%Y-%m"), day=due.isoformat()), url, MonthlyReview,
        urgent=True, count=1, counted=False)]


#: Functions ``(admin, today) -> [Figure]`` whose items the home page lists, in order.
TODO_SOURCES = [complaint_todos, step_deadline_todos, inquiry_todos, monthly_review_todos,
                account_change_todos, late_todos]
from .visit_todos import visit_todos  # noqa: E402  (imports this module's Figure)

TODO_SOURCES.append(visit_todos)
TODO_SOURCES.append(report_review_todos)  # periodic reports due for review (reports/home.py)
from .service_todos import follow_up_todos  # noqa: E402  (issue 14: 回访 due)

TODO_SOURCES.append(follow_up_todos)


class HomeView(AdminIndexView):
    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        return None

    @expose("/")
    def index(self):
        day = today()
        todos = [todo for source in TODO_SOURCES for todo in source(self.admin, day)]
        figures = cards()
        fill_counts([*todos, *figures], day)
        queue, mine = home_lists(day)
        return self.render("admin/home.html", cards=figures, todos=todos, queue=queue,
                           mine=mine)

    def recent(self) -> dict:
        """最近查看 / 最近修改, asked by the page's own block (``admin/home_recent.html``)."""
        return recent_records()
