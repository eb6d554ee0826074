"""attachments: files attached to records, served only through the record's checks

Revision ID: 0005_attachments
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_attachments"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_table", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["app_user.id"],
                                name=op.f("fk_attachment_uploaded_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_attachment_stored_name")),
    )
    op.create_index("ix_attachment_owner", "attachment", ["owner_table", "owner_id"])


def downgrade():
    op.drop_index("ix_attachment_owner", table_name="attachment")
    op.drop_table("attachment")
