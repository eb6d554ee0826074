"""Archive files (客户档案 and 项目文档): transferred to the archive room, lent,
re-classified on request, superseded but never deleted.

A file belongs to a customer (一户一档, 001 篇7 5.1.2), or, as a project file, to a project
and no customer (5.8: 非针对具体业主的资料, 按项目分类保存). A customer's file may name
the project and the property (具体房号) it is about; its archive number is then made of
them (5.10.1). Numbers are the system's: see ``numbering_format``."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, db
from .choices import ARCHIVE_CATEGORIES, ARCHIVE_STATUSES, LEVELS, RETENTIONS
from .levels import rank
from .mixins import BusinessRecord, code_column, foreign_key, utcnow
from .numbering import own_number
from .workflow import Stateful, Transition

#: Cross-references (参照) between files of one customer with several properties or cases.
archive_reference = db.Table(
    "archive_reference",
    sa.Column("from_id", sa.ForeignKey("archive_file.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("to_id", sa.ForeignKey("archive_file.id", ondelete="CASCADE"),
              primary_key=True, index=True),
)


class ArchiveFile(Stateful, BusinessRecord, Model):
    """An archive file of a customer (客户档案) or of a project (项目文档). Never deleted,
    only superseded."""

    __tablename__ = "archive_file"
    number_format: str = "DA{yyyy}{serial:05d}"
    """档号 of a file that names no property: ``DA2026`` and the year's serial
    (DA202600001). The numbers given before projects and properties existed stay."""
    property_number_format: str = "{project}-{property}-{serial:02d}"
    """档号 of a file about one property of a project (5.10.1 客户文档的编号规则：'具体房号'，
    按项目实际命名房号表示，各公司自行编号的形式必须一致): the project's code, the
    property number as the company writes it (苑名、栋号、单元号、房间号), then the
    file's serial among that property's files (a sales file, a maintenance file…):
    ``XM001-3栋1单元1501-01``. May use ``{project}``, ``{property}`` (both required),
    ``{serial}``, ``{yy}``, ``{yyyy}``, ``{yymm}``; checked at start-up
    (``number_format_problem``)."""
    project_number_format: str = "{project}-WD{serial:03d}"
    """档号 of a project file (项目文档), which belongs to no customer and no property
    (5.8.1 按项目分类保存): the project's code and the serial of its project files,
    ``XM001-WD001``. May use
    ``{project}`` (required), ``{serial}`` and the date parts."""
    number_formats = {"number_format": (), "property_number_format": ("project", "property"),
                      "project_number_format": ("project",)}
    """The patterns the start-up check validates, with the fields each must use."""
    project_categories: tuple[str, ...] = ("project_docs", "major_event", "lease", "other")
    """Categories a project file may have: 5.8.1 项目常规资料, 5.8.2 重大投诉及事件专题
    (一事一档), 5.6.2 商铺出租报表、台帐 (lease), other. ``project_docs`` and
    ``major_event`` are for project files only."""
    #: Scans / recordings can be attached (served only through the record's checks).
    attachments_allowed = True
    statuses = ARCHIVE_STATUSES
    initial_status = "with_department"
    locked_from = {
        # What the department handed over is what the archive room keeps; the level
        # changes through the level-change steps (or by the GM office's own edit).
        "*": "transferred",
        "level": None,
        # Where it lies and how it relates to other files is kept up to date in the room.
        "room": "superseded", "cabinet": "superseded", "shelf": "superseded",
        "references": "superseded", "description": "superseded",
    }
    transitions = (
        Transition("transfer", _l("Transfer to archive room"), ("with_department",),
                   "transferred", stamps=("transferred_on",)),
        Transition("receive", _l("Receive into archive room"), ("transferred",),
                   "in_archive", requires=("room", "cabinet", "shelf")),
        Transition("supersede", _l("Mark superseded"),
                   ("with_department", "transferred", "in_archive"), "superseded",
                   requires=("superseded_reason",)),
    )
    #: A level change: a supervisor asks, the GM office decides, each with a reason.
    actions = (
        Transition("request_level_change", _l("Ask for a level change"),
                   ("with_department", "transferred", "in_archive", "on_loan"), None,
                   requires=("requested_level", "level_change_reason"),
                   stamps=("level_requested_by_id", "level_requested_at"),
                   guard="no_level_request_pending"),
        Transition("change_level", _l("Change the level as asked"),
                   ("with_department", "transferred", "in_archive", "on_loan"), None,
                   requires=("requested_level", "level_decision_reason"),
                   stamps=("level_decided_by_id", "level_decided_at"),
                   guard="level_request_pending"),
        Transition("refuse_level_change", _l("Refuse the level change"),
                   ("with_department", "transferred", "in_archive", "on_loan"), None,
                   requires=("level_decision_reason",),
                   stamps=("level_decided_by_id", "level_decided_at"),
                   guard="level_request_pending"),
    )

    floor_level: str = "internal"
    """客户资料密级统一定为公司C级 (001 篇7 5.1.5): a customer file is at this level by
    default and never below it. Any other level is the GM office's decision (whoever
    holds ``change_level``): on a new file anyone else gets the floor, and the level they
    chose is asked for as a level change, which the GM office decides."""
    customer_retention: str = "permanent"
    """客户资料属于公司永久保存的档案 (001 篇7 5.12.1): a customer's file is kept
    permanently. A project file, which belongs to no customer (5.8.1), is kept for the
    period chosen: permanent, 30 or 10 years."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(60), unique=True, info={"label": _l("Archive number"), "readonly": True})
    customer_id: Mapped[int | None] = foreign_key("customer.id", _l("Customer"))
    customer = relationship("Customer", info={"label": _l("Customer")})
    project_id: Mapped[int | None] = foreign_key("project.id", _l("Project"))
    project = relationship("Project", info={"label": _l("Project")})
    property_no: Mapped[str | None] = mapped_column(
        String(40), info={"label": _l("Property no.")})
    """The property the file is about, as the company writes it (苑名、栋号、单元号、
    房间号, 5.10.1); with the project, it makes the archive number."""
    category: Mapped[str] = code_column(ARCHIVE_CATEGORIES, _l("Category"), default="sales")
    title: Mapped[str] = mapped_column(String(200), info={"label": _l("Title")})
    retention: Mapped[str] = code_column(RETENTIONS, _l("Retention period"),
                                         default="permanent")
    room: Mapped[str | None] = mapped_column(String(30), info={"label": _l("Room")})
    cabinet: Mapped[str | None] = mapped_column(String(30), info={"label": _l("Cabinet")})
    shelf: Mapped[str | None] = mapped_column(String(30), info={"label": _l("Shelf")})
    transfer_due_on: Mapped[date | None] = mapped_column(
        info={"label": _l("Transfer due on")})
    transferred_on: Mapped[date | None] = mapped_column(
        info={"label": _l("Transferred on")})
    superseded_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Reason superseded")})
    description: Mapped[str | None] = mapped_column(Text, info={"label": _l("Description")})
    requested_level: Mapped[str | None] = code_column(LEVELS, _l("Level asked for"),
                                                      nullable=True)
    level_change_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Why the level should change")})
    level_requested_by_id: Mapped[int | None] = foreign_key("app_user.id",
                                                            _l("Level change asked by"))
    level_requested_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Level change asked at")})
    level_decision_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Level decision reason")})
    level_decided_by_id: Mapped[int | None] = foreign_key("app_user.id",
                                                          _l("Level decided by"))
    level_decided_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Level decided at")})
    references = relationship(
        "ArchiveFile", secondary=archive_reference,
        primaryjoin=lambda: ArchiveFile.id == archive_reference.c.from_id,
        secondaryjoin=lambda: ArchiveFile.id == archive_reference.c.to_id,
        info={"label": _l("Cross-references")})

    __table_args__ = (
        # A customer's file, or a project's file that belongs to no customer (5.8).
        sa.CheckConstraint("customer_id IS NOT NULL OR project_id IS NOT NULL",
                           name="customer_or_project"),
        sa.Index("ix_archive_file_status_due", "status", "transfer_due_on"),
        sa.Index("ix_archive_file_dept_status_due", "department_id", "status",
                 "transfer_due_on"),
    )

    class Admin:
        label = _l("Archive file")
        label_plural = _l("Archive files")
        list_columns = ("number", "title", "customer", "project", "category", "status",
                        "room", "cabinet", "shelf", "level")
        search = ("number", "title")
        filters = ("category", "status", "retention", "level", "department",
                   "transfer_due_on", "project")
        form_columns = ("customer", "project", "property_no", "category", "title",
                        "retention", "room", "cabinet", "shelf", "transfer_due_on",
                        "references", "description", "department", "level")
        default_sort = ("number", True)
        lookup_fields = ("number", "title")

    def __str__(self) -> str:
        return f"{self.number or ''} {self.title}".strip()

    # -- transfer deadline ---------------------------------------------------------
    @classmethod
    def late_clause(cls, today: date):
        return sa.and_(cls.status == "with_department", cls.transfer_due_on < today)

    def late_reason(self, today: date):
        if self.status == "with_department" and self.transfer_due_on \
                and self.transfer_due_on < today:
            return _l("Transfer overdue (due %(day)s)", day=self.transfer_due_on)
        return None

    # -- level change on request -----------------------------------------------------
    @property
    def level_request_pending(self) -> bool:
        return self.level_requested_at is not None and (
            self.level_decided_at is None or self.level_decided_at < self.level_requested_at)

    @property
    def no_level_request_pending(self) -> bool:
        return not self.level_request_pending

    def check_transition(self, name: str, user):
        if name in ("change_level", "refuse_level_change") and not self.level_request_pending:
            return _l("No level change has been asked for on this file.")
        if name == "request_level_change":
            if self.level_request_pending:
                return _l("A level change is already awaiting the GM office's decision.")
            if self.requested_level == self.level:
                return _l("%(field)s: choose a level other than the file's current one.",
                          field=_l("Level asked for"))
            if _rank(self.requested_level) < _rank(self.floor_level):
                if self.is_project_file:
                    return _l("%(field)s: an archive file is at least %(floor)s.",
                              field=_l("Level asked for"), floor=LEVELS[self.floor_level])
                return _l("%(field)s: a customer file is at least %(floor)s.",
                          field=_l("Level asked for"), floor=LEVELS[self.floor_level])
        if name == "change_level" and _rank(self.requested_level) > _rank(
                getattr(user, "clearance", None)):
            return _l("%(field)s: this level is above your clearance.",
                      field=_l("Level asked for"))
        return None

    def after_transition(self, name: str, user) -> None:
        if name == "change_level":
            self.level = self.requested_level  # its loans follow (Loan.level_follows)

    # -- customer file or project file -------------------------------------------------
    def _names(self, relation: str) -> bool:
        """Does the file name a ``relation`` (customer, project)? What was set on it since
        it was loaded (a form clears the record, not yet the foreign key), else its
        foreign key: no look-up, so a record the user may not see still counts."""
        history = sa.inspect(self).attrs[relation].history
        if history.added or history.deleted:
            return any(value is not None for value in history.added)
        return getattr(self, f"{relation}_id") is not None

    @property
    def is_project_file(self) -> bool:
        """A file of a project that belongs to no customer (5.8)."""
        return not self._names("customer")

    def numbering_format(self) -> str:
        """The pattern this file is numbered by (``models/numbering.py``): by property
        when it names one, by project when it is a project file, else the year serial."""
        has_project = self._names("project")
        if has_project and (self.property_no or "").strip():
            return self.property_number_format
        if has_project and self.is_project_file:
            return self.project_number_format
        return self.number_format

    def number_fields(self) -> dict[str, str]:
        """``{project}`` and ``{property}`` of the patterns. The project's code is read as
        the system (its number is the system's, whoever may see the project)."""
        # The project set on the file (a new one has its code by now: projects are
        # numbered first), else the project its key names, read past the user's view.
        code = getattr(sa.inspect(self).attrs.project.loaded_value, "code", None)
        if code is None and self.project_id is not None:
            table = sa.inspect(self).mapper.relationships["project"].mapper.local_table
            code = sa.inspect(self).session.connection().execute(
                sa.select(table.c.code).where(table.c.id == self.project_id)).scalar()
        return {"project": code or "", "property": (self.property_no or "").strip()}

    @classmethod
    def number_field_sizes(cls) -> dict[str, int]:
        """The longest ``{project}`` and ``{property}``, for the patterns' start-up check."""
        project = sa.inspect(cls).relationships["project"].mapper.local_table
        return {"project": project.c.code.type.length,
                "property": cls.__table__.c.property_no.type.length}

    def _project_numbered(self) -> bool:
        """Was the number made from the project (and property) it names?"""
        return any(own_number(pattern).fullmatch(self.number or "")
                   for pattern in (self.property_number_format, self.project_number_format))

    # -- the regulation's level floor and retention ------------------------------------
    def on_create(self, user, may):
        """A file asked at a level above the floor by someone who does not decide levels
        starts at the floor, with that level asked of the GM office."""
        if _rank(self.level) <= _rank(self.floor_level) or may("change_level"):
            return None
        asked = self.level
        self.level = self.floor_level
        self.requested_level = asked
        self.level_change_reason = self.level_change_reason or str(_l(
            "Asked for when the file was created."))
        self.level_requested_by_id = getattr(user, "id", None)
        self.level_requested_at = utcnow()
        if self.is_project_file:
            return _l("The file is kept at %(floor)s: archive files are company C. The "
                      "level you chose, %(asked)s, is asked of the GM office, which "
                      "decides it.", floor=LEVELS[self.floor_level], asked=LEVELS[asked])
        return _l("The file is kept at %(floor)s: customer files are company C. The level "
                  "you chose, %(asked)s, is asked of the GM office, which decides it.",
                  floor=LEVELS[self.floor_level], asked=LEVELS[asked])

    def _changed(self, field: str) -> bool:
        state = sa.inspect(self)
        return state.transient or state.pending or state.attrs[field].history.has_changes()

    def _kind_changed(self) -> bool:
        """Was the customer or the project set or changed (by the record a form sets, or
        by the key a script sets)?"""
        return any(self._changed(field) for field in
                   ("customer", "customer_id", "project", "project_id"))

    def problems(self) -> list:
        """Checked when the value is set, so a file recorded before the rule is refused
        nothing else until its level or retention is corrected."""
        found = []
        if self.level is not None and _rank(self.level) < _rank(self.floor_level) \
                and self._changed("level"):
            found.append(_l("%(field)s: an archive file is at least %(floor)s.",
                            field=_l("Confidentiality"), floor=LEVELS[self.floor_level])
                         if self.is_project_file else
                         _l("%(field)s: a customer file is at least %(floor)s.",
                            field=_l("Confidentiality"), floor=LEVELS[self.floor_level]))
        has_project = self._names("project")
        if self.is_project_file and not has_project:
            found.append(_l("%(field)s: choose the customer, or the project of a project "
                            "file that belongs to no customer.", field=_l("Customer")))
        if self.property_no and self.property_no.strip() and not has_project:
            found.append(_l("%(field)s: choose the project the property belongs to.",
                            field=_l("Project")))
        found += self._kind_problems()
        if self.number and sa.inspect(self).persistent and self._project_numbered() and (
                self._changed("property_no") or self._kind_changed()):
            found.append(_l("%(field)s: archive number %(number)s was given for this "
                            "project and property and stays; a file of another one is "
                            "registered as a new file.", field=_l("Property no."),
                            number=self.number))
        return found

    def _kind_problems(self) -> list:
        """A customer's file is permanent and of a customer's category; a project file
        of a project category, kept for the period chosen."""
        found = []
        kind_changed = self._kind_changed()
        if not self.is_project_file:
            if self.retention not in (None, self.customer_retention) \
                    and (self._changed("retention") or kind_changed):
                found.append(_l("%(field)s: a customer's file is kept permanently; other "
                                "periods are only for project files that belong to no "
                                "customer.", field=_l("Retention period")))
            only_projects = set(self.project_categories) - set(CUSTOMER_CATEGORIES)
            if self.category in only_projects and (self._changed("category") or kind_changed):
                found.append(_l("%(field)s: %(category)s is for project files, which belong "
                                "to no customer.", field=_l("Category"),
                                category=ARCHIVE_CATEGORIES[self.category]))
        elif self.category not in (None, *self.project_categories) \
                and (self._changed("category") or kind_changed):
            found.append(_l("%(field)s: a project file is one of %(categories)s.",
                            field=_l("Category"), categories="、".join(
                                str(ARCHIVE_CATEGORIES[c]) for c in self.project_categories)))
        return found


#: Categories of a customer's file (the rest are for project files only).
CUSTOMER_CATEGORIES = ("sales", "signing", "certificates", "move_in", "maintenance",
                       "compensation", "litigation", "lease", "other")


_rank = rank  # the one level order (models/levels.py)
