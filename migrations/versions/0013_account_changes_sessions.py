"""account changes waiting for approval; a session version per account

``account_change`` holds the changes an administrator may not make alone until a
GM-office member approves them (models/account_change.py). ``app_user.session_version``
is copied into the session at login and checked on every request: raising it (logout, a
new password, deactivation) ends every session of the account. Existing sessions carry
no version and end at their next request: everyone logs in once after the upgrade.

Revision ID: 0013_account_changes_sessions
Revises: 0022_numbered_by_record_date
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_account_changes_sessions"
down_revision = "0022_numbered_by_record_date"
branch_labels = None
depends_on = None

LEVELS = ("public", "internal", "confidential", "secret")
STATUSES = ("pending", "approved", "rejected", "withdrawn")


def upgrade():
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0",
                                      nullable=False))
    op.create_table(
        "account_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("roles", sa.String(length=120), nullable=True),
        sa.Column("clearance", sa.Enum(*LEVELS, native_enum=False, create_constraint=True),
                  nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.Enum(*STATUSES, native_enum=False, create_constraint=True,
                                     length=12), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by_id"], ["app_user.id"],
                                name=op.f("fk_account_change_decided_by_id_app_user")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_account_change_department_id_department")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["app_user.id"],
                                name=op.f("fk_account_change_requested_by_id_app_user")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_account_change_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_change")),
    )
    with op.batch_alter_table("account_change", schema=None) as batch_op:
        for column in ("decided_by_id", "department_id"):
            where = sa.text(f"{column} IS NOT NULL")
            batch_op.create_index(f"ix_account_change_{column}", [column], unique=False,
                                  sqlite_where=where, postgresql_where=where)
        batch_op.create_index("ix_account_change_user_id", ["user_id"], unique=False)
        batch_op.create_index("ix_account_change_requested_at", ["requested_at"],
                              unique=False)
        batch_op.create_index("ix_account_change_requester_requested_at",
                              ["requested_by_id", "requested_at"], unique=False)
        batch_op.create_index("ix_account_change_status_requested_at",
                              ["status", "requested_at"], unique=False)
        pending = sa.text("status = 'pending'")
        batch_op.create_index("uq_account_change_one_pending", ["user_id"], unique=True,
                              sqlite_where=pending, postgresql_where=pending)


def downgrade():
    op.drop_table("account_change")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("session_version")
