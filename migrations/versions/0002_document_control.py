"""document control: approval route fixed at submission, review records,
signed bytes

Revision ID: 0002
Revises: 0001

- document_version.approval_route: the signatures a version needs, fixed
  when it is submitted.
  Versions already under review get the route their document asks for now.
- document.reviewed_on: the last review (effective or "reviewed, no
  change"); the next review counts from it. Existing documents take the
  date their effective version became effective.
- signature.sha256: the bytes signed; existing signatures take their
  version's sha256.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval_route', sa.String(length=40), nullable=True))
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_on', sa.Date(), nullable=True))
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))

    op.execute(
        "UPDATE document_version SET "
        "approval_route = (SELECT CASE WHEN d.important THEN 'dept_head,leader' ELSE 'dept_head' END "
        "                  FROM document d WHERE d.id = document_version.document_id) "
        "WHERE state IN ('in_review', 'pending_approval')"
    )
    day = "date(v.effective_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(v.effective_at AS DATE)"
    op.execute(
        f"UPDATE document SET reviewed_on = (SELECT {day} FROM document_version v "
        "WHERE v.document_id = document.id AND v.state = 'effective')"
    )
    op.execute(
        "UPDATE signature SET sha256 = (SELECT v.sha256 FROM document_version v "
        "WHERE v.id = signature.version_id)"
    )


def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_column('sha256')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('reviewed_on')
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.drop_column('approval_route')
