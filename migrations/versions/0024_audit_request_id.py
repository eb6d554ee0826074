"""audit events carry the id of the request that wrote them

The same id is on every log line of that request (``request_log.py``), so an
operator goes from a log line to its audit events and back. Nullable: events written
before, and events written outside a request (CLI, scheduler), have none. The chain
digest covers the column when it holds a value (``OPTIONAL_DIGEST_FIELDS``), so the
digests of existing events stay as they are: nothing to re-chain.

Revision ID: 0024_audit_request_id
Revises: 0025_clocks_inquiries
"""
import sqlalchemy as sa
from alembic import op

revision = "0024_audit_request_id"
down_revision = "0025_clocks_inquiries"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases (no table copy on SQLite): the append-only
    # triggers on audit_event stay in place.
    op.add_column("audit_event", sa.Column("request_id", sa.String(64), nullable=True))
    op.create_index("ix_audit_event_request_id", "audit_event", ["request_id"])


def downgrade():
    op.drop_index("ix_audit_event_request_id", table_name="audit_event")
    op.drop_column("audit_event", "request_id")  # SQLite 3.35+: no table copy either
