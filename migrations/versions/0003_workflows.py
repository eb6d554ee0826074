"""workflows: return-slip deadlines, archive level-change requests

Revision ID: 0003_workflows
Revises: 0001

- return_slip: inspection_due_on / decision_due_on (counted from the arrival date)
  and an index for the list of late slips;
- archive_file: the level change a supervisor asks for and the GM office's decision,
  each with who, when and why.

(No index for late loans: on SQLite one on (status, due_date) would draw the planner
away from ix_loan_borrower_status in the loan-door query that every archive list runs.)

Hand-written, and without batch mode on upgrade: on SQLite a batch operation that
adds a constraint rebuilds the table, which silently drops the triggers other
revisions put on it (full-text search on archive_file and loan). SQLite's own
``ALTER TABLE … ADD COLUMN`` accepts a column's REFERENCES and CHECK clauses, so the
columns are added in place there. (The downgrade does rebuild archive_file on SQLite:
create the full-text triggers of 0006_performance again after it.)
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_workflows"
down_revision = "0001"
branch_labels = None
depends_on = None

LEVELS = ("public", "internal", "confidential", "secret")
LEVEL_CHECK = "requested_level IN ({})".format(", ".join(f"'{code}'" for code in LEVELS))
#: (column, foreign key name) of the archive file's level-change stamps
USER_COLUMNS = (("level_requested_by_id", "fk_archive_file_level_requested_by_id_app_user"),
                ("level_decided_by_id", "fk_archive_file_level_decided_by_id_app_user"))


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"

    op.add_column("return_slip", sa.Column("inspection_due_on", sa.Date(), nullable=True))
    op.add_column("return_slip", sa.Column("decision_due_on", sa.Date(), nullable=True))
    op.create_index("ix_return_slip_status_due", "return_slip", ["status", "decision_due_on"])
    # Slips received before this revision get their deadlines now.
    op.execute("UPDATE return_slip SET inspection_due_on = date(arrived_on, '+3 days'), "
               "decision_due_on = date(arrived_on, '+5 days') WHERE arrived_on IS NOT NULL"
               if sqlite else
               "UPDATE return_slip SET inspection_due_on = arrived_on + 3, "
               "decision_due_on = arrived_on + 5 WHERE arrived_on IS NOT NULL")

    if sqlite:
        op.execute("ALTER TABLE archive_file ADD COLUMN requested_level VARCHAR(12) "
                   f"CONSTRAINT ck_archive_file_requested_level CHECK ({LEVEL_CHECK})")
    else:
        op.add_column("archive_file", sa.Column("requested_level", sa.String(12),
                                                nullable=True))
        op.create_check_constraint("ck_archive_file_requested_level", "archive_file",
                                   LEVEL_CHECK)
    op.add_column("archive_file", sa.Column("level_change_reason", sa.Text(), nullable=True))
    op.add_column("archive_file", sa.Column("level_requested_at", sa.DateTime(),
                                            nullable=True))
    op.add_column("archive_file", sa.Column("level_decision_reason", sa.Text(),
                                            nullable=True))
    op.add_column("archive_file", sa.Column("level_decided_at", sa.DateTime(), nullable=True))
    for column, fk_name in USER_COLUMNS:
        if sqlite:
            op.execute(f"ALTER TABLE archive_file ADD COLUMN {column} INTEGER "
                       f"CONSTRAINT {fk_name} REFERENCES app_user (id)")
        else:
            op.add_column("archive_file", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(fk_name, "archive_file", "app_user", [column], ["id"])
        op.create_index(f"ix_archive_file_{column}", "archive_file", [column])


def downgrade():
    for column, _ in USER_COLUMNS:
        op.drop_index(f"ix_archive_file_{column}", table_name="archive_file")
    # Dropping constrained columns needs a table rebuild on SQLite (batch mode); there
    # the CHECK must go first. Dropping a column also drops its foreign key.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("archive_file", schema=None) as batch_op:
        if sqlite:
            batch_op.drop_constraint("ck_archive_file_requested_level", type_="check")
        for column in ("level_decided_by_id", "level_requested_by_id", "level_decided_at",
                       "level_decision_reason", "level_requested_at", "level_change_reason",
                       "requested_level"):
            batch_op.drop_column(column)
    op.drop_index("ix_return_slip_status_due", table_name="return_slip")
    with op.batch_alter_table("return_slip", schema=None) as batch_op:
        batch_op.drop_column("decision_due_on")
        batch_op.drop_column("inspection_due_on")
