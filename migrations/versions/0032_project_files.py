"""project files: projects, archive files of a project and no customer, numbers by
property

- project (项目): the projects that files not tied to one customer are kept by (001 篇7
  5.8.1), with a system code (XM001) that starts their archive numbers.
- archive_file.project_id, archive_file.property_no (具体房号, 5.10.1); customer_id may be
  empty for a project file, but a file names a customer or a project
  (ck_archive_file_customer_or_project); two project-file categories (project_docs,
  major_event); the number holds up to 60 characters (project code, property number,
  serial). Every existing number stays as it is: a file keeps the number it was given.

Hand-written. On SQLite the table is rebuilt (a column's NOT NULL and size change only
that way); the rebuild drops the table's indexes and its full-text triggers (0006), so
their SQL is read from sqlite_master first and run again after it. The customer index
becomes partial (rows with a customer), as for every optional reference.

Revision ID: 0032_project_files
Revises: 0038_daily_job_run
"""
import sqlalchemy as sa
from alembic import op

revision = "0032_project_files"
down_revision = "0038_daily_job_run"
branch_labels = None
depends_on = None

LEVELS = "('public', 'internal', 'confidential', 'secret')"
OLD_CATEGORIES = ("sales", "signing", "certificates", "move_in", "maintenance",
                  "compensation", "litigation", "lease", "other")
NEW_CATEGORIES = (*OLD_CATEGORIES, "project_docs", "major_event")
#: Rebuilt below on their own (the customer index becomes partial).
CHANGED_INDEXES = ("ix_archive_file_customer_id",)


def _in(column: str, codes) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{code}'" for code in codes))


def _present_only(table: str, column: str) -> None:
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(f"ix_{table}_{column}", table, [column], sqlite_where=where,
                    postgresql_where=where)


def _create_projects(postgres: bool) -> None:
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(10)),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(200)),
        sa.Column("remarks", sa.Text()),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_project"),
        sa.UniqueConstraint("code", name="uq_project_code"),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name="fk_project_department_id_department"),
        sa.CheckConstraint(f"level IN {LEVELS}", name="ck_project_level"),
    )
    include = ["id"] if postgres else None
    op.create_index("ix_project_dept_code", "project", ["department_id", "code", "level"],
                    postgresql_include=include)
    op.create_index("ix_project_code_level", "project", ["code", "level"],
                    postgresql_include=include)


def _saved_sqlite_structure() -> list[tuple[str, str, str]]:
    """(type, name, SQL) of archive_file's own indexes and triggers."""
    rows = op.get_bind().execute(sa.text(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'archive_file' "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL")).all()
    return [(kind, name, sql) for kind, name, sql in rows if name not in CHANGED_INDEXES]


def _restore_sqlite_structure(saved) -> None:
    for kind, name, sql in saved:
        op.execute(f"DROP {kind.upper()} IF EXISTS {name}")
        op.execute(sql)
    op.execute("INSERT INTO archive_file_fts(archive_file_fts) VALUES ('rebuild')")


def _archive_columns(batch_op, categories, number_length: int, nullable: bool) -> None:
    batch_op.drop_constraint("ck_archive_file_category", type_="check")
    batch_op.create_check_constraint("ck_archive_file_category", _in("category", categories))
    batch_op.alter_column("number", type_=sa.String(number_length),
                          existing_type=sa.String(), existing_nullable=True)
    batch_op.alter_column("customer_id", nullable=nullable, existing_type=sa.Integer())


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    _create_projects(postgres)
    saved = [] if postgres else _saved_sqlite_structure()
    op.drop_index("ix_archive_file_customer_id", table_name="archive_file")
    with op.batch_alter_table("archive_file", recreate="auto" if postgres else "always") \
            as batch_op:
        _archive_columns(batch_op, NEW_CATEGORIES, 60, True)
        batch_op.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("property_no", sa.String(40), nullable=True))
        batch_op.create_foreign_key("fk_archive_file_project_id_project", "project",
                                    ["project_id"], ["id"])
        batch_op.create_check_constraint(
            "ck_archive_file_customer_or_project",
            "customer_id IS NOT NULL OR project_id IS NOT NULL")
    if not postgres:
        _restore_sqlite_structure(saved)
    _present_only("archive_file", "customer_id")
    _present_only("archive_file", "project_id")


def downgrade():
    """Back to customer files only: refused while a project file exists (its rows would
    break the old NOT NULL customer); numbers longer than 30 characters likewise."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    left = bind.execute(sa.text(
        "SELECT count(*) FROM archive_file WHERE customer_id IS NULL "
        "OR length(number) > 30 OR category IN ('project_docs', 'major_event')")).scalar()
    if left:
        raise RuntimeError(f"{left} archive files are project files or numbered by "
                           "property: move or renumber them before downgrading.")
    saved = [] if postgres else _saved_sqlite_structure()
    for column in ("project_id", "customer_id"):
        op.drop_index(f"ix_archive_file_{column}", table_name="archive_file")
    saved = [row for row in saved if row[1] != "ix_archive_file_project_id"]
    with op.batch_alter_table("archive_file", recreate="auto" if postgres else "always") \
            as batch_op:
        batch_op.drop_constraint("ck_archive_file_customer_or_project", type_="check")
        batch_op.drop_constraint("fk_archive_file_project_id_project", type_="foreignkey")
        batch_op.drop_column("property_no")
        batch_op.drop_column("project_id")
        _archive_columns(batch_op, OLD_CATEGORIES, 30, False)
    if not postgres:
        _restore_sqlite_structure(saved)
    op.create_index("ix_archive_file_customer_id", "archive_file", ["customer_id"])
    op.drop_table("project")
