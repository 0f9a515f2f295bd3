"""question_score.question_key: the fingerprint of each graded question's key

A question whose correct answer was changed under the same id must not have its old and
new answers counted together; the statistics group the scores by (id, key). Backfilled
from the attempts' snapshots, in batches, with the same function that grading uses.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from course.questionkey import snapshot_key

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table('question_score') as batch:
        batch.add_column(sa.Column('question_key', sa.String(length=12), nullable=False,
                                   server_default=''))
    attempt = sa.table('attempt', sa.column('id', sa.Integer), sa.column('questions', sa.JSON))
    score = sa.table('question_score', sa.column('attempt_id', sa.Integer),
                     sa.column('position', sa.Integer), sa.column('question_key', sa.String))
    bind = op.get_bind()
    scored = sa.select(score.c.attempt_id).distinct()
    last = 0
    while True:
        rows = bind.execute(sa.select(attempt.c.id, attempt.c.questions)
                            .where(attempt.c.id > last, attempt.c.id.in_(scored))
                            .order_by(attempt.c.id).limit(BATCH)).all()
        if not rows:
            break
        keys = []
        for attempt_id, questions in rows:
            questions = json.loads(questions) if isinstance(questions, str) else questions
            for position, slot in enumerate(questions or []):
                keys.append({"a": attempt_id, "p": position,
                             "k": snapshot_key(slot["question"])})
        if keys:
            bind.execute(score.update()
                         .where(score.c.attempt_id == sa.bindparam("a"),
                                score.c.position == sa.bindparam("p"))
                         .values(question_key=sa.bindparam("k")), keys)
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('question_score') as batch:
        batch.drop_column('question_key')
