"""deadline indexes: one department's late complaints, files and loans without a scan

The home page counts what is late for the user (open complaints past their due date,
files past their transfer date, loans past their due date). For a department user
those counts read the department's share of the table unless an index starts with
(department, status or open-only, due date).

Revision ID: 0009_deadline_indexes
Revises: 0008_list_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_deadline_indexes"
down_revision = "0008_list_indexes"
branch_labels = None
depends_on = None

OPEN = sa.text("status <> 'closed'")


def upgrade():
    op.create_index("ix_complaint_dept_open_due", "complaint",
                    ["department_id", "effective_due_date", "level"],
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index("ix_archive_file_dept_status_due", "archive_file",
                    ["department_id", "status", "transfer_due_on"])
    op.create_index("ix_loan_dept_status_due", "loan", ["department_id", "status", "due_date"])


def downgrade():
    op.drop_index("ix_loan_dept_status_due", table_name="loan")
    op.drop_index("ix_archive_file_dept_status_due", table_name="archive_file")
    op.drop_index("ix_complaint_dept_open_due", table_name="complaint")
