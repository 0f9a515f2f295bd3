"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 04:47:15.599306
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('learner_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('oblast', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('throttle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.create_index('ix_throttle_key_at', ['key', 'at'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('position', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('joined_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_login_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_username'), ['username'], unique=True)

    op.create_table('attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('quiz_version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('topic_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('seed', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('pass_mark', sa.Float(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('deadline_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('points', sa.Float(), nullable=True),
    sa.Column('percent', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('results', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_attempt_user_quiz', ['user_id', 'quiz_id'], unique=False)
        batch_op.create_index('uq_attempt_one_open', ['user_id', 'quiz_id'], unique=True, sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))

    op.create_table('groupmember',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['learner_group.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('group_id', 'user_id')
    )
    with op.batch_alter_table('groupmember', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_groupmember_user_id'), ['user_id'], unique=False)

    op.create_table('grouptrainer',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['learner_group.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('group_id', 'user_id')
    )
    with op.batch_alter_table('grouptrainer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grouptrainer_user_id'), ['user_id'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_user_id'), ['user_id'], unique=False)

    op.create_table('moduleprogress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('topic_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('first_opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('seconds_spent', sa.Integer(), nullable=False),
    sa.Column('position', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('studied_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('studied_version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'module_id')
    )
    with op.batch_alter_table('moduleprogress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moduleprogress_user_id'), ['user_id'], unique=False)

    op.create_table('answer',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('saved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], ),
    sa.PrimaryKeyConstraint('attempt_id', 'question_id')
    )


def downgrade() -> None:
    op.drop_table('answer')
    with op.batch_alter_table('moduleprogress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moduleprogress_user_id'))

    op.drop_table('moduleprogress')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_user_id'))

    op.drop_table('invitation')
    with op.batch_alter_table('grouptrainer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grouptrainer_user_id'))

    op.drop_table('grouptrainer')
    with op.batch_alter_table('groupmember', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_groupmember_user_id'))

    op.drop_table('groupmember')
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_index('uq_attempt_one_open', sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))
        batch_op.drop_index('ix_attempt_user_quiz')
        batch_op.drop_index(batch_op.f('ix_attempt_user_id'))

    op.drop_table('attempt')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_username'))
        batch_op.drop_index(batch_op.f('ix_user_organisation_id'))

    op.drop_table('user')
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.drop_index('ix_throttle_key_at')

    op.drop_table('throttle')
    op.drop_table('organisation')
    op.drop_table('learner_group')
