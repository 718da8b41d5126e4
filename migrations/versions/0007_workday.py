"""saved views of the lists (issue 18): saved_search.scope

Revision ID: 0007_workday
Revises: 0006

- saved_search.scope: "search" (the saved searches so far) or the list a
  saved view is of ("documents", "issues").
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_workday"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("saved_search") as batch:
        batch.add_column(sa.Column("scope", sa.String(length=20), nullable=False, server_default="search"))


def downgrade():
    op.execute("DELETE FROM saved_search WHERE scope <> 'search'")
    with op.batch_alter_table("saved_search") as batch:
        batch.drop_column("scope")
