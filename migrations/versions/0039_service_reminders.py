"""reminder: 催办单 for late service requests and repair work orders too (issue 14 item 3)

A reminder now names one late record (``subject``): a complaint as before, a service
request or a work order. The complaint becomes optional, its number column the late
record's number, and the hour-clock records' missed moment and hours overdue are kept.
One reminder per record and day: a unique key per kind of record.

Revision ID: 0039_service_reminders
Revises: 0035c_surveys
"""
import sqlalchemy as sa
from alembic import op

revision = "0039_service_reminders"
down_revision = "0035c_surveys"
branch_labels = None
depends_on = None

SUBJECTS = ("complaint", "service_request", "work_order")
ONE_SUBJECT = (
    "(subject = 'complaint' AND complaint_id IS NOT NULL"
    " AND service_request_id IS NULL AND work_order_id IS NULL)"
    " OR (subject = 'service_request' AND service_request_id IS NOT NULL"
    " AND complaint_id IS NULL AND work_order_id IS NULL)"
    " OR (subject = 'work_order' AND work_order_id IS NOT NULL"
    " AND complaint_id IS NULL AND service_request_id IS NULL)")
FINITE = ("overdue_hours <> 'NaN' AND overdue_hours > -1000000 "
          "AND overdue_hours < 1000000")


def _recreate() -> str:
    return "auto" if op.get_bind().dialect.name == "postgresql" else "always"


def upgrade():
    with op.batch_alter_table("reminder", recreate=_recreate()) as batch_op:
        # Every reminder so far names a complaint.
        batch_op.add_column(sa.Column("subject", sa.String(15), nullable=False,
                                      server_default="complaint"))
        batch_op.add_column(sa.Column("service_request_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("work_order_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("overdue_hours", sa.Numeric(7, 1), nullable=True))
        batch_op.alter_column("complaint_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("complaint_number", new_column_name="subject_number",
                              existing_type=sa.String(16), existing_nullable=False)
        batch_op.create_foreign_key("fk_reminder_service_request_id_service_request",
                                    "service_request", ["service_request_id"], ["id"])
        batch_op.create_foreign_key("fk_reminder_work_order_id_work_order",
                                    "work_order", ["work_order_id"], ["id"])
        batch_op.create_unique_constraint("uq_reminder_service_request_id_day",
                                          ["service_request_id", "day"])
        batch_op.create_unique_constraint("uq_reminder_work_order_id_day",
                                          ["work_order_id", "day"])
        batch_op.create_check_constraint(
            "ck_reminder_subject", "subject IN ({})".format(
                ", ".join(f"'{s}'" for s in SUBJECTS)))
        batch_op.create_check_constraint("ck_reminder_one_subject", ONE_SUBJECT)
        batch_op.create_check_constraint("ck_reminder_overdue_hours_finite", FINITE)
    with op.batch_alter_table("reminder", recreate=_recreate()) as batch_op:
        batch_op.alter_column("subject", existing_type=sa.String(15), server_default=None)


def downgrade():
    """Back to complaint reminders only: the others are deleted (they are re-issued by
    nothing after the downgrade; their replies go with them)."""
    op.execute("DELETE FROM reminder WHERE subject <> 'complaint'")
    with op.batch_alter_table("reminder", recreate=_recreate()) as batch_op:
        batch_op.drop_constraint("ck_reminder_overdue_hours_finite", type_="check")
        batch_op.drop_constraint("ck_reminder_one_subject", type_="check")
        batch_op.drop_constraint("ck_reminder_subject", type_="check")
        batch_op.drop_constraint("uq_reminder_work_order_id_day", type_="unique")
        batch_op.drop_constraint("uq_reminder_service_request_id_day", type_="unique")
        batch_op.drop_constraint("fk_reminder_work_order_id_work_order", type_="foreignkey")
        batch_op.drop_constraint("fk_reminder_service_request_id_service_request",
                                 type_="foreignkey")
        batch_op.alter_column("subject_number", new_column_name="complaint_number",
                              existing_type=sa.String(16), existing_nullable=False)
        batch_op.alter_column("complaint_id", existing_type=sa.Integer(), nullable=False)
        for column in ("overdue_hours", "due_at", "work_order_id", "service_request_id",
                       "subject"):
            batch_op.drop_column(column)
