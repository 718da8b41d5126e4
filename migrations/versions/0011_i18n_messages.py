"""i18n messages: notifications keep their catalogue msgid and params

Revision ID: 0011
Revises: 0010

- notification.msgid, notification.params: the message as a catalogue
  msgid with its params, shown in each reader's language. Rows from before
  have neither and show their stored (English) message.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("msgid", sa.Text(), nullable=True))
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("params")
        batch.drop_column("msgid")
