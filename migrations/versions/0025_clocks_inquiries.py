"""step clocks on complaints, timeliness inquiries (洽办单), the monthly review

Complaints get the step clocks' stamps (when the investigation was reported, when the
handling was proposed) and the running step's due date, with a partial index of the
rows that have one. Two new tables: ``timeliness_inquiry`` (洽办单, 001 篇8 (十一)3)
and ``monthly_review`` (the GM office's review by the 10th, 篇8 (十)1), created as the
models declare them at this revision, with their list indexes. Existing complaints
keep no step stamps (their steps happened before the clocks existed): no step clock
runs for them until their next step.

Revision ID: 0025_clocks_inquiries
Revises: 0016_separation_of_duties
"""
import sqlalchemy as sa
from alembic import op

revision = "0025_clocks_inquiries"
down_revision = "0016_separation_of_duties"
branch_labels = None
depends_on = None

NEW_TABLES = ("timeliness_inquiry", "monthly_review")


def upgrade():
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("investigated_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("handling_proposed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("step_due_date", sa.Date(), nullable=True))
    op.create_index("ix_complaint_step_due", "complaint", ["step_due_date", "status"],
                    sqlite_where=sa.text("step_due_date IS NOT NULL"),
                    postgresql_where=sa.text("step_due_date IS NOT NULL"))
    from models import db
    bind = op.get_bind()
    for name in NEW_TABLES:
        db.metadata.tables[name].create(bind)


def downgrade():
    from models import db
    bind = op.get_bind()
    for name in reversed(NEW_TABLES):
        db.metadata.tables[name].drop(bind)
    op.drop_index("ix_complaint_step_due", table_name="complaint")
    with op.batch_alter_table("complaint") as batch:
        batch.drop_column("step_due_date")
        batch.drop_column("handling_proposed_at")
        batch.drop_column("investigated_at")
