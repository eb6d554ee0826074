"""order_change.recorded_by_id: who wrote an order change notice (separation of duties)

Whoever wrote a notice waiting for confirmation may not confirm it
(``Contract`` action ``confirm_changes``, ``Transition.not_by``). Notices written
before this revision name nobody.

Hand-written. On SQLite the column is added in place (``ALTER TABLE … ADD COLUMN`` with
REFERENCES, as in 0016): a rebuild is not needed.

Revision ID: 0027_order_change_writer
Revises: 0016_separation_of_duties
"""
import sqlalchemy as sa
from alembic import op

revision = "0027_order_change_writer"
down_revision = "0016_separation_of_duties"
branch_labels = None
depends_on = None

TABLE, COLUMN = "order_change", "recorded_by_id"
FK_NAME = f"fk_{TABLE}_{COLUMN}_app_user"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {TABLE} ADD COLUMN {COLUMN} INTEGER "
                   f"CONSTRAINT {FK_NAME} REFERENCES app_user (id)")
    else:
        op.add_column(TABLE, sa.Column(COLUMN, sa.Integer(), nullable=True))
        op.create_foreign_key(FK_NAME, TABLE, "app_user", [COLUMN], ["id"])
    where = sa.text(f"{COLUMN} IS NOT NULL")
    op.create_index(f"ix_{TABLE}_{COLUMN}", TABLE, [COLUMN], sqlite_where=where,
                    postgresql_where=where)


def downgrade():
    op.drop_index(f"ix_{TABLE}_{COLUMN}", table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.drop_column(COLUMN)
