"""question scores: each graded question of a finished attempt, for the quiz statistics

Backfilled from the attempts' stored questions and results, in batches.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 08:35:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    scores = op.create_table(
        'question_score',
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('question_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('points', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id']),
        sa.PrimaryKeyConstraint('attempt_id', 'position'),
    )
    attempt = sa.table('attempt', sa.column('id', sa.Integer), sa.column('questions', sa.JSON),
                       sa.column('results', sa.JSON), sa.column('state', sa.String))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(attempt.c.id, attempt.c.questions, attempt.c.results)
                            .where(attempt.c.id > last, attempt.c.state != 'open',
                                   attempt.c.results.is_not(None))
                            .order_by(attempt.c.id).limit(BATCH)).all()
        if not rows:
            break
        found: list[dict[str, Any]] = []
        for attempt_id, questions, results in rows:
            questions = json.loads(questions) if isinstance(questions, str) else questions
            results = json.loads(results) if isinstance(results, str) else results
            for position, (slot, result) in enumerate(zip(questions or [], results or [],
                                                          strict=False)):
                found.append({"attempt_id": attempt_id, "position": position,
                              "question_id": slot["question"]["id"],
                              "score": float(result.get("score") or 0),
                              "points": float(result.get("points") or 0)})
        if found:
            bind.execute(sa.insert(scores), found)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table('question_score')
