"""complaint_tally: the statistics' complaint counts per month, kept by every save

Created and filled by a recount of the complaints (``reports.tally.rebuild``); from
then on ``models/complaint_tally.py`` keeps it in step in each save's transaction.

Revision ID: 0042_complaint_tally
Revises: 0041_owner
"""
import sqlalchemy as sa
from alembic import op

revision = "0042_complaint_tally"
down_revision = "0041_owner"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "complaint_tally",
        sa.Column("figure", sa.String(length=12), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=120), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("figure", "month", "department_id", "level", "value",
                                name="pk_complaint_tally"),
        sqlite_with_rowid=False,
    )
    from reports.tally import rebuild

    rebuild(op.get_bind())


def downgrade():
    op.drop_table("complaint_tally")
