from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model


class Department(Model):
    """A department of the company; every business record belongs to one."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, info={"label": _l("Code")})
    name: Mapped[str] = mapped_column(String(100), unique=True, info={"label": _l("Name")})
    active: Mapped[bool] = mapped_column(default=True, info={"label": _l("Active")})

    class Admin:
        label = _l("Department")
        label_plural = _l("Departments")
        list_columns = ("code", "name", "active")
        search = ("code", "name")
        filters = ("active",)
        form_columns = ("code", "name", "active")
        default_sort = ("code", False)
        lookup_fields = ("code", "name")

    def __str__(self) -> str:
        return self.name
