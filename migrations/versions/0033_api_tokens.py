"""personal API tokens (``models/api_token.py``)

Revision ID: 0033_api_tokens
Revises: 0031_settings
"""
import sqlalchemy as sa
from alembic import op

revision = "0033_api_tokens"
down_revision = "0031_settings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("shown", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("scope IN ('read', 'read-write')", name="ck_api_token_scope"),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"],
                                name="fk_api_token_created_by_id_app_user"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name="fk_api_token_user_id_app_user"),
        sa.PrimaryKeyConstraint("id", name="pk_api_token"),
        sa.UniqueConstraint("digest", name="uq_api_token_digest"),
    )
    op.create_index("ix_api_token_user_id", "api_token", ["user_id"])


def downgrade():
    op.drop_index("ix_api_token_user_id", table_name="api_token")
    op.drop_table("api_token")
