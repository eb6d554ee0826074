"""status lists: (department, status, sort key, level) and (status, sort key, level)

The lists a records office works from are filtered by status ("registered",
"waiting for approval"); with nearly every record closed, an index on the status
alone looks useless to the planner's statistics. These put the status in front of
each workflow list's default order (see models/indexes.list_indexes).

Revision ID: 0011_status_list_indexes
Revises: 0010_optional_reference_indexes
"""
from alembic import op

revision = "0011_status_list_indexes"
down_revision = "0010_optional_reference_indexes"
branch_labels = None
depends_on = None

#: table -> default sort column of its list (frozen here).
WORKFLOW_LISTS = {"contract": "number", "complaint": "received_at", "penalty": "created_at",
                  "return_slip": "created_at", "archive_file": "number",
                  "loan": "created_at"}


def upgrade():
    for table, sort in WORKFLOW_LISTS.items():
        op.create_index(f"ix_{table}_dept_status_{sort}", table,
                        ["department_id", "status", sort, "level"])
        op.create_index(f"ix_{table}_status_{sort}", table, ["status", sort, "level"])


def downgrade():
    for table, sort in WORKFLOW_LISTS.items():
        op.drop_index(f"ix_{table}_status_{sort}", table_name=table)
        op.drop_index(f"ix_{table}_dept_status_{sort}", table_name=table)
