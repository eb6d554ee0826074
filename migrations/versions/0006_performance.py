"""performance: list indexes that keep the default sort under visible(), FTS5 / pg_trgm search

Revision ID: 0006_performance
Revises: 0001

Hand-written: the FTS5 tables, their triggers and the trigram indexes are invisible
to autogenerate (see models/indexes.py). The searched columns are frozen here; a
change to models.indexes.SEARCH_COLUMNS needs a new revision.
"""
import sqlalchemy as sa
from alembic import op

from models.indexes import postgres_search_ddl, sqlite_search_ddl, sqlite_search_drop, trgm_index

revision = "0006_performance"
down_revision = "0001"
branch_labels = None
depends_on = None

#: table -> default sort column (Admin.default_sort)
SORTED = {"complaint": "received_at", "customer": "code", "archive_file": "number",
          "loan": "created_at"}
SEARCH = {
    "complaint": ("number", "content", "product", "batch_no"),
    "customer": ("code", "name", "contact_person", "phone"),
    "archive_file": ("number", "title"),
    "loan": ("purpose", "outside_name", "inquiry_notice_no"),
}


def upgrade():
    for table, sort in SORTED.items():
        op.create_index(f"ix_{table}_dept_{sort}", table, ["department_id", sort, "level"])
        op.create_index(f"ix_{table}_{sort}_level", table, [sort, "level"])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table, cols in SEARCH.items():
            for statement in sqlite_search_ddl(table, cols):
                op.execute(sa.text(statement))
    elif bind.dialect.name == "postgresql":
        op.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        for table, cols in SEARCH.items():
            for statement in postgres_search_ddl(table, cols):
                op.execute(sa.text(statement))


def downgrade():
    bind = op.get_bind()
    for table in SEARCH:
        if bind.dialect.name == "sqlite":
            for statement in sqlite_search_drop(table):
                op.execute(sa.text(statement))
        elif bind.dialect.name == "postgresql":
            op.execute(sa.text(f"DROP INDEX IF EXISTS {trgm_index(table)}"))
    for table, sort in SORTED.items():
        op.drop_index(f"ix_{table}_{sort}_level", table_name=table)
        op.drop_index(f"ix_{table}_dept_{sort}", table_name=table)
