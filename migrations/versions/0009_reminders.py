"""reminders and escalation, watching, delegation (issue 16)

Revision ID: 0009
Revises: 0008

- reminder_sent: one row per reminder sent (kind, object, recipient,
  stage, period unique), written with the notification.
- watch: a user follows a document or a problem report.
- delegation: a deputy for a date range; signature.on_behalf_of_id.
- units_sold: units of a product sold per month (the failure rate).
- notification_preference (immediate, daily digest or in-app per kind)
  and notification.digested_at.
- review_meeting, meeting_update, meeting_decision (quarterly review
  meeting records; a decision may point at the plan drawn up from it).
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('recipient_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('period', sa.String(length=40), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['recipient_id'], ['user_account.id'],
                                name=op.f('fk_reminder_sent_recipient_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
        sa.UniqueConstraint('kind', 'object_id', 'recipient_id', 'stage', 'period', name='uq_reminder_sent'),
    )
    op.create_index(op.f('ix_reminder_sent_recipient_id'), 'reminder_sent', ['recipient_id'], unique=False)
    op.create_table('watch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=20), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("target IN ('document', 'issue')", name=op.f('ck_watch_watch_target_known')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_watch_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_watch')),
        sa.UniqueConstraint('user_id', 'target', 'target_id', name='uq_watch'),
    )
    op.create_index(op.f('ix_watch_user_id'), 'watch', ['user_id'], unique=False)
    op.create_index(op.f('ix_watch_target_id'), 'watch', ['target_id'], unique=False)
    op.create_table('delegation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delegator_id', sa.Integer(), nullable=False),
        sa.Column('deputy_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_delegation_delegation_dates_ordered')),
        sa.ForeignKeyConstraint(['delegator_id'], ['user_account.id'],
                                name=op.f('fk_delegation_delegator_id_user_account')),
        sa.ForeignKeyConstraint(['deputy_id'], ['user_account.id'], name=op.f('fk_delegation_deputy_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation')),
    )
    op.create_index(op.f('ix_delegation_delegator_id'), 'delegation', ['delegator_id'], unique=False)
    op.create_index(op.f('ix_delegation_deputy_id'), 'delegation', ['deputy_id'], unique=False)
    op.create_table('units_sold',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product', sa.String(length=100), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('units >= 0', name=op.f('ck_units_sold_units_not_negative')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_units_sold')),
        sa.UniqueConstraint('product', 'month', name='uq_units_sold_product_month'),
    )
    op.create_index(op.f('ix_units_sold_product'), 'units_sold', ['product'], unique=False)
    op.create_index(op.f('ix_units_sold_month'), 'units_sold', ['month'], unique=False)
    op.create_table('notification_preference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind_group', sa.String(length=20), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.CheckConstraint("mode IN ('immediate', 'daily', 'in_app')",
                           name=op.f('ck_notification_preference_mode_known')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_notification_preference_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preference')),
        sa.UniqueConstraint('user_id', 'kind_group', name='uq_notification_preference'),
    )
    op.create_index(op.f('ix_notification_preference_user_id'), 'notification_preference', ['user_id'],
                    unique=False)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digested_at', sa.DateTime(), nullable=True))
    op.create_table('review_meeting',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=7), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('attendees', sa.JSON(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_review_meeting_created_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_meeting')),
    )
    op.create_index(op.f('ix_review_meeting_quarter'), 'review_meeting', ['quarter'], unique=False)
    op.create_table('meeting_update',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_meeting_update_department_id_department')),
        sa.ForeignKeyConstraint(['meeting_id'], ['review_meeting.id'],
                                name=op.f('fk_meeting_update_meeting_id_review_meeting'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_update')),
    )
    op.create_index(op.f('ix_meeting_update_meeting_id'), 'meeting_update', ['meeting_id'], unique=False)
    op.create_table('meeting_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_meeting_decision_department_id_department')),
        sa.ForeignKeyConstraint(['meeting_id'], ['review_meeting.id'],
                                name=op.f('fk_meeting_decision_meeting_id_review_meeting'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_meeting_decision_plan_id_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_decision')),
    )
    op.create_index(op.f('ix_meeting_decision_meeting_id'), 'meeting_decision', ['meeting_id'], unique=False)
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_behalf_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_signature_on_behalf_of_id_user_account'), 'user_account',
                                    ['on_behalf_of_id'], ['id'])


def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_signature_on_behalf_of_id_user_account'), type_='foreignkey')
        batch_op.drop_column('on_behalf_of_id')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('digested_at')
    op.drop_table('notification_preference')
    op.drop_table('meeting_decision')
    op.drop_table('meeting_update')
    op.drop_table('review_meeting')
    op.drop_table('units_sold')
    op.drop_table('delegation')
    op.drop_table('watch')
    op.drop_table('reminder_sent')
