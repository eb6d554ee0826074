"""finite numbers: every numeric column refuses NaN and infinity

Revision ID: 0018_finite_numbers
Revises: 0012_list_indexes_carry_id

``1e400`` was stored as an infinity on SQLite (every later read of the row failed) and
``NaN`` passed ``>= 0`` on PostgreSQL. Each numeric column gets
``ck_<table>_<column>_finite`` (``models.mixins.finite_check``): not NaN, and within
what its precision holds.

The columns are found in the database as this revision meets it, not in today's
models, so a numeric column an earlier revision added is covered and one a later
revision adds is left to that revision. A value the new CHECK would refuse is
cleared first (an optional column) and counted in the log; a required column holding
one stops the upgrade with the rows to correct.

SQLite cannot add a CHECK to a table: the table is rebuilt from its own stored
definition plus the CHECKs, and its indexes and triggers (partial indexes, full-text
triggers) are created again from their stored SQL, which batch mode would lose.
"""
import logging
import re

import sqlalchemy as sa
from alembic import op

revision = "0018_finite_numbers"
down_revision = "0012_list_indexes_carry_id"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _bound(kind) -> str:
    """As models.mixins.finite_bound (frozen here: a migration does not follow the code)."""
    if isinstance(kind, sa.Float) or getattr(kind, "precision", None) is None:
        return "1e300"
    return str(10 ** (kind.precision - (kind.scale or 0)))


def _numeric_columns(bind) -> dict[str, list[tuple[str, str, bool]]]:
    """table -> [(check name, condition, nullable)] for every numeric column."""
    from models import db  # table names only: which tables are the application's

    inspector = sa.inspect(bind)
    found = {}
    for table in sorted(set(inspector.get_table_names()) & set(db.metadata.tables)):
        for column in inspector.get_columns(table):
            if isinstance(column["type"], sa.Numeric):
                name, bound = column["name"], _bound(column["type"])
                condition = f"{name} <> 'NaN' AND {name} > -{bound} AND {name} < {bound}"
                found.setdefault(table, []).append(
                    (f"ck_{table}_{name}_finite", condition, column["nullable"]))
    return found


def _clear_refused_values(bind, table: str, checks) -> None:
    for name, condition, nullable in checks:
        column = name[len(f"ck_{table}_"):-len("_finite")]
        refused = f"{column} IS NOT NULL AND NOT ({condition})"
        count = bind.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {refused}")).scalar()
        if not count:
            continue
        if not nullable:
            ids = bind.execute(sa.text(f"SELECT id FROM {table} WHERE {refused}")).scalars()
            raise RuntimeError(f"{table}.{column} holds NaN or an infinity in rows "
                               f"{sorted(ids)[:50]}; correct them, then upgrade again.")
        bind.execute(sa.text(f"UPDATE {table} SET {column} = NULL WHERE {refused}"))
        log.warning("%s.%s: %s value(s) that were NaN or infinite cleared", table, column,
                    count)


def _sqlite_rebuild(bind, table: str, definition: str) -> None:
    """Replace ``table`` by one made from ``definition``; keep rows, indexes, triggers."""
    kept = bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE tbl_name = :t AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL"), {"t": table}).scalars().all()
    temporary = f"_finite_{table}"
    bind.execute(sa.text(re.sub(r'^CREATE TABLE\s+("[^"]+"|\S+)',
                                f'CREATE TABLE "{temporary}"', definition)))
    bind.execute(sa.text(f'INSERT INTO "{temporary}" SELECT * FROM "{table}"'))
    bind.execute(sa.text(f'DROP TABLE "{table}"'))
    bind.execute(sa.text(f'ALTER TABLE "{temporary}" RENAME TO "{table}"'))
    for statement in kept:
        bind.execute(sa.text(statement))


def _sqlite_definition(bind, table: str) -> str:
    return bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' "
                                "AND name = :t"), {"t": table}).scalar_one().rstrip()


def upgrade():
    bind = op.get_bind()
    for table, checks in _numeric_columns(bind).items():
        _clear_refused_values(bind, table, checks)
        if bind.dialect.name == "sqlite":
            definition = _sqlite_definition(bind, table)
            added = ",\n\t".join(f"CONSTRAINT {name} CHECK ({condition})"
                                 for name, condition, _ in checks)
            _sqlite_rebuild(bind, table, f"{definition[:-1].rstrip()}, \n\t{added}\n)")
        else:
            for name, condition, _ in checks:
                op.create_check_constraint(name, table, condition)


def downgrade():
    bind = op.get_bind()
    for table, checks in _numeric_columns(bind).items():
        if bind.dialect.name == "sqlite":
            definition = _sqlite_definition(bind, table)
            for name, _, _ in checks:
                definition = re.sub(rf",\s*CONSTRAINT {name} CHECK \([^()]*\)", "",
                                    definition)
            _sqlite_rebuild(bind, table, definition)
        else:
            for name, _, _ in checks:
                op.drop_constraint(name, table, type_="check")
