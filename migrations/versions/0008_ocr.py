"""ocr: OCR jobs for scanned PDFs and images (issue 19)

Revision ID: 0008
Revises: 0007

- ocr_job: one row per document version (or attachment) whose file has no
  text layer; claimed by `flask ocr worker` under a lease, with attempts,
  the failure reason and the pages read so far.
- issue_attachment: files (photos, scans) attached to problem reports, with
  their text (OCR) and whether a photo's GPS position was removed.
- preview: one row per blob whose thumbnail, page images and DOCX HTML the
  worker makes in the background.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ocr_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=20), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('worker', sa.String(length=100), nullable=False),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('pages', sa.Integer(), nullable=True),
        sa.Column('page_texts', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'running', 'done', 'failed')",
                           name=op.f('ck_ocr_job_state_known')),
        sa.CheckConstraint("target IN ('version', 'attachment')", name=op.f('ck_ocr_job_target_known')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ocr_job')),
        sa.UniqueConstraint('target', 'target_id', name='uq_ocr_job_target'),
    )
    with op.batch_alter_table('ocr_job') as batch_op:
        batch_op.create_index('ix_ocr_job_state_id', ['state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ocr_job_sha256'), ['sha256'], unique=False)


    op.create_table(
        'issue_attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issue_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('text_status', sa.String(length=20), nullable=False),
        sa.Column('gps_removed', sa.Boolean(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['issue_id'], ['issue.id'], name=op.f('fk_issue_attachment_issue_id_issue')),
        sa.ForeignKeyConstraint(['sha256'], ['blob.sha256'], name=op.f('fk_issue_attachment_sha256_blob')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                                name=op.f('fk_issue_attachment_uploaded_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_attachment')),
    )
    with op.batch_alter_table('issue_attachment') as batch_op:
        batch_op.create_index(batch_op.f('ix_issue_attachment_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issue_attachment_sha256'), ['sha256'], unique=False)
    op.create_table(
        'preview',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('worker', sa.String(length=100), nullable=False),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('total_pages', sa.Integer(), nullable=False),
        sa.Column('has_html', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'running', 'done', 'failed')",
                           name=op.f('ck_preview_state_known')),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_preview')),
    )
    with op.batch_alter_table('preview') as batch_op:
        batch_op.create_index(batch_op.f('ix_preview_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('preview') as batch_op:
        batch_op.drop_index(batch_op.f('ix_preview_state'))
    op.drop_table('preview')
    with op.batch_alter_table('issue_attachment') as batch_op:
        batch_op.drop_index(batch_op.f('ix_issue_attachment_sha256'))
        batch_op.drop_index(batch_op.f('ix_issue_attachment_issue_id'))
    op.drop_table('issue_attachment')
    with op.batch_alter_table('ocr_job') as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocr_job_sha256'))
        batch_op.drop_index('ix_ocr_job_state_id')
    op.drop_table('ocr_job')
