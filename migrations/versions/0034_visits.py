"""visits: plans, reports, urgent reports, monthly summaries, grading reviews, profile

Issue 14 items 1 and 6. Nine new tables, created as the models declare them, with
their list indexes (``models/indexes.py``: dept/sort/level and status variants, id
carried on PostgreSQL) and the index (customer_id, visited_at) that answers "last
visit of this customer" for the visits-due list: ``visit_plan`` and
``visit_plan_line`` (巡回访问计划), ``visit_report`` (走访报告单 / 巡访日报, the three
scores checked on the regulations' scale), ``urgent_visit_report`` (巡访紧急报告),
``visit_summary`` (每月巡访情况报告书, one per department and month),
``grading_review`` (客户分级评审), ``customer_qualification`` (客户资质备案),
``customer_year_sales`` (历年销售实绩) and ``credit_incident`` (以往信用问题). A
complaint may name the visit report it was opened from; a customer gets trade and
payment terms and a prospect flag (目标客户).

Revision ID: 0034_visits
Revises: 0032_project_files
"""
import sqlalchemy as sa
from alembic import op

revision = "0034_visits"
down_revision = "0032_project_files"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visit_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Enum('year', 'quarter', 'month', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('visitor_id', sa.Integer(), nullable=False),
    sa.Column('key_products', sa.Text(), nullable=True),
    sa.Column('key_surveys', sa.Text(), nullable=True),
    sa.Column('special_surveys', sa.Text(), nullable=True),
    sa.Column('support_needed', sa.Text(), nullable=True),
    sa.Column('drawn_up_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('department_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('department_approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'department_approved', 'approved', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['app_user.id'], name=op.f('fk_visit_plan_approved_by_id_app_user')),
    sa.ForeignKeyConstraint(['department_approved_by_id'], ['app_user.id'], name=op.f('fk_visit_plan_department_approved_by_id_app_user')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_visit_plan_department_id_department')),
    sa.ForeignKeyConstraint(['drawn_up_by_id'], ['app_user.id'], name=op.f('fk_visit_plan_drawn_up_by_id_app_user')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['app_user.id'], name=op.f('fk_visit_plan_submitted_by_id_app_user')),
    sa.ForeignKeyConstraint(['visitor_id'], ['app_user.id'], name=op.f('fk_visit_plan_visitor_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_plan'))
    )
    with op.batch_alter_table('visit_plan', schema=None) as batch_op:
        batch_op.create_index('ix_visit_plan_approved_by_id', ['approved_by_id'], unique=False, sqlite_where=sa.text('approved_by_id IS NOT NULL'), postgresql_where=sa.text('approved_by_id IS NOT NULL'))
        batch_op.create_index('ix_visit_plan_department_approved_by_id', ['department_approved_by_id'], unique=False, sqlite_where=sa.text('department_approved_by_id IS NOT NULL'), postgresql_where=sa.text('department_approved_by_id IS NOT NULL'))
        batch_op.create_index('ix_visit_plan_dept_starts_on', ['department_id', 'starts_on', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_visit_plan_dept_status_starts_on', ['department_id', 'status', 'starts_on', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_visit_plan_drawn_up_by_id', ['drawn_up_by_id'], unique=False, sqlite_where=sa.text('drawn_up_by_id IS NOT NULL'), postgresql_where=sa.text('drawn_up_by_id IS NOT NULL'))
        batch_op.create_index('ix_visit_plan_starts_on_level', ['starts_on', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_visit_plan_status_starts_on', ['status', 'starts_on', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_visit_plan_submitted_by_id', ['submitted_by_id'], unique=False, sqlite_where=sa.text('submitted_by_id IS NOT NULL'), postgresql_where=sa.text('submitted_by_id IS NOT NULL'))
        batch_op.create_index(batch_op.f('ix_visit_plan_visitor_id'), ['visitor_id'], unique=False)

    op.create_table('visit_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('prepared_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('prepared', 'reviewed', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_visit_summary_department_id_department')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['app_user.id'], name=op.f('fk_visit_summary_prepared_by_id_app_user')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['app_user.id'], name=op.f('fk_visit_summary_reviewed_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_summary'))
    )
    op.create_index("uq_visit_summary_department_month", "visit_summary",
                    ["department_id", "month"], unique=True)
    with op.batch_alter_table('visit_summary', schema=None) as batch_op:
        batch_op.create_index('ix_visit_summary_dept_month', ['department_id', 'month', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_visit_summary_dept_status_month', ['department_id', 'status', 'month', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_visit_summary_month_level', ['month', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_visit_summary_prepared_by_id', ['prepared_by_id'], unique=False, sqlite_where=sa.text('prepared_by_id IS NOT NULL'), postgresql_where=sa.text('prepared_by_id IS NOT NULL'))
        batch_op.create_index('ix_visit_summary_reviewed_by_id', ['reviewed_by_id'], unique=False, sqlite_where=sa.text('reviewed_by_id IS NOT NULL'), postgresql_where=sa.text('reviewed_by_id IS NOT NULL'))
        batch_op.create_index('ix_visit_summary_status_month', ['status', 'month', 'level'], unique=False, postgresql_include=['id'])

    op.create_table('grading_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('nature', sa.String(length=200), nullable=True),
    sa.Column('size', sa.String(length=200), nullable=True),
    sa.Column('sales', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('trend', sa.Enum('growing', 'stable', 'declining', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('previous_grade', sa.Enum('A', 'B', 'C', 'D', native_enum=False, create_constraint=True, length=12), nullable=True),
    sa.Column('grade', sa.Enum('A', 'B', 'C', 'D', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_grade', sa.Enum('A', 'B', 'C', 'D', native_enum=False, create_constraint=True, length=12), nullable=True),
    sa.Column('decision_remarks', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('proposed', 'decided', 'rejected', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("sales <> 'NaN' AND sales > -100000000000000 AND sales < 100000000000000", name='ck_grading_review_sales_finite'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_grading_review_customer_id_customer')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['app_user.id'], name=op.f('fk_grading_review_decided_by_id_app_user')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_grading_review_department_id_department')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['app_user.id'], name=op.f('fk_grading_review_proposed_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grading_review'))
    )
    with op.batch_alter_table('grading_review', schema=None) as batch_op:
        batch_op.create_index('ix_grading_review_created_at_level', ['created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index(batch_op.f('ix_grading_review_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_grading_review_decided_by_id', ['decided_by_id'], unique=False, sqlite_where=sa.text('decided_by_id IS NOT NULL'), postgresql_where=sa.text('decided_by_id IS NOT NULL'))
        batch_op.create_index('ix_grading_review_dept_created_at', ['department_id', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_grading_review_dept_status_created_at', ['department_id', 'status', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_grading_review_proposed_by_id', ['proposed_by_id'], unique=False, sqlite_where=sa.text('proposed_by_id IS NOT NULL'), postgresql_where=sa.text('proposed_by_id IS NOT NULL'))
        batch_op.create_index('ix_grading_review_status_created_at', ['status', 'created_at', 'level'], unique=False, postgresql_include=['id'])

    op.create_table('visit_plan_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_visit_plan_line_customer_id_customer')),
    sa.ForeignKeyConstraint(['plan_id'], ['visit_plan.id'], name=op.f('fk_visit_plan_line_plan_id_visit_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_plan_line'))
    )
    with op.batch_alter_table('visit_plan_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_plan_line_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_visit_plan_line_planned', ['plan_id', 'planned_on'], unique=False)

    op.create_table('visit_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('visited_by_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', sa.DateTime(), nullable=False),
    sa.Column('opinions', sa.Text(), nullable=True),
    sa.Column('market_news', sa.Text(), nullable=True),
    sa.Column('effect', sa.Text(), nullable=True),
    sa.Column('matters_handled', sa.Text(), nullable=True),
    sa.Column('other_matters', sa.Text(), nullable=True),
    sa.Column('quality_score', sa.Integer(), nullable=True),
    sa.Column('service_score', sa.Integer(), nullable=True),
    sa.Column('reputation_score', sa.Integer(), nullable=True),
    sa.Column('suggestions', sa.Text(), nullable=True),
    sa.Column('confirmed_by_name', sa.String(length=60), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('submitted', 'reviewed', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('quality_score IS NULL OR quality_score IN (100, 90, 85, 80, 70, 60, 50)', name='quality_score_on_scale'),
    sa.CheckConstraint('reputation_score IS NULL OR reputation_score IN (100, 90, 85, 80, 70, 60, 50)', name='reputation_score_on_scale'),
    sa.CheckConstraint('service_score IS NULL OR service_score IN (100, 90, 85, 80, 70, 60, 50, 30, 0)', name='service_score_on_scale'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_visit_report_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_visit_report_department_id_department')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['app_user.id'], name=op.f('fk_visit_report_reviewed_by_id_app_user')),
    sa.ForeignKeyConstraint(['visited_by_id'], ['app_user.id'], name=op.f('fk_visit_report_visited_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_report'))
    )
    with op.batch_alter_table('visit_report', schema=None) as batch_op:
        batch_op.create_index('ix_visit_report_customer_visited', ['customer_id', 'visited_at'], unique=False)
        batch_op.create_index('ix_visit_report_dept_status_visited_at', ['department_id', 'status', 'visited_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_visit_report_dept_visited_at', ['department_id', 'visited_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_visit_report_reviewed_by_id', ['reviewed_by_id'], unique=False, sqlite_where=sa.text('reviewed_by_id IS NOT NULL'), postgresql_where=sa.text('reviewed_by_id IS NOT NULL'))
        batch_op.create_index('ix_visit_report_status_visited_at', ['status', 'visited_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_visit_report_visited_at_level', ['visited_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index(batch_op.f('ix_visit_report_visited_by_id'), ['visited_by_id'], unique=False)

    op.create_table('urgent_visit_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('competitor_policy', 'competitor_product', 'competitor_trend', 'own_defect', 'other', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('visit_report_id', sa.Integer(), nullable=True),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('read_by_id', sa.Integer(), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('reported', 'read', 'decided', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_urgent_visit_report_customer_id_customer')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['app_user.id'], name=op.f('fk_urgent_visit_report_decided_by_id_app_user')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_urgent_visit_report_department_id_department')),
    sa.ForeignKeyConstraint(['read_by_id'], ['app_user.id'], name=op.f('fk_urgent_visit_report_read_by_id_app_user')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['app_user.id'], name=op.f('fk_urgent_visit_report_reported_by_id_app_user')),
    sa.ForeignKeyConstraint(['visit_report_id'], ['visit_report.id'], name=op.f('fk_urgent_visit_report_visit_report_id_visit_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_urgent_visit_report'))
    )
    with op.batch_alter_table('urgent_visit_report', schema=None) as batch_op:
        batch_op.create_index('ix_urgent_visit_report_created_at_level', ['created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_urgent_visit_report_customer_id', ['customer_id'], unique=False, sqlite_where=sa.text('customer_id IS NOT NULL'), postgresql_where=sa.text('customer_id IS NOT NULL'))
        batch_op.create_index('ix_urgent_visit_report_decided_by_id', ['decided_by_id'], unique=False, sqlite_where=sa.text('decided_by_id IS NOT NULL'), postgresql_where=sa.text('decided_by_id IS NOT NULL'))
        batch_op.create_index('ix_urgent_visit_report_dept_created_at', ['department_id', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_urgent_visit_report_dept_status_created_at', ['department_id', 'status', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_urgent_visit_report_read_by_id', ['read_by_id'], unique=False, sqlite_where=sa.text('read_by_id IS NOT NULL'), postgresql_where=sa.text('read_by_id IS NOT NULL'))
        batch_op.create_index('ix_urgent_visit_report_reported_by_id', ['reported_by_id'], unique=False, sqlite_where=sa.text('reported_by_id IS NOT NULL'), postgresql_where=sa.text('reported_by_id IS NOT NULL'))
        batch_op.create_index('ix_urgent_visit_report_status_created_at', ['status', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_urgent_visit_report_visit_report_id', ['visit_report_id'], unique=False, sqlite_where=sa.text('visit_report_id IS NOT NULL'), postgresql_where=sa.text('visit_report_id IS NOT NULL'))

    op.create_table('customer_qualification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('business_licence', 'production_licence', 'distribution_licence', 'quality_certificate', 'other', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('certificate_no', sa.String(length=60), nullable=False),
    sa.Column('issued_by', sa.String(length=120), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_qualification_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_customer_qualification_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_qualification'))
    )
    with op.batch_alter_table('customer_qualification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_qualification_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_customer_qualification_dept_valid_until', ['department_id', 'valid_until', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_customer_qualification_valid_until_level', ['valid_until', 'level'], unique=False, postgresql_include=['id'])

    op.create_table('credit_incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('late_payment', 'bad_debt', 'bounced_payment', 'over_limit', 'other', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('resolution', sa.String(length=300), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("amount <> 'NaN' AND amount > -100000000000000 AND amount < 100000000000000", name='ck_credit_incident_amount_finite'),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name='amount_not_negative'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_credit_incident_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_credit_incident_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_incident'))
    )
    with op.batch_alter_table('credit_incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_incident_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_credit_incident_dept_occurred_on', ['department_id', 'occurred_on', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_credit_incident_occurred_on_level', ['occurred_on', 'level'], unique=False, postgresql_include=['id'])

    op.create_table('customer_year_sales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sales', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("sales <> 'NaN' AND sales > -100000000000000 AND sales < 100000000000000", name='ck_customer_year_sales_sales_finite'),
    sa.CheckConstraint('sales >= 0', name='sales_not_negative'),
    sa.CheckConstraint('year BETWEEN 1900 AND 2999', name='year_plausible'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_year_sales_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_customer_year_sales_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_year_sales'))
    )
    op.create_index("uq_customer_year_sales_customer_year", "customer_year_sales",
                    ["customer_id", "year"], unique=True)
    with op.batch_alter_table('customer_year_sales', schema=None) as batch_op:
        batch_op.create_index('ix_customer_year_sales_dept_year', ['department_id', 'year', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_customer_year_sales_year_level', ['year', 'level'], unique=False, postgresql_include=['id'])

    add_complaint_link()
    # In place (no batch rebuild): the customer table keeps its search triggers.
    op.add_column("customer", sa.Column("trade_terms", sa.Text(), nullable=True))
    op.add_column("customer", sa.Column("payment_terms", sa.String(length=200),
                                        nullable=True))
    op.add_column("customer", sa.Column("prospect", sa.Boolean(), server_default=sa.false(),
                                        nullable=False))


def add_complaint_link():
    """complaint.visit_report_id: added in place on SQLite (``ALTER TABLE … ADD COLUMN``
    with REFERENCES, as in 0016/0027), so the table and its search triggers stay."""
    table, column = "complaint", "visit_report_id"
    fk_name = f"fk_{table}_{column}_visit_report"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
                   f"CONSTRAINT {fk_name} REFERENCES visit_report (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(fk_name, table, "visit_report", [column], ["id"])
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(f"ix_{table}_{column}", table, [column], sqlite_where=where,
                    postgresql_where=where)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column in ("prospect", "payment_terms", "trade_terms"):
        if sqlite:  # in place, as added: the search triggers stay
            op.execute(f"ALTER TABLE customer DROP COLUMN {column}")
        else:
            op.drop_column("customer", column)
    op.drop_index("ix_complaint_visit_report_id", table_name="complaint")
    if sqlite:
        op.execute("ALTER TABLE complaint DROP COLUMN visit_report_id")
    else:
        op.drop_constraint("fk_complaint_visit_report_id_visit_report", "complaint",
                           type_="foreignkey")
        op.drop_column("complaint", "visit_report_id")
    for table in ("credit_incident", "customer_year_sales", "customer_qualification",
                  "urgent_visit_report", "visit_report",
                  "visit_plan_line", "grading_review",
                  "visit_summary", "visit_plan"):
        op.drop_table(table)
