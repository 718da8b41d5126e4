"""tracked changes and comments of a version

Revision ID: 0003
Revises: 0002

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tracked_changes', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('comments', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.drop_column('comments')
        batch_op.drop_column('tracked_changes')
