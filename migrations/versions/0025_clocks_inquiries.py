"""step clocks on complaints, timeliness inquiries (洽办单), the monthly review

Complaints get the step clocks' stamps (when the investigation was reported, when the
handling was proposed) and the running step's due date, with a partial index of the
rows that have one. Two new tables: ``timeliness_inquiry`` (洽办单, 001 篇8 (十一)3)
and ``monthly_review`` (the GM office's review by the 10th, 篇8 (十)1), created as the
models declare them, with their list indexes (written out here, frozen). Existing complaints
still registered or under investigation get their investigation clock's due date (3
working days after the Shanghai day of receipt, as ``Complaint.derive`` counts it); a
proposal made before this revision has no time stamped, so no opinion clock runs for it.

Revision ID: 0025_clocks_inquiries
Revises: 0026_regulation_flows
"""
import sqlalchemy as sa
from alembic import op

revision = "0025_clocks_inquiries"
down_revision = "0026_regulation_flows"
branch_labels = None
depends_on = None

LEVELS = "('public', 'internal', 'confidential', 'secret')"
CARRY_ID = {"postgresql_include": ["id"]}


def _present_only(table: str, column: str) -> None:
    """The index of an optional reference: only the rows that have one."""
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(f"ix_{table}_{column}", table, [column], sqlite_where=where,
                    postgresql_where=where)


def upgrade():
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("investigated_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("handling_proposed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("step_due_date", sa.Date(), nullable=True))
    op.create_index("ix_complaint_step_due", "complaint", ["step_due_date", "status"],
                    sqlite_where=sa.text("step_due_date IS NOT NULL"),
                    postgresql_where=sa.text("step_due_date IS NOT NULL"))
    backfill_investigation_clocks()
    create_timeliness_inquiry()
    create_monthly_review()


#: Working days for the investigation report at this revision (001 篇8 (九)3).
INVESTIGATION_DAYS = 3


def backfill_investigation_clocks():
    from models.numbering import local_date_of
    from models.workdays import add_working_days

    complaint = sa.table("complaint", sa.column("id"), sa.column("received_at", sa.DateTime()),
                         sa.column("status"), sa.column("step_due_date", sa.Date()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(complaint.c.id, complaint.c.received_at).where(
        complaint.c.status.in_(("registered", "investigating")),
        complaint.c.received_at.is_not(None))).all()
    for row in rows:
        due = add_working_days(local_date_of(row.received_at), INVESTIGATION_DAYS).day
        bind.execute(complaint.update().where(complaint.c.id == row.id)
                     .values(step_due_date=due))


def create_timeliness_inquiry():
    name = "timeliness_inquiry"
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("responsible_department_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text()),
        sa.Column("delay_reason", sa.Text()),
        sa.Column("review_remarks", sa.Text()),
        sa.Column("asked_by_id", sa.Integer()),
        sa.Column("answered_by_id", sa.Integer()),
        sa.Column("answered_at", sa.DateTime()),
        sa.Column("reviewed_by_id", sa.Integer()),
        sa.Column("reviewed_at", sa.DateTime()),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"],
                                name=f"fk_{name}_complaint_id_complaint"),
        sa.ForeignKeyConstraint(["responsible_department_id"], ["department.id"],
                                name=f"fk_{name}_responsible_department_id_department"),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=f"fk_{name}_department_id_department"),
        *(sa.ForeignKeyConstraint([column], ["app_user.id"],
                                  name=f"fk_{name}_{column}_app_user")
          for column in ("asked_by_id", "answered_by_id", "reviewed_by_id")),
        sa.CheckConstraint("status IN ('asked', 'answered', 'reviewed')",
                           name=f"ck_{name}_status"),
        sa.CheckConstraint(f"level IN {LEVELS}", name=f"ck_{name}_level"),
    )
    op.create_index(f"ix_{name}_complaint_id", name, ["complaint_id"])
    op.create_index(f"ix_{name}_responsible_department_id", name,
                    ["responsible_department_id"])
    for column in ("asked_by_id", "answered_by_id", "reviewed_by_id"):
        _present_only(name, column)
    # The list indexes every owned, classified record gets (models/indexes.py).
    op.create_index(f"ix_{name}_dept_created_at", name,
                    ["department_id", "created_at", "level"], **CARRY_ID)
    op.create_index(f"ix_{name}_created_at_level", name, ["created_at", "level"],
                    **CARRY_ID)
    op.create_index(f"ix_{name}_dept_status_created_at", name,
                    ["department_id", "status", "created_at", "level"], **CARRY_ID)
    op.create_index(f"ix_{name}_status_created_at", name,
                    ["status", "created_at", "level"], **CARRY_ID)


def create_monthly_review():
    name = "monthly_review"
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("remarks", sa.Text()),
        sa.Column("reviewed_by_id", sa.Integer()),
        sa.Column("reviewed_at", sa.DateTime()),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        sa.UniqueConstraint("month", name=f"uq_{name}_month"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["app_user.id"],
                                name=f"fk_{name}_reviewed_by_id_app_user"),
        sa.CheckConstraint("status IN ('open', 'reviewed')", name=f"ck_{name}_status"),
    )
    _present_only(name, "reviewed_by_id")


def downgrade():
    op.drop_table("monthly_review")
    op.drop_table("timeliness_inquiry")
    op.drop_index("ix_complaint_step_due", table_name="complaint")
    with op.batch_alter_table("complaint") as batch:
        batch.drop_column("step_due_date")
        batch.drop_column("handling_proposed_at")
        batch.drop_column("investigated_at")
