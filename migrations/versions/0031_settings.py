"""rules the office can set: stored settings, grant changes and approved grants

``app_setting`` holds the office's value of each declared setting (NULL: the code's
default; models/office_settings.py), ``grant_change`` the grant changes an administrator
proposes and the GM office decides (models/grant_change.py), ``role_grant`` the grants as
approved. The generation counter that tells every worker to reload is a row of
``number_counter`` (scope ``settings:generation``), made on the first change.

Revision ID: 0031_settings
Revises: 0024_audit_request_id
"""
import sqlalchemy as sa
from alembic import op

revision = "0031_settings"
down_revision = "0024_audit_request_id"
branch_labels = None
depends_on = None

ROLES = ("clerk", "supervisor", "gm_office", "legal", "auditor", "admin")
SCOPES = ("all", "department", "own")
STATUSES = ("pending", "approved", "rejected", "withdrawn")


def partial_index(batch_op, table: str, column: str) -> None:
    where = sa.text(f"{column} IS NOT NULL")
    batch_op.create_index(f"ix_{table}_{column}", [column], unique=False,
                          sqlite_where=where, postgresql_where=where)


def upgrade():
    op.create_table(
        "app_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["changed_by_id"], ["app_user.id"],
                                name=op.f("fk_app_setting_changed_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_setting")),
        sa.UniqueConstraint("key", name=op.f("uq_app_setting_key")),
    )
    with op.batch_alter_table("app_setting", schema=None) as batch_op:
        partial_index(batch_op, "app_setting", "changed_by_id")
    op.create_table(
        "grant_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum(*ROLES, native_enum=False, create_constraint=True,
                                  length=12), nullable=False),
        sa.Column("record", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.Enum(*SCOPES, native_enum=False, create_constraint=True,
                                   length=12), nullable=False),
        sa.Column("allowed_actions", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.Enum(*STATUSES, native_enum=False, create_constraint=True,
                                    length=12), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by_id"], ["app_user.id"],
                                name=op.f("fk_grant_change_decided_by_id_app_user")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["app_user.id"],
                                name=op.f("fk_grant_change_requested_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_change")),
    )
    with op.batch_alter_table("grant_change", schema=None) as batch_op:
        partial_index(batch_op, "grant_change", "decided_by_id")
        batch_op.create_index("ix_grant_change_requested_at", ["requested_at"],
                              unique=False)
        batch_op.create_index("ix_grant_change_status_requested_at",
                              ["status", "requested_at"], unique=False)
        batch_op.create_index("ix_grant_change_requester_requested_at",
                              ["requested_by_id", "requested_at"], unique=False)
    op.create_table(
        "role_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum(*ROLES, native_enum=False, create_constraint=True,
                                  length=12), nullable=False),
        sa.Column("record", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("changed_by_grant_change_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_grant_change_id"], ["grant_change.id"],
            name=op.f("fk_role_grant_changed_by_grant_change_id_grant_change")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grant")),
        sa.UniqueConstraint("role", "record", name=op.f("uq_role_grant_role_record")),
    )
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        partial_index(batch_op, "role_grant", "changed_by_grant_change_id")


def downgrade():
    op.drop_table("role_grant")
    op.drop_table("grant_change")
    op.drop_table("app_setting")
    op.execute("DELETE FROM number_counter WHERE scope = 'settings:generation'")
