"""audit: hash chain, level and append-only guard for audit events

Adds to ``audit_event`` the level the record had (who may read the values) and
the chain digests, chains the events already stored, creates the one-row
``audit_chain_head`` that appending locks, indexes for failed-login counting, and
database triggers that refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of an
event, so not even SQL typed by hand changes the log without disabling them first.

Note for later migrations: a SQLite ``batch_alter_table`` on ``audit_event``
rebuilds the table and silently drops its triggers; create them again after it
(``create_triggers`` below).

Revision ID: 0004_audit
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_audit"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

SQLITE_TRIGGERS = {
    "audit_event_no_update": "BEFORE UPDATE",
    "audit_event_no_delete": "BEFORE DELETE",
}


def create_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_event_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP;
            END $$""")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE "
                   "ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        op.execute("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")
        return
    for name, when in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} ON audit_event BEGIN "
                   "SELECT RAISE(ABORT, 'audit_event is append-only'); END")


def drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def chain_existing_events() -> tuple[int, str]:
    """Digest the events written before this revision, in id order."""
    # The digest is the application's: one definition, or verify would disagree.
    from models.audit import event_digest

    events = sa.table(
        "audit_event", sa.column("id", sa.Integer), sa.column("at", sa.DateTime),
        *(sa.column(name, sa.String) for name in (
            "user_id", "username", "address", "action", "model", "record_id",
            "endpoint", "changes", "level", "prev_digest", "digest")))
    bind = op.get_bind()
    rows = bind.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    last_id, last = 0, GENESIS
    for row in rows:
        values = {**row, "user_id": int(row["user_id"]) if row["user_id"] is not None
                  else None}
        digest = event_digest(values, last)
        bind.execute(events.update().where(events.c.id == row["id"])
                     .values(prev_digest=last, digest=digest))
        last_id, last = row["id"], digest
    return last_id, last


def upgrade():
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("level", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("prev_digest", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
    last_id, last_digest = chain_existing_events()
    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("prev_digest", existing_type=sa.String(length=64),
                           nullable=False)
        batch.alter_column("digest", existing_type=sa.String(length=64), nullable=False)
        batch.create_index("ix_audit_event_action_username", ["action", "username", "at"])
        batch.create_index("ix_audit_event_action_address", ["action", "address", "at"])

    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.bulk_insert(head, [{"id": 1, "last_id": last_id, "last_digest": last_digest}])
    create_triggers()


def downgrade():
    drop_triggers()
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_index("ix_audit_event_action_address")
        batch.drop_index("ix_audit_event_action_username")
        batch.drop_column("digest")
        batch.drop_column("prev_digest")
        batch.drop_column("level")
