"""A small world for permission tests, built from the model registry.

Two departments, one user per role, and for every scoped model one record per
(department × level), each carrying a unique marker text. Records are filled in
generically from column metadata, so a model added to the registry gets its rows
(and its place in the permission matrix) without a line of test code. ``HINTS``
holds the few values a CHECK constraint needs.
"""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from models import REGISTRY, AppUser, Department, db
from models.mixins import Classified, Owned
from permissions.levels import ORDER as LEVELS

DEPARTMENTS = {"sales": "销售部", "service": "客户服务部", "gm": "总经理办公室",
               "legal": "法律室", "audit": "审计部", "it": "信息部"}

#: username → (roles, department code, clearance)
USERS = {
    "clerk.sales": ("clerk", "sales", "internal"),
    "clerk.service": ("clerk", "service", "internal"),
    "supervisor": ("supervisor", "service", "confidential"),
    "gm": ("gm_office", "gm", "secret"),
    "legal": ("legal", "legal", "secret"),
    "auditor": ("auditor", "audit", "confidential"),
    "admin": ("admin", "it", "internal"),
}

#: Values a CHECK constraint needs, per table (None = leave empty).
HINTS = {
    "loan": {"outside_name": None, "credential_number": None, "inquiry_notice_no": None,
             "status": "requested", "due_date": date.today() + timedelta(days=30)},
    # A customer's file: numbered by the year serial (a property needs its project).
    "archive_file": {"property_no": None},
    # One monthly visit summary per department and month: each level its own month.
    "visit_summary": {"month": lambda level: date(2026, 1 + LEVELS.index(level), 1)},
    "customer_year_sales": {"year": 2025},
    # Records the new models' save rules accept as they are (an empty API PATCH saves).
    "visit_plan": {"starts_on": date(2026, 11, 1)},
    "corrective_action": {"responsible_department_id": "@department"},
    "survey_template": {"status": "in_use"},
    "survey_campaign": {"year": 2026},
    # A 催办单 names one late record: the world's name their complaint.
    "reminder": {"service_request_id": None, "work_order_id": None},
    # 经办人: empty until a supervisor assigns one (a secret row's department clerk is
    # not cleared to handle it); the owner tests assign their own records.
    **{table: {"owner_id": None}
       for table in ("complaint", "return_slip", "service_request", "work_order")},
}

#: Which user of a department stands in for "the person" on a record of that department.
DEPARTMENT_PERSON = {"sales": "clerk.sales", "service": "clerk.service"}


@dataclass
class Row:
    table: str
    id: int
    department: str
    level: str
    marker: str


@dataclass
class World:
    users: dict[str, int] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    def rows_of(self, table: str) -> list[Row]:
        return [r for r in self.rows if r.table == table]

    def own_users(self) -> dict[str, int]:
        """The accounts ``build_world`` made (``users`` also holds those tests add, which
        another test's clean-up may have deleted)."""
        return {name: self.users[name] for name in USERS}


def scoped_models():
    """Scoped models, each after the models its foreign keys point to."""
    tables = [t for t in db.metadata.sorted_tables if t.name in REGISTRY]
    return [REGISTRY[t.name] for t in tables
            if issubclass(REGISTRY[t.name], (Owned, Classified))]


def _value_for(world, model, column, marker: str, department: str, refs: dict,
               level: str = "internal"):
    hint = HINTS.get(model.__tablename__, {})
    if column.key in hint:
        value = hint[column.key]
        if value == "@department":  # the record's own department
            return world.departments[department]
        return value(level) if callable(value) else value  # a value per level
    if column.primary_key or column.key in ("version_id", "created_at", "updated_at"):
        return None
    if column.key == "department_id":
        return world.departments[department]
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column.table.name
        if target == model.__tablename__:
            return None
        if target == "app_user":
            return world.users[DEPARTMENT_PERSON[department]]
        return refs.get(target)  # same department and level
    if "choices" in column.info:
        return column.default.arg if column.default is not None else \
            next(iter(column.info["choices"]))
    kind = column.type
    if isinstance(kind, (sa.String, sa.Text)):
        length = getattr(kind, "length", None)
        if length is not None and length < len(marker):
            return None if column.nullable else marker[:length]
        return marker
    if column.nullable:
        return None
    if isinstance(kind, sa.Numeric):
        return Decimal("1")
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 11, 2, 2, 0)
    if isinstance(kind, sa.Date):
        return date(2026, 11, 2)
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 1
    return None


def _make(world, model, department: str, level: str, marker: str, refs: dict):
    record = model()
    for column in sa.inspect(model).columns:
        value = _value_for(world, model, column, marker, department, refs, level)
        if value is not None:
            setattr(record, column.key, value)
    record.level = level
    db.session.add(record)
    db.session.flush()
    return record


def build_world() -> World:
    world = World()
    for code, name in DEPARTMENTS.items():
        dept = Department(code=code, name=name)
        db.session.add(dept)
        db.session.flush()
        world.departments[code] = dept.id
    for username, (roles, dept, clearance) in USERS.items():
        user = AppUser(username=username, full_name=username, roles=roles,
                       department_id=world.departments[dept], clearance=clearance)
        user.set_password("test-password-1")
        db.session.add(user)
        db.session.flush()
        world.users[username] = user.id
    # One row per (department, level, model); its foreign keys point at the rows of
    # the same department and level, built earlier in registry (dependency) order.
    for dept in DEPARTMENT_PERSON:
        for level in LEVELS:
            refs: dict[str, int] = {}
            for model in scoped_models():
                marker = f"Z{secrets.token_hex(5)}"
                record = _make(world, model, dept, level, marker, refs)
                refs[model.__tablename__] = record.id
                world.rows.append(Row(model.__tablename__, record.id, dept, record.level,
                                      marker))
    return world


@contextmanager
def extra_rows(app, model, rows: list[dict]):
    """Rows of ``model`` a test adds to the shared world for its own duration: yields
    their ids, deletes them afterwards."""
    with app.app_context():
        added = [model(**row) for row in rows]
        db.session.add_all(added)
        db.session.commit()
        ids = [record.id for record in added]
        db.session.remove()
    try:
        yield ids
    finally:
        with app.app_context():
            db.session.execute(sa.delete(model).where(model.id.in_(ids)))
            db.session.commit()
            db.session.remove()
