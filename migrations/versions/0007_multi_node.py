"""several application nodes on one database: job leases, the index change
log read by every node from its own cursor

Revision ID: 0007
Revises: 0006

- job_lease: one row per scheduled job (holder node, run key, expiry), so
  each slot of a job runs on one node only.
- index_change replaces index_outbox: an append-only log ordered by
  (txid, id), txid being the writing transaction's id on PostgreSQL; rows
  are pruned once every node is past them. The outbox's pending rows are
  dropped: every node rebuilds its index once (its index has no cursor).
- index_node: each node's cursor in the log and when it was last seen.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


PG_TXID = "(pg_current_xact_id()::text::bigint)"


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "index_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("txid", sa.BigInteger(), server_default=sa.text(PG_TXID if postgres else "0"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_change")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_index_change_position", "index_change", ["txid", "id"], unique=False)
    op.create_table(
        "index_node",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("cursor_txid", sa.BigInteger(), nullable=False),
        sa.Column("cursor_id", sa.BigInteger(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_index_node")),
    )
    op.drop_table("index_outbox")
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
    op.create_table(
        "index_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_outbox")),
    )
    op.drop_table("index_node")
    op.drop_index("ix_index_change_position", table_name="index_change")
    op.drop_table("index_change")
    op.drop_table("job_lease")
