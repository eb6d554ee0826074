"""Projects (项目): what the files that belong to no one customer are kept by.

001 篇7 5.8.1: 非针对具体业主的资料 (notices, warranty letters, contract templates,
announcements to every owner) 作为项目文档的一大类，按项目分类保存; and 5.10.1 numbers a
customer's file by its property within the project (具体房号). A project is reference
data every department reads, like a customer; its code is given by the system and goes
into the archive numbers of its files (``ArchiveFile.property_number_format``).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model
from .mixins import BusinessRecord


class Project(BusinessRecord, Model):
    """A project (项目, e.g. a housing estate 苑 or a development phase)."""

    __tablename__ = "project"
    number_format: str = "XM{serial:03d}"
    """The project code the system gives on registration (``models/numbering.py``):
    ``XM001``, ``XM002``, … It starts the archive numbers of the project's files. A code a
    clerk typed would tell them, by "already in use", the codes of projects they may
    not see."""
    number_column: str = "code"
    """The column holding that code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(
        String(10), unique=True, info={"label": _l("Project code"), "readonly": True})
    name: Mapped[str] = mapped_column(String(100), info={"label": _l("Project name")})
    address: Mapped[str | None] = mapped_column(
        String(200), info={"label": _l("Project address")})
    remarks: Mapped[str | None] = mapped_column(Text, info={"label": _l("Remarks")})

    class Admin:
        label = _l("Project")
        label_plural = _l("Projects")
        list_columns = ("code", "name", "address", "department", "level")
        search = ("code", "name")
        filters = ("level", "department")
        form_columns = ("name", "address", "department", "level", "remarks")
        default_sort = ("code", False)
        lookup_fields = ("code", "name")

    def __str__(self) -> str:
        return f"{self.code or ''} {self.name}".strip()
