"""several application nodes on one database: job leases, the index change
log read by every node from its own cursor

Revision ID: 0007_multi_node
Revises: 0006

- job_lease: one row per scheduled job (holder node, run key, expiry), so
  each slot of a job runs on one node only.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_multi_node"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_lease",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("run_key", sa.String(length=80), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_lease")),
    )


def downgrade():
    op.drop_table("job_lease")
