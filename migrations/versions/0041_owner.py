"""经办人 (owner) of complaints, return slips, service requests and repair work orders

``owner_id`` on each (``models.mixins.Assignable``): a user of the record's department
assigned by its supervisor, empty until then; with the partial index of the rows that
have one (``models/indexes.py``), which "my items" reads.

Revision ID: 0041_owner
Revises: 0040_recent_saved
"""
import sqlalchemy as sa
from alembic import op

revision = "0041_owner"
down_revision = "0040_recent_saved"
branch_labels = None
depends_on = None

TABLES = ("complaint", "return_slip", "service_request", "work_order")
COLUMN = "owner_id"


def upgrade():
    """Added in place on SQLite (``ALTER TABLE … ADD COLUMN`` with REFERENCES, as in
    0034), so the tables and their search triggers stay."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    where = sa.text(f"{COLUMN} IS NOT NULL")
    for table in TABLES:
        fk_name = f"fk_{table}_{COLUMN}_app_user"
        if sqlite:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {COLUMN} INTEGER "
                       f"CONSTRAINT {fk_name} REFERENCES app_user (id)")
        else:
            op.add_column(table, sa.Column(COLUMN, sa.Integer(), nullable=True))
            op.create_foreign_key(fk_name, table, "app_user", [COLUMN], ["id"])
        op.create_index(f"ix_{table}_{COLUMN}", table, [COLUMN], sqlite_where=where,
                        postgresql_where=where)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        op.drop_index(f"ix_{table}_{COLUMN}", table_name=table)
        if sqlite:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {COLUMN}")
        else:
            op.drop_constraint(f"fk_{table}_{COLUMN}_app_user", table, type_="foreignkey")
            op.drop_column(table, COLUMN)
