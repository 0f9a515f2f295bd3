"""Spaced review: FSRS cards and review log (issue 18, helper h6)

- ``review_card``: a learner's card per self-check question (quiz, question id and the
  fingerprint of its key), with its FSRS state; retired when the question's key changes;
- ``review_log``: each answer given in the review, its grade and rating, and the card's state
  before it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 16:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        'review_card',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('module_id', text(length=100), nullable=False),
        sa.Column('quiz_id', text(length=100), nullable=False),
        sa.Column('question_id', text(length=100), nullable=False),
        sa.Column('question_key', text(length=12), nullable=False),
        sa.Column('state', sa.Integer(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=True),
        sa.Column('stability', sa.Float(), nullable=True),
        sa.Column('difficulty', sa.Float(), nullable=True),
        sa.Column('due', moment(), nullable=False),
        sa.Column('last_review', moment(), nullable=True),
        sa.Column('reps', sa.Integer(), nullable=False),
        sa.Column('created_at', moment(), nullable=False),
        sa.Column('retired_at', moment(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'quiz_id', 'question_id', 'question_key'),
    )
    op.create_index('ix_review_card_user_due', 'review_card', ['user_id', 'retired_at', 'due'])
    op.create_table(
        'review_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reviewed_at', moment(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=True),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('rated_by', text(length=8), nullable=False),
        sa.Column('result', text(length=12), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('points', sa.Float(), nullable=False),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.Column('before_state', sa.Integer(), nullable=False),
        sa.Column('before_step', sa.Integer(), nullable=True),
        sa.Column('before_stability', sa.Float(), nullable=True),
        sa.Column('before_difficulty', sa.Float(), nullable=True),
        sa.Column('before_due', moment(), nullable=False),
        sa.Column('before_last_review', moment(), nullable=True),
        sa.ForeignKeyConstraint(['card_id'], ['review_card.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_review_log_card_id', 'review_log', ['card_id'])
    op.create_index('ix_review_log_user_at', 'review_log', ['user_id', 'reviewed_at'])


def downgrade() -> None:
    op.drop_index('ix_review_log_user_at', table_name='review_log')
    op.drop_index('ix_review_log_card_id', table_name='review_log')
    op.drop_table('review_log')
    op.drop_index('ix_review_card_user_due', table_name='review_card')
    op.drop_table('review_card')
