"""invitation notices: a person is told at sign-in of password codes others made for them

Codes are no longer deleted when a newer one is made or an account closes (they are voided:
they expire at once), so the record of who made which code stays. ``notified_at`` says
when the person was told of a reset code someone else made for them. Codes already on
record count as told, except reset codes that others made in the last 60 days (the
longest a code lives): those are told at the next sign-in.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invitation') as batch:
        batch.add_column(sa.Column('notified_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    invitation = sa.table('invitation', sa.column('purpose', sa.String),
                          sa.column('created_by', sa.Integer), sa.column('user_id', sa.Integer),
                          sa.column('created_at', sqlmodel.sql.sqltypes.UTCDateTime()),
                          sa.column('notified_at', sqlmodel.sql.sqltypes.UTCDateTime()))
    recent = datetime.now(UTC) - timedelta(days=60)
    told_by_others = sa.and_(invitation.c.purpose == 'reset',
                             invitation.c.created_by.is_not(None),
                             invitation.c.created_by != invitation.c.user_id,
                             invitation.c.created_at >= recent)
    op.execute(invitation.update().where(sa.not_(told_by_others))
               .values(notified_at=invitation.c.created_at))


def downgrade() -> None:
    with op.batch_alter_table('invitation') as batch:
        batch.drop_column('notified_at')
