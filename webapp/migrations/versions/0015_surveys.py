"""Surveys: anonymous evaluation questionnaires (issue 18, helper h7)

- ``survey_response``: one anonymous answer sheet (a random key, no user, no time);
- ``survey_answered``: that a person has answered a survey (for a session), and the day.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        'survey_response',
        sa.Column('id', text(length=32), nullable=False),
        sa.Column('survey_id', text(length=100), nullable=False),
        sa.Column('survey_version', text(length=16), nullable=False),
        sa.Column('topic_id', text(length=100), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('trainer_id', sa.Integer(), nullable=True),
        sa.Column('organisation_kind', text(length=20), nullable=False),
        sa.Column('audience', text(length=50), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['training_session.id']),
        sa.ForeignKeyConstraint(['trainer_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_survey_response_topic_id', 'survey_response', ['topic_id'])
    op.create_index('ix_survey_response_session_id', 'survey_response', ['session_id'])
    op.create_index('ix_survey_response_trainer_id', 'survey_response', ['trainer_id'])
    op.create_index('ix_survey_response_survey_session', 'survey_response',
                    ['survey_id', 'session_id'])
    op.create_table(
        'survey_answered',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('survey_id', text(length=100), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('answered_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('user_id', 'survey_id', 'session_id'),
    )


def downgrade() -> None:
    op.drop_table('survey_answered')
    op.drop_index('ix_survey_response_survey_session', 'survey_response')
    op.drop_index('ix_survey_response_trainer_id', 'survey_response')
    op.drop_index('ix_survey_response_session_id', 'survey_response')
    op.drop_index('ix_survey_response_topic_id', 'survey_response')
    op.drop_table('survey_response')
