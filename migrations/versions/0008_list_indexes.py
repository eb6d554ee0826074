"""list indexes for every record type: (department, sort key, level) and (sort key, level)

0006 gave complaints, customers, archive files and loans indexes whose sort key comes
before the level (see models/indexes.py); contracts, penalties and return slips still
had (department, level, sort key), which makes the database sort every visible row of
a department user's list. This adds the missing pairs and drops the indexes they
supersede (the old "scope" ones, and complaint.received_at alone, a prefix of
ix_complaint_received_at_level). Plain CREATE/DROP INDEX: no table rebuild on SQLite.

Revision ID: 0008_list_indexes
Revises: 0007_merge
"""
from alembic import op

revision = "0008_list_indexes"
down_revision = "0007_merge"
branch_labels = None
depends_on = None

#: table -> its list's default sort column (frozen here; models/indexes.py derives it).
NEW = {"contract": "number", "penalty": "created_at", "return_slip": "created_at"}
#: table -> sort column of the (department_id, level, sort) index 0001 created.
SUPERSEDED = {"archive_file": "number", "complaint": "received_at", "contract": "number",
              "customer": "code", "loan": "created_at", "penalty": "created_at",
              "return_slip": "created_at"}


def upgrade():
    for table, sort in NEW.items():
        op.create_index(f"ix_{table}_dept_{sort}", table, ["department_id", sort, "level"])
        op.create_index(f"ix_{table}_{sort}_level", table, [sort, "level"])
    for table in SUPERSEDED:
        op.drop_index(f"ix_{table}_scope", table_name=table)
    op.drop_index("ix_complaint_received_at", table_name="complaint")


def downgrade():
    op.create_index("ix_complaint_received_at", "complaint", ["received_at"])
    for table, sort in SUPERSEDED.items():
        op.create_index(f"ix_{table}_scope", table, ["department_id", "level", sort])
    for table, sort in NEW.items():
        op.drop_index(f"ix_{table}_{sort}_level", table_name=table)
        op.drop_index(f"ix_{table}_dept_{sort}", table_name=table)
