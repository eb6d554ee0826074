"""return slips and penalty notices carry their own date; numbers take its month

A slip's application date (申请日期) and a notice's date (开立日期) are recorded, and
the number takes their month rather than the month of data entry. Existing rows get
the Shanghai day of their creation, which is what their number was made from.

Revision ID: 0022_numbered_by_record_date
Revises: 0021_complaint_clocks
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_numbered_by_record_date"
down_revision = "0021_complaint_clocks"
branch_labels = None
depends_on = None

COLUMNS = {"return_slip": "applied_on", "penalty": "issued_on"}


def upgrade():
    from models.numbering import local_date_of

    bind = op.get_bind()
    for table_name, column in COLUMNS.items():
        with op.batch_alter_table(table_name) as batch:
            batch.add_column(sa.Column(column, sa.Date(), nullable=True))
        table = sa.table(table_name, sa.column("id"), sa.column("created_at"),
                         sa.column(column))
        for row in bind.execute(sa.select(table.c.id, table.c.created_at)).all():
            bind.execute(table.update().where(table.c.id == row.id)
                         .values({column: local_date_of(row.created_at)}))
        with op.batch_alter_table(table_name) as batch:
            batch.alter_column(column, existing_type=sa.Date(), nullable=False)


def downgrade():
    for table_name, column in COLUMNS.items():
        with op.batch_alter_table(table_name) as batch:
            batch.drop_column(column)
