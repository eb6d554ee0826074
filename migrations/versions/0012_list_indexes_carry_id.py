"""list indexes carry the id on PostgreSQL (INCLUDE), for deep pages

A page far down a list (OFFSET 10,000) is read as ids first, then rows
(admin_views/performance.FastListMixin._deep_page). PostgreSQL reads the ids from the
index alone only when the index holds them; SQLite's indexes carry the rowid already,
so this revision does nothing there.

Revision ID: 0012_list_indexes_carry_id
Revises: 0011_status_list_indexes
"""
from alembic import op

revision = "0012_list_indexes_carry_id"
down_revision = "0011_status_list_indexes"
branch_labels = None
depends_on = None

#: table -> default sort column of its list, and whether it has a workflow (frozen).
LISTS = {"customer": ("code", False), "contract": ("number", True),
         "complaint": ("received_at", True), "reminder": ("day", False),
         "penalty": ("created_at", True), "return_slip": ("created_at", True),
         "archive_file": ("number", True), "loan": ("created_at", True)}


def _indexes():
    for table, (sort, workflow) in LISTS.items():
        yield table, f"ix_{table}_dept_{sort}", ["department_id", sort, "level"]
        yield table, f"ix_{table}_{sort}_level", [sort, "level"]
        if workflow:
            yield table, f"ix_{table}_dept_status_{sort}", ["department_id", "status", sort,
                                                            "level"]
            yield table, f"ix_{table}_status_{sort}", ["status", sort, "level"]


def _recreate(include: list[str] | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, name, columns in _indexes():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, postgresql_include=include)


def upgrade():
    _recreate(["id"])


def downgrade():
    _recreate(None)
