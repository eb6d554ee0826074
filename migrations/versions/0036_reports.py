"""reports: report_review (the monthly review of a periodic report, e.g. the quality-feedback
summary due by the 25th, one per report and month, marked reviewed by a stamped step)
and the indexes the statistics screen reads (``models/report_indexes.py``).

Revision ID: 0036_reports
Revises: 0034_visits
"""
import sqlalchemy as sa
from alembic import op

revision = "0036_reports"
down_revision = "0034_visits"
branch_labels = None
depends_on = None


def upgrade():
    name = "report_review"
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report", sa.String(16), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("remarks", sa.Text()),
        sa.Column("reviewed_by_id", sa.Integer()),
        sa.Column("reviewed_at", sa.DateTime()),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        sa.UniqueConstraint("report", "month", name=f"uq_{name}_report_month"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["app_user.id"],
                                name=f"fk_{name}_reviewed_by_id_app_user"),
        sa.CheckConstraint("report IN ('quality_feedback')", name=f"ck_{name}_report"),
        sa.CheckConstraint("status IN ('open', 'reviewed')", name=f"ck_{name}_status"),
    )
    where = sa.text("reviewed_by_id IS NOT NULL")
    op.create_index(f"ix_{name}_reviewed_by_id", name, ["reviewed_by_id"],
                    sqlite_where=where, postgresql_where=where)
    op.create_index(f"ix_{name}_month", name, ["month"])
    op.create_index("ix_complaint_stats_received", "complaint", [
        "received_at", "level", "department_id", "kind", "severity", "channel",
        "responsible_department_id", "customer_id", "product"])
    notified = sa.text("notified_at IS NOT NULL")
    op.create_index("ix_complaint_stats_notified", "complaint", [
        "notified_at", "level", "department_id", "handled_on_time", "received_at"],
        sqlite_where=notified, postgresql_where=notified)


def downgrade():
    for name, table in (("ix_complaint_stats_notified", "complaint"),
                        ("ix_complaint_stats_received", "complaint")):
        op.drop_index(name, table_name=table)
    op.drop_index("ix_report_review_month", table_name="report_review")
    op.drop_table("report_review")
