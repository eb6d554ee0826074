"""separation of duties: who proposed / submitted; loans fix what their approval needs

- penalty.proposed_by_id, complaint.handling_proposed_by_id,
  contract.review_submitted_by_id, contract_review.recorded_by_id: the earlier
  signature a later step's approver may not have given (``Transition.not_by``);
- loan.needs_legal: the legal office's approval is needed, fixed while the loan waits
  (switching the file's category away and back cannot skip it);
- loan.approved_level: the file's level the loan was approved at (the loan opens the
  file only up to it, or the borrower's clearance);
- loan.status: a new code ``legal_approved`` (approved by the legal office, awaiting
  the GM office), so the CHECK constraint and the column's length change.

Hand-written. On SQLite the new reference columns are added in place (``ALTER TABLE
… ADD COLUMN`` with REFERENCES, as in 0003): a rebuild would drop the full-text
triggers of 0006. The loan table has to be rebuilt for its status CHECK; its
full-text triggers are created again right after.

Revision ID: 0016_separation_of_duties
Revises: 0013_account_changes_sessions
"""
import sqlalchemy as sa
from alembic import op

from models.indexes import sqlite_search_ddl

revision = "0016_separation_of_duties"
down_revision = "0013_account_changes_sessions"
branch_labels = None
depends_on = None

#: table -> new reference to the user who signed an earlier step
SIGNATURES = {"penalty": "proposed_by_id", "complaint": "handling_proposed_by_id",
              "contract": "review_submitted_by_id", "contract_review": "recorded_by_id"}
LEVELS = ("public", "internal", "confidential", "secret")
OLD_STATUSES = ("requested", "approved", "rejected", "lent", "returned")
NEW_STATUSES = ("requested", "legal_approved", "approved", "rejected", "lent", "returned")
#: Searched columns as 0006 froze them, for tables this revision rebuilds on SQLite
#: (a rebuild drops their full-text triggers, which are made again).
SEARCH = {"loan": ("purpose", "outside_name", "inquiry_notice_no"),
          "complaint": ("number", "content", "product", "batch_no")}


def _in(column: str, codes) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{code}'" for code in codes))


def _add_signatures(sqlite: bool) -> None:
    for table, column in SIGNATURES.items():
        fk_name = f"fk_{table}_{column}_app_user"
        if sqlite:
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
                       f"CONSTRAINT {fk_name} REFERENCES app_user (id)")
        else:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(fk_name, table, "app_user", [column], ["id"])
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(f"ix_{table}_{column}", table, [column], sqlite_where=where,
                        postgresql_where=where)


def _search_triggers(table: str) -> None:
    """The full-text triggers of a rebuilt SQLite table (0006), then a re-index."""
    for name in ("ai", "ad", "au"):
        op.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_fts_{name}"))
    for statement in sqlite_search_ddl(table, SEARCH[table])[1:]:
        op.execute(sa.text(statement))


def _loan_status(codes, length: int, sqlite: bool) -> None:
    if sqlite:
        with op.batch_alter_table("loan", recreate="always") as batch_op:
            batch_op.drop_constraint("ck_loan_status", type_="check")
            batch_op.alter_column("status", type_=sa.String(length),
                                  existing_nullable=False)
            batch_op.create_check_constraint("ck_loan_status", _in("status", codes))
        _search_triggers("loan")
    else:
        op.drop_constraint("ck_loan_status", "loan", type_="check")
        op.alter_column("loan", "status", type_=sa.String(length), existing_nullable=False)
        op.create_check_constraint("ck_loan_status", "loan", _in("status", codes))


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    _add_signatures(sqlite)
    op.add_column("loan", sa.Column("needs_legal", sa.Boolean(), nullable=False,
                                    server_default=sa.false()))
    if sqlite:
        op.execute("ALTER TABLE loan ADD COLUMN approved_level VARCHAR(12) CONSTRAINT "
                   f"ck_loan_approved_level CHECK ({_in('approved_level', LEVELS)})")
    else:
        op.add_column("loan", sa.Column("approved_level", sa.String(12), nullable=True))
        op.create_check_constraint("ck_loan_approved_level", "loan",
                                   _in("approved_level", LEVELS))
    # Loans waiting now keep what their approval needs; loans approved before this
    # revision were approved at their file's level as it is now.
    op.execute("UPDATE loan SET needs_legal = TRUE WHERE status = 'requested' AND ("
               "borrower_id IS NULL OR EXISTS (SELECT 1 FROM archive_file f WHERE "
               "f.id = loan.archive_file_id AND (f.level = 'secret' "
               "OR f.category = 'litigation')))")
    op.execute("UPDATE loan SET approved_level = level "
               "WHERE status IN ('approved', 'lent', 'returned')")
    _loan_status(NEW_STATUSES, 14, sqlite)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    # A loan approved by the legal office only goes back to waiting for the GM office.
    op.execute("UPDATE loan SET status = 'requested' WHERE status = 'legal_approved'")
    _loan_status(OLD_STATUSES, 12, sqlite)
    with op.batch_alter_table("loan") as batch_op:
        if sqlite:
            batch_op.drop_constraint("ck_loan_approved_level", type_="check")
        batch_op.drop_column("approved_level")
        batch_op.drop_column("needs_legal")
    for table, column in SIGNATURES.items():
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column(column)
    if sqlite:
        for table in SEARCH:
            _search_triggers(table)
