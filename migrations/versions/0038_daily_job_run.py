"""daily_job_run: the claim row that makes each daily job run once per day

Revision ID: 0038_daily_job_run
Revises: 0033_api_tokens
"""
import sqlalchemy as sa
from alembic import op

revision = "0038_daily_job_run"
down_revision = "0033_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "daily_job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("runner", sa.String(120), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_daily_job_run"),
        sa.UniqueConstraint("job", "day", name="uq_daily_job_run_job_day"),
    )


def downgrade():
    op.drop_table("daily_job_run")
