"""the regulations' flows: penalty distribution, customer files at C and permanent,
contract review flag, order changes confirmed twice

- penalty.accounting_department_id, penalty.deducting_department_id,
  penalty.distributed_by_id, penalty.distributed_at: the ``distribute`` step after
  approval (001 篇8 (十)2: 核准后复印三份：自存、会计单位查核、罚扣部门罚扣) records
  to whom the copies went, by whom and when. Notices applied before this revision keep
  these empty: nobody recorded their distribution.
- archive files (001 篇7 5.1.5, 5.12.1): customer files are company C (内部) at least and
  kept permanently. Files below C are raised to C, with their loans (a loan's level
  follows its file), and every customer's file becomes permanent. Not reversed on
  downgrade: the regulation's values are valid before this revision too.
- contract.needs_review (新工艺或客户特殊要求, 002 4.1.3.1–4.1.3.2): the production,
  quality and materials review is asked only of a flagged contract; on by default, and
  every existing contract is flagged (what was asked of it before).
- order_change (订单修正通知单, 002 4.1.10.1): confirmed by the business manager
  (business_confirmed_by_id/_at, new status ``business_confirmed``), then by the
  production manager (confirmed_by_id/_at, status ``confirmed``);
  contract.changes_confirmed_by_id is the production manager's signature on the step.
  Notices confirmed before this revision had one confirmation and keep it as it was.

Hand-written. On SQLite the reference columns are added in place (``ALTER TABLE …
ADD COLUMN`` with REFERENCES, as in 0016): a rebuild would drop the full-text triggers
of 0006. order_change, which has none, is rebuilt for its status CHECK.

Revision ID: 0026_regulation_flows
Revises: 0027_order_change_writer
"""
import sqlalchemy as sa
from alembic import op

revision = "0026_regulation_flows"
down_revision = "0027_order_change_writer"
branch_labels = None
depends_on = None

#: (table, new reference column, referenced table)
REFERENCES = (
    ("penalty", "accounting_department_id", "department"),
    ("penalty", "deducting_department_id", "department"),
    ("penalty", "distributed_by_id", "app_user"),
    ("order_change", "business_confirmed_by_id", "app_user"),
    ("contract", "changes_confirmed_by_id", "app_user"),
)
#: (table, new plain column, type)
COLUMNS = (
    ("penalty", "distributed_at", sa.DateTime()),
    ("order_change", "business_confirmed_at", sa.DateTime()),
)
OLD_CHANGE_STATUSES = ("pending", "confirmed")
NEW_CHANGE_STATUSES = ("pending", "business_confirmed", "confirmed")


def _in(column: str, codes) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{code}'" for code in codes))


def _change_statuses(codes, length: int, sqlite: bool) -> None:
    """order_change.status takes the codes (its CHECK) and their length; the table has
    no full-text triggers, so SQLite may rebuild it."""
    if sqlite:
        with op.batch_alter_table("order_change", recreate="always") as batch_op:
            batch_op.drop_constraint("ck_order_change_status", type_="check")
            batch_op.alter_column("status", type_=sa.String(length),
                                  existing_nullable=False)
            batch_op.create_check_constraint("ck_order_change_status", _in("status", codes))
    else:
        op.drop_constraint("ck_order_change_status", "order_change", type_="check")
        op.alter_column("order_change", "status", type_=sa.String(length),
                        existing_nullable=False)
        op.create_check_constraint("ck_order_change_status", "order_change",
                                   _in("status", codes))


def _add_reference(table: str, column: str, target: str, sqlite: bool) -> None:
    fk_name = f"fk_{table}_{column}_{target}"
    if sqlite:
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
                   f"CONSTRAINT {fk_name} REFERENCES {target} (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(fk_name, table, target, [column], ["id"])
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(f"ix_{table}_{column}", table, [column], sqlite_where=where,
                    postgresql_where=where)


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, target in REFERENCES:
        _add_reference(table, column, target, sqlite)
    for table, column, kind in COLUMNS:
        op.add_column(table, sa.Column(column, kind, nullable=True))
    _customer_files_at_c_and_permanent()
    op.add_column("contract", sa.Column("needs_review", sa.Boolean(), nullable=False,
                                        server_default=sa.true()))
    _change_statuses(NEW_CHANGE_STATUSES, 18, sqlite)


def _customer_files_at_c_and_permanent() -> None:
    op.execute("UPDATE loan SET level = 'internal' WHERE level = 'public' AND "
               "archive_file_id IN (SELECT id FROM archive_file WHERE level = 'public')")
    op.execute("UPDATE archive_file SET level = 'internal' WHERE level = 'public'")
    op.execute("UPDATE archive_file SET retention = 'permanent' "
               "WHERE retention <> 'permanent' AND customer_id IS NOT NULL")


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    # A notice only the business manager confirmed waits again for its one confirmation.
    op.execute("UPDATE order_change SET status = 'pending' "
               "WHERE status = 'business_confirmed'")
    _change_statuses(OLD_CHANGE_STATUSES, 12, sqlite)
    with op.batch_alter_table("contract") as batch_op:
        batch_op.drop_column("needs_review")
    for table, column, _target in REFERENCES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    for table, column, *_rest in (*REFERENCES, *COLUMNS):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column(column)
