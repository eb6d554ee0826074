"""Service requests (咨询、报修、报警), repair work orders (维修工单), follow-up calls (回访)

Three new tables, created as ``models/service_request.py``, ``models/work_order.py`` and
``models/follow_up.py`` declare them, with their list indexes (``models/indexes.py``),
the partial indexes of optional references and of the open records' due moments.

Revision ID: 0035_service_work
Revises: 0036_reports
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035_service_work'
down_revision = "0036_reports"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('caller', sa.String(length=60), nullable=True),
    sa.Column('caller_phone', sa.String(length=40), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('inquiry', 'repair', 'alarm', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('handle_due_at', sa.DateTime(), nullable=True),
    sa.Column('handling_result', sa.Text(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('received', 'handled', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_service_request_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_service_request_department_id_department')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['app_user.id'], name=op.f('fk_service_request_handled_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_request')),
    sa.UniqueConstraint('number', name=op.f('uq_service_request_number'))
    )
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_request_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_service_request_dept_received_at', ['department_id', 'received_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_service_request_dept_status_received_at', ['department_id', 'status', 'received_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_service_request_handled_by_id', ['handled_by_id'], unique=False, sqlite_where=sa.text('handled_by_id IS NOT NULL'), postgresql_where=sa.text('handled_by_id IS NOT NULL'))
        batch_op.create_index('ix_service_request_open_due', ['handle_due_at'], unique=False, sqlite_where=sa.text("status = 'received'"), postgresql_where=sa.text("status = 'received'"))
        batch_op.create_index('ix_service_request_received_at_level', ['received_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_service_request_status_received_at', ['status', 'received_at', 'level'], unique=False, postgresql_include=['id'])

    op.create_table('work_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=True),
    sa.Column('service_request_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('fault', sa.Text(), nullable=True),
    sa.Column('technician', sa.String(length=60), nullable=False),
    sa.Column('repair_due_at', sa.DateTime(), nullable=True),
    sa.Column('arrived_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('work_done', sa.Text(), nullable=True),
    sa.Column('parts', sa.Text(), nullable=True),
    sa.Column('customer_signed_by', sa.String(length=60), nullable=True),
    sa.Column('cost', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('settled_by_id', sa.Integer(), nullable=True),
    sa.Column('settled_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('issued', 'arrived', 'finished', 'settled', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("cost <> 'NaN' AND cost > -10000000000 AND cost < 10000000000", name='ck_work_order_cost_finite'),
    sa.CheckConstraint('cost IS NULL OR cost >= 0', name='ck_work_order_cost_not_negative'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_work_order_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_work_order_department_id_department')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['app_user.id'], name=op.f('fk_work_order_issued_by_id_app_user')),
    sa.ForeignKeyConstraint(['service_request_id'], ['service_request.id'], name=op.f('fk_work_order_service_request_id_service_request')),
    sa.ForeignKeyConstraint(['settled_by_id'], ['app_user.id'], name=op.f('fk_work_order_settled_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order')),
    sa.UniqueConstraint('number', name=op.f('uq_work_order_number'))
    )
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_work_order_dept_issued_at', ['department_id', 'issued_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_work_order_dept_status_issued_at', ['department_id', 'status', 'issued_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_work_order_issued_at_level', ['issued_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_work_order_issued_by_id', ['issued_by_id'], unique=False, sqlite_where=sa.text('issued_by_id IS NOT NULL'), postgresql_where=sa.text('issued_by_id IS NOT NULL'))
        batch_op.create_index('ix_work_order_open_due', ['repair_due_at'], unique=False, sqlite_where=sa.text("status IN ('issued', 'arrived')"), postgresql_where=sa.text("status IN ('issued', 'arrived')"))
        batch_op.create_index('ix_work_order_service_request_id', ['service_request_id'], unique=False, sqlite_where=sa.text('service_request_id IS NOT NULL'), postgresql_where=sa.text('service_request_id IS NOT NULL'))
        batch_op.create_index('ix_work_order_settled_by_id', ['settled_by_id'], unique=False, sqlite_where=sa.text('settled_by_id IS NOT NULL'), postgresql_where=sa.text('settled_by_id IS NOT NULL'))
        batch_op.create_index('ix_work_order_status_issued_at', ['status', 'issued_at', 'level'], unique=False, postgresql_include=['id'])

    op.create_table('follow_up_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('contact', sa.String(length=60), nullable=True),
    sa.Column('result', sa.Enum('satisfied', 'not_satisfied', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('called_by_id', sa.Integer(), nullable=True),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('due', 'done', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('complaint_id IS NOT NULL OR work_order_id IS NOT NULL', name='ck_follow_up_call_has_case'),
    sa.ForeignKeyConstraint(['called_by_id'], ['app_user.id'], name=op.f('fk_follow_up_call_called_by_id_app_user')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_follow_up_call_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_follow_up_call_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_follow_up_call_department_id_department')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_follow_up_call_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_call')),
    sa.UniqueConstraint('number', name=op.f('uq_follow_up_call_number'))
    )
    with op.batch_alter_table('follow_up_call', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_call_called_by_id', ['called_by_id'], unique=False, sqlite_where=sa.text('called_by_id IS NOT NULL'), postgresql_where=sa.text('called_by_id IS NOT NULL'))
        batch_op.create_index('ix_follow_up_call_complaint_id', ['complaint_id'], unique=False, sqlite_where=sa.text('complaint_id IS NOT NULL'), postgresql_where=sa.text('complaint_id IS NOT NULL'))
        batch_op.create_index(batch_op.f('ix_follow_up_call_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_follow_up_call_dept_due_date', ['department_id', 'due_date', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_follow_up_call_dept_status_due_date', ['department_id', 'status', 'due_date', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_follow_up_call_due_date_level', ['due_date', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_follow_up_call_open_due', ['due_date'], unique=False, sqlite_where=sa.text("status = 'due'"), postgresql_where=sa.text("status = 'due'"))
        batch_op.create_index('ix_follow_up_call_status_due_date', ['status', 'due_date', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_follow_up_call_work_order_id', ['work_order_id'], unique=False, sqlite_where=sa.text('work_order_id IS NOT NULL'), postgresql_where=sa.text('work_order_id IS NOT NULL'))


def downgrade():
    op.drop_table('follow_up_call')
    op.drop_table('work_order')
    op.drop_table('service_request')
