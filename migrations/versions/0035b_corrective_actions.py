"""Corrective actions (改善措施表): a table of their own; the complaints' free text moves there

``corrective_action`` is created as ``models/corrective_action.py`` declares it, with its
list indexes. Every complaint's free-text corrective action (``complaint.corrective_action``)
becomes an action raised from that complaint: its text, the complaint's cause and responsible
department and person, department and level; numbered ``GS`` + year and month of the
complaint's receipt + a serial (the counters move on past them), "implemented" when the
complaint is closed (it was carried out then; nobody verified it yet), else "open"; followed
up (列入追踪). Then the column is dropped (on SQLite with ALTER TABLE … DROP COLUMN, which
keeps the complaint table's full-text triggers that a batch copy would lose).
Downgrade copies each complaint's first action back.

Revision ID: 0035b_corrective_actions
Revises: 0035_service_work
"""
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0035b_corrective_actions"
down_revision = "0035_service_work"
branch_labels = None
depends_on = None

SHANGHAI = ZoneInfo("Asia/Shanghai")


def upgrade():
    create_table()
    move_complaint_texts()
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE complaint DROP COLUMN corrective_action")
    else:
        op.drop_column("complaint", "corrective_action")


def create_table():
    op.create_table('corrective_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=16), nullable=True),
        sa.Column('source', sa.Enum('complaint', 'exception', 'standalone', native_enum=False, create_constraint=True, length=12), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=True),
        sa.Column('exception_no', sa.String(length=30), nullable=True),
        sa.Column('problem', sa.Text(), nullable=True),
        sa.Column('cause_analysis', sa.Text(), nullable=True),
        sa.Column('action', sa.Text(), nullable=False),
        sa.Column('responsible_department_id', sa.Integer(), nullable=True),
        sa.Column('responsible_person', sa.String(length=60), nullable=True),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('tracked', sa.Boolean(), nullable=False),
        sa.Column('implementation', sa.Text(), nullable=True),
        sa.Column('implemented_at', sa.DateTime(), nullable=True),
        sa.Column('verification_effect', sa.Text(), nullable=True),
        sa.Column('verified_by_id', sa.Integer(), nullable=True),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('status', sa.Enum('open', 'implemented', 'verified', 'closed', native_enum=False, create_constraint=True, length=12), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['closed_by_id'], ['app_user.id'], name=op.f('fk_corrective_action_closed_by_id_app_user')),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_corrective_action_complaint_id_complaint')),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_corrective_action_department_id_department')),
        sa.ForeignKeyConstraint(['responsible_department_id'], ['department.id'], name=op.f('fk_corrective_action_responsible_department_id_department')),
        sa.ForeignKeyConstraint(['verified_by_id'], ['app_user.id'], name=op.f('fk_corrective_action_verified_by_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_corrective_action')),
        sa.UniqueConstraint('number', name=op.f('uq_corrective_action_number'))
    )
    with op.batch_alter_table('corrective_action', schema=None) as batch_op:
        batch_op.create_index('ix_corrective_action_closed_by_id', ['closed_by_id'], unique=False, sqlite_where=sa.text('closed_by_id IS NOT NULL'), postgresql_where=sa.text('closed_by_id IS NOT NULL'))
        batch_op.create_index('ix_corrective_action_complaint_id', ['complaint_id'], unique=False, sqlite_where=sa.text('complaint_id IS NOT NULL'), postgresql_where=sa.text('complaint_id IS NOT NULL'))
        batch_op.create_index('ix_corrective_action_created_at_level', ['created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_corrective_action_dept_created_at', ['department_id', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_corrective_action_dept_status_created_at', ['department_id', 'status', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_corrective_action_pending_due', ['due_date'], unique=False, sqlite_where=sa.text("status IN ('open', 'implemented')"), postgresql_where=sa.text("status IN ('open', 'implemented')"))
        batch_op.create_index('ix_corrective_action_responsible_department_id', ['responsible_department_id'], unique=False, sqlite_where=sa.text('responsible_department_id IS NOT NULL'), postgresql_where=sa.text('responsible_department_id IS NOT NULL'))
        batch_op.create_index('ix_corrective_action_status_created_at', ['status', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_corrective_action_verified_by_id', ['verified_by_id'], unique=False, sqlite_where=sa.text('verified_by_id IS NOT NULL'), postgresql_where=sa.text('verified_by_id IS NOT NULL'))


def move_complaint_texts():
    bind = op.get_bind()
    complaint = sa.table(
        "complaint", sa.column("id"), sa.column("received_at", sa.DateTime()),
        sa.column("status"), sa.column("corrective_action"), sa.column("cause_analysis"),
        sa.column("responsible_department_id"), sa.column("responsible_person"),
        sa.column("department_id"), sa.column("level"), sa.column("closed_at", sa.DateTime()))
    action = sa.table(
        "corrective_action", *(sa.column(name) for name in (
            "number", "source", "complaint_id", "cause_analysis", "action",
            "responsible_department_id", "responsible_person", "tracked", "status",
            "department_id", "level", "version_id", "created_at", "updated_at",
            "implemented_at", "implementation")))
    counter = sa.table("number_counter", sa.column("scope"), sa.column("last"))
    rows = bind.execute(sa.select(complaint).where(
        complaint.c.corrective_action.is_not(None),
        sa.func.trim(complaint.c.corrective_action) != "").order_by(
            complaint.c.received_at, complaint.c.id)).all()
    serials = {}
    now = datetime.utcnow()
    for row in rows:
        received = row.received_at or now
        period = "GS" + received.replace(tzinfo=ZoneInfo("UTC")).astimezone(
            SHANGHAI).strftime("%y%m")
        serials[period] = serials.get(period, 0) + 1
        done = row.status == "closed"
        bind.execute(action.insert().values(
            number=f"{period}{serials[period]:03d}", source="complaint", complaint_id=row.id,
            cause_analysis=row.cause_analysis, action=row.corrective_action,
            responsible_department_id=row.responsible_department_id,
            responsible_person=row.responsible_person, tracked=True,
            status="implemented" if done else "open", department_id=row.department_id,
            level=row.level, version_id=1, created_at=received, updated_at=now,
            implemented_at=row.closed_at if done else None,
            implementation=row.corrective_action if done else None))
    for period, last in serials.items():
        scope = f"corrective_action:{period}"
        bind.execute(counter.delete().where(counter.c.scope == scope))
        bind.execute(counter.insert().values(scope=scope, last=last))


def downgrade():
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("corrective_action", sa.Text(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT complaint_id, action FROM corrective_action WHERE complaint_id IS NOT NULL "
        "ORDER BY id DESC")).all()
    for complaint_id, text in rows:  # the first action wins (written last)
        bind.execute(sa.text("UPDATE complaint SET corrective_action = :text WHERE id = :id"),
                     {"text": text, "id": complaint_id})
    op.execute("DELETE FROM number_counter WHERE scope LIKE 'corrective_action:%'")
    op.drop_table("corrective_action")
