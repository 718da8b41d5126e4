"""saved views of the lists (issue 18): saved_search.scope

Revision ID: 0010
Revises: 0009

- saved_search.scope: "search" (the saved searches so far) or the list a
  saved view is of ("documents", "issues").
- indexes for the lists and the dashboard at scale: document.updated_at,
  document.title (sorting), document_version (author_id, state) (my counts).
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("saved_search") as batch:
        batch.add_column(sa.Column("scope", sa.String(length=20), nullable=False, server_default="search"))
    op.create_index("ix_document_updated_at", "document", ["updated_at"])
    op.create_index("ix_document_title", "document", ["title"])
    op.create_index("ix_document_version_author_state", "document_version", ["author_id", "state"])


def downgrade():
    op.drop_index("ix_document_version_author_state", table_name="document_version")
    op.drop_index("ix_document_title", table_name="document")
    op.drop_index("ix_document_updated_at", table_name="document")
    op.execute("DELETE FROM saved_search WHERE scope <> 'search'")
    with op.batch_alter_table("saved_search") as batch:
        batch.drop_column("scope")
