"""optional references: index only the rows that have one

An index on a mostly empty reference (reopened from, corrects notice, approved by)
is mostly NULLs; SQLite's statistics then say a value matches a large share of the
table and the planner reads the whole table for "complaints reopened from #n" on
every details page. A partial index (``WHERE col IS NOT NULL``) holds only the set
rows, so its statistics are right, and it is smaller. See models/mixins.foreign_key.

Revision ID: 0010_optional_reference_indexes
Revises: 0009_deadline_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_optional_reference_indexes"
down_revision = "0009_deadline_indexes"
branch_labels = None
depends_on = None

#: table -> optional reference columns (frozen here; the models derive them).
OPTIONAL = {
    "customer": ["account_manager_id", "patrol_visitor_id"],
    "contract": ["owner_id", "quote_approved_by_id"],
    "order_change": ["confirmed_by_id"],
    "complaint": ["responsible_department_id", "approved_by_id", "reopened_from_id"],
    "penalty": ["complaint_id", "responsible_department_id", "decided_by_id", "corrects_id"],
    "return_slip": ["complaint_id", "contract_id", "confirmed_by_id", "approved_by_id"],
    "archive_file": ["level_requested_by_id", "level_decided_by_id"],
    "loan": ["borrower_id", "requested_by_id", "approved_by_id", "legal_approved_by_id"],
}


def _recreate(partial: bool) -> None:
    for table, columns in OPTIONAL.items():
        for column in columns:
            name = f"ix_{table}_{column}"
            where = sa.text(f"{column} IS NOT NULL") if partial else None
            op.drop_index(name, table_name=table)
            op.create_index(name, table, [column], sqlite_where=where,
                            postgresql_where=where)


def upgrade():
    _recreate(partial=True)


def downgrade():
    _recreate(partial=False)
