"""Satisfaction surveys: questionnaires (客户满意度调查问卷) and their questions, survey
campaigns, answer sheets (客户满意度调查表) and their scores, service improvement plans
(服务改进方案)

Six new tables, created as ``models/survey_template.py``, ``models/survey_campaign.py``,
``models/survey_response.py`` and ``models/improvement_plan.py`` declare them, with
their list indexes and the partial indexes of optional references and open due dates.

Revision ID: 0035c_surveys
Revises: 0035b_corrective_actions
"""
import sqlalchemy as sa
from alembic import op

revision = "0035c_surveys"
down_revision = "0035b_corrective_actions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('put_in_use_by_id', sa.Integer(), nullable=True),
    sa.Column('put_in_use_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'in_use', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_survey_template_department_id_department')),
    sa.ForeignKeyConstraint(['put_in_use_by_id'], ['app_user.id'], name=op.f('fk_survey_template_put_in_use_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_template'))
    )
    with op.batch_alter_table('survey_template', schema=None) as batch_op:
        batch_op.create_index('ix_survey_template_created_at_level', ['created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_survey_template_dept_created_at', ['department_id', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_survey_template_dept_status_created_at', ['department_id', 'status', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_survey_template_put_in_use_by_id', ['put_in_use_by_id'], unique=False, sqlite_where=sa.text('put_in_use_by_id IS NOT NULL'), postgresql_where=sa.text('put_in_use_by_id IS NOT NULL'))
        batch_op.create_index('ix_survey_template_status_created_at', ['status', 'created_at', 'level'], unique=False, postgresql_include=['id'])

    op.create_table('survey_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('grades', sa.String(length=20), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('launched_by_id', sa.Integer(), nullable=True),
    sa.Column('launched_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'running', 'closed', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['app_user.id'], name=op.f('fk_survey_campaign_closed_by_id_app_user')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_survey_campaign_department_id_department')),
    sa.ForeignKeyConstraint(['launched_by_id'], ['app_user.id'], name=op.f('fk_survey_campaign_launched_by_id_app_user')),
    sa.ForeignKeyConstraint(['template_id'], ['survey_template.id'], name=op.f('fk_survey_campaign_template_id_survey_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_campaign'))
    )
    with op.batch_alter_table('survey_campaign', schema=None) as batch_op:
        batch_op.create_index('ix_survey_campaign_closed_by_id', ['closed_by_id'], unique=False, sqlite_where=sa.text('closed_by_id IS NOT NULL'), postgresql_where=sa.text('closed_by_id IS NOT NULL'))
        batch_op.create_index('ix_survey_campaign_created_at_level', ['created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_survey_campaign_dept_created_at', ['department_id', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_survey_campaign_dept_status_created_at', ['department_id', 'status', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_survey_campaign_launched_by_id', ['launched_by_id'], unique=False, sqlite_where=sa.text('launched_by_id IS NOT NULL'), postgresql_where=sa.text('launched_by_id IS NOT NULL'))
        batch_op.create_index('ix_survey_campaign_status_created_at', ['status', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index(batch_op.f('ix_survey_campaign_template_id'), ['template_id'], unique=False)

    op.create_table('survey_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('satisfaction', 'sales_rating', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('scale', sa.Enum('regulation', 'service', 'five', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['survey_template.id'], name=op.f('fk_survey_question_template_id_survey_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_question'))
    )
    with op.batch_alter_table('survey_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_question_template_id'), ['template_id'], unique=False)

    op.create_table('improvement_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('measure', sa.Text(), nullable=False),
    sa.Column('responsible_department_id', sa.Integer(), nullable=True),
    sa.Column('responsible_person', sa.String(length=60), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('proposed', 'reviewed', 'done', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['survey_campaign.id'], name=op.f('fk_improvement_plan_campaign_id_survey_campaign')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_improvement_plan_department_id_department')),
    sa.ForeignKeyConstraint(['responsible_department_id'], ['department.id'], name=op.f('fk_improvement_plan_responsible_department_id_department')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['app_user.id'], name=op.f('fk_improvement_plan_reviewed_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_plan'))
    )
    with op.batch_alter_table('improvement_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_plan_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_improvement_plan_created_at_level', ['created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_improvement_plan_dept_created_at', ['department_id', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_improvement_plan_dept_status_created_at', ['department_id', 'status', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_improvement_plan_open_due', ['due_date'], unique=False, sqlite_where=sa.text("status = 'reviewed'"), postgresql_where=sa.text("status = 'reviewed'"))
        batch_op.create_index('ix_improvement_plan_responsible_department_id', ['responsible_department_id'], unique=False, sqlite_where=sa.text('responsible_department_id IS NOT NULL'), postgresql_where=sa.text('responsible_department_id IS NOT NULL'))
        batch_op.create_index('ix_improvement_plan_reviewed_by_id', ['reviewed_by_id'], unique=False, sqlite_where=sa.text('reviewed_by_id IS NOT NULL'), postgresql_where=sa.text('reviewed_by_id IS NOT NULL'))
        batch_op.create_index('ix_improvement_plan_status_created_at', ['status', 'created_at', 'level'], unique=False, postgresql_include=['id'])

    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('product', sa.String(length=120), nullable=True),
    sa.Column('respondent', sa.String(length=60), nullable=True),
    sa.Column('channel', sa.Enum('paper', 'phone', 'email', 'fax', 'interview', native_enum=False, create_constraint=True, length=12), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('due', 'entered', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('public', 'internal', 'confidential', 'secret', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['survey_campaign.id'], name=op.f('fk_survey_response_campaign_id_survey_campaign')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_survey_response_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_survey_response_department_id_department')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['app_user.id'], name=op.f('fk_survey_response_entered_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
    sa.UniqueConstraint('campaign_id', 'customer_id', name=op.f('uq_survey_response_campaign_id_customer_id')),
    sa.UniqueConstraint('number', name=op.f('uq_survey_response_number'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_survey_response_created_at_level', ['created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index(batch_op.f('ix_survey_response_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_survey_response_dept_created_at', ['department_id', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_survey_response_dept_status_created_at', ['department_id', 'status', 'created_at', 'level'], unique=False, postgresql_include=['id'])
        batch_op.create_index('ix_survey_response_entered_by_id', ['entered_by_id'], unique=False, sqlite_where=sa.text('entered_by_id IS NOT NULL'), postgresql_where=sa.text('entered_by_id IS NOT NULL'))
        batch_op.create_index('ix_survey_response_open_due', ['due_date'], unique=False, sqlite_where=sa.text("status = 'due'"), postgresql_where=sa.text("status = 'due'"))
        batch_op.create_index('ix_survey_response_status_created_at', ['status', 'created_at', 'level'], unique=False, postgresql_include=['id'])

    op.create_table('survey_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('satisfaction', 'sales_rating', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('scale', sa.Enum('regulation', 'service', 'five', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('rated_person', sa.String(length=60), nullable=True),
    sa.Column('remark', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'], name=op.f('fk_survey_score_response_id_survey_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_score'))
    )
    with op.batch_alter_table('survey_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_score_response_id'), ['response_id'], unique=False)


def downgrade():
    for table in ("improvement_plan", "survey_score", "survey_response", "survey_campaign",
                  "survey_question", "survey_template"):
        op.drop_table(table)
