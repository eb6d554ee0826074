"""merge the parallel branches (complaints, workflows, audit, attachments, performance)

Revision ID: 0007_merge
Revises: 0002_complaints, 0003_workflows, 0004_audit, 0005_attachments, 0006_performance
"""

revision = "0007_merge"
down_revision = ("0002_complaints", "0003_workflows", "0004_audit", "0005_attachments",
                 "0006_performance")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
