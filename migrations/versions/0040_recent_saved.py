"""recent_view and saved_filter: a user's recently opened records and saved list filters

Revision ID: 0040_recent_saved
Revises: 0039_service_reminders
"""
import sqlalchemy as sa
from alembic import op

revision = "0040_recent_saved"
down_revision = "0039_service_reminders"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recent_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("viewed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE",
                                name="fk_recent_view_user_id_app_user"),
        sa.PrimaryKeyConstraint("id", name="pk_recent_view"),
        sa.UniqueConstraint("user_id", "slot", name="uq_recent_view_user_id_slot"),
    )
    op.create_index("ix_recent_view_user_id_viewed_at", "recent_view",
                    ["user_id", "viewed_at"])
    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE",
                                name="fk_saved_filter_user_id_app_user"),
        sa.PrimaryKeyConstraint("id", name="pk_saved_filter"),
        sa.UniqueConstraint("user_id", "list_name", "name",
                            name="uq_saved_filter_user_id_list_name_name"),
    )


def downgrade():
    op.drop_table("saved_filter")
    op.drop_index("ix_recent_view_user_id_viewed_at", table_name="recent_view")
    op.drop_table("recent_view")
