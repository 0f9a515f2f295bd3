"""E-mail and personal data (issue 16)

- ``mail_message``: the outbox and the log of what was sent to whom and when;
- ``mail_preference``: each person's choice of non-essential messages;
- ``privacy_consent``: which version of the privacy notice a person saw, and when;
- ``erasure_request``: requests to erase a person's data and their decisions;
- ``audit_entry``: staff access to personal data (never the data itself);
- ``user.language`` (the language of a person's e-mails), ``user.pseudonymised_at``;
- ``training_session.cancelled_at``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('language', text(length=5), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('pseudonymised_at', moment(), nullable=True))
    with op.batch_alter_table('training_session') as batch:
        batch.add_column(sa.Column('cancelled_at', moment(), nullable=True))
    op.create_table(
        'mail_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', text(length=200), nullable=False),
        sa.Column('kind', text(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('to_address', text(length=254), nullable=False),
        sa.Column('subject', text(length=300), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('html_body', sa.Text(), nullable=False),
        sa.Column('attachments', sa.JSON(), nullable=False),
        sa.Column('language', text(length=5), nullable=False),
        sa.Column('status', text(length=10), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('message_id', text(length=200), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', moment(), nullable=False),
        sa.Column('sent_at', moment(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['created_by'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index('ix_mail_message_kind', 'mail_message', ['kind'])
    op.create_index('ix_mail_message_user_id', 'mail_message', ['user_id'])
    op.create_index('ix_mail_message_status_created', 'mail_message', ['status', 'created_at'])
    op.create_table(
        'mail_preference',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', text(length=40), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('updated_at', moment(), nullable=False),
        sa.Column('via', text(length=12), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('user_id', 'kind'),
    )
    op.create_table(
        'privacy_consent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('notice_version', text(length=64), nullable=False),
        sa.Column('via', text(length=12), nullable=False),
        sa.Column('at', moment(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_privacy_consent_user_id', 'privacy_consent', ['user_id'])
    op.create_table(
        'erasure_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('channel', text(length=10), nullable=False),
        sa.Column('recorded_by', sa.Integer(), nullable=True),
        sa.Column('requested_at', moment(), nullable=False),
        sa.Column('status', text(length=10), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', moment(), nullable=True),
        sa.Column('reason', text(length=500), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['recorded_by'], ['user.id']),
        sa.ForeignKeyConstraint(['decided_by'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_erasure_request_user_id', 'erasure_request', ['user_id'])
    op.create_table(
        'audit_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', moment(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', text(length=40), nullable=False),
        sa.Column('subject_user_id', sa.Integer(), nullable=True),
        sa.Column('target', text(length=200), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id']),
        sa.ForeignKeyConstraint(['subject_user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_entry_at', 'audit_entry', ['at'])
    op.create_index('ix_audit_entry_actor_id', 'audit_entry', ['actor_id'])
    op.create_index('ix_audit_entry_subject_user_id', 'audit_entry', ['subject_user_id'])


def downgrade() -> None:
    op.drop_table('audit_entry')
    op.drop_table('erasure_request')
    op.drop_table('privacy_consent')
    op.drop_table('mail_preference')
    op.drop_index('ix_mail_message_status_created', table_name='mail_message')
    op.drop_table('mail_message')
    with op.batch_alter_table('training_session') as batch:
        batch.drop_column('cancelled_at')
    with op.batch_alter_table('user') as batch:
        batch.drop_column('pseudonymised_at')
        batch.drop_column('language')
