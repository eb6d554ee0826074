"""complaint clocks: handling stops at written notification (verdict kept), closing has its own

The handling clock (1/3 working days, extension up to 7) stops when the customer is
notified in writing; the on-time verdict is stored then, and the closing clock starts
(``Complaint.closing_deadline`` working days). Complaints notified before this revision
get their verdict and closing date from their stored notification time, and their
effective due date (what lists, reminders and the home page read) becomes the closing
due date.

Revision ID: 0021_complaint_clocks
Revises: 0018_finite_numbers
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_complaint_clocks"
down_revision = "0018_finite_numbers"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("handled_on_time", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("closing_due_date", sa.Date(), nullable=True))
    backfill()


def backfill():
    from models.complaint import Complaint
    from models.numbering import local_date_of
    from models.workdays import add_working_days

    complaint = sa.table("complaint", sa.column("id"), sa.column("notified_at"),
                         sa.column("due_date"), sa.column("extended_due_date"),
                         sa.column("handled_on_time"), sa.column("closing_due_date"),
                         sa.column("effective_due_date"))
    bind = op.get_bind()
    rows = bind.execute(sa.select(complaint.c.id, complaint.c.notified_at,
                                  complaint.c.due_date, complaint.c.extended_due_date)
                        .where(complaint.c.notified_at.is_not(None))).all()
    for row in rows:
        day = local_date_of(row.notified_at)
        handling_due = row.extended_due_date or row.due_date
        closing = add_working_days(day, Complaint.closing_deadline).day
        bind.execute(complaint.update().where(complaint.c.id == row.id).values(
            handled_on_time=None if handling_due is None else day <= handling_due,
            closing_due_date=closing, effective_due_date=closing))


def downgrade():
    complaint = sa.table("complaint", sa.column("due_date"), sa.column("extended_due_date"),
                         sa.column("effective_due_date"), sa.column("closing_due_date"))
    op.get_bind().execute(complaint.update().where(
        complaint.c.closing_due_date.is_not(None)).values(
        effective_due_date=sa.func.coalesce(complaint.c.extended_due_date,
                                            complaint.c.due_date)))
    with op.batch_alter_table("complaint") as batch:
        batch.drop_column("closing_due_date")
        batch.drop_column("handled_on_time")
