"""report indexes: the dashboard, quiz statistics and knowledge gain at 10,000 learners

Covering indexes on ``attempt``: the reports read a few small columns of many
attempts, and without these SQLite would walk past each row's large ``questions``
JSON (stored before those columns) to reach them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 08:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_attempt_user_progress', 'attempt',
                    ['user_id', 'quiz_id', 'started_at', 'submitted_at', 'state', 'percent',
                     'passed', 'pass_mark'], unique=False)
    op.create_index('ix_attempt_quiz_scores', 'attempt',
                    ['quiz_id', 'state', 'user_id', 'number', 'percent', 'pass_mark', 'passed',
                     'started_at'], unique=False)
    op.create_index('ix_moduleprogress_user_activity', 'moduleprogress',
                    ['user_id', 'last_opened_at', 'studied_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_moduleprogress_user_activity', table_name='moduleprogress')
    op.drop_index('ix_attempt_quiz_scores', table_name='attempt')
    op.drop_index('ix_attempt_user_progress', table_name='attempt')
