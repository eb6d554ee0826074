"""ix_complaint_open_status_severity: open complaints by status, severity and level

The general manager's home page counts and lists the major complaints awaiting
approval (``handling_proposed``, ``major``). At a million complaints PostgreSQL read
every open complaint through ``ix_complaint_open_due`` to find them (about 5 ms for the
count, 6 ms for the work queue, each page); this index, like that one on open
complaints only, answers both from the few rows they are.

Revision ID: 0043_open_status_severity
Revises: 0042_complaint_tally
"""
import sqlalchemy as sa
from alembic import op

revision = "0043_open_status_severity"
down_revision = "0042_complaint_tally"
branch_labels = None
depends_on = None

OPEN = sa.text("status <> 'closed'")


def upgrade():
    op.create_index("ix_complaint_open_status_severity", "complaint",
                    ["status", "severity", "level"],
                    sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    op.drop_index("ix_complaint_open_status_severity", table_name="complaint")
