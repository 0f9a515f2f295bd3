"""The Bulletin's distribution: which issue went to whom (issue 18 item 4)

One row per issue sent to a line of the distribution list (``bulletin_recipient``):
the day it was sent and the copies.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bulletin_delivery',
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('issue', sa.Integer(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recipient_id'], ['bulletin_recipient.id'], ),
    sa.PrimaryKeyConstraint('recipient_id', 'issue')
    )
    op.create_index(op.f('ix_bulletin_delivery_issue'), 'bulletin_delivery', ['issue'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_bulletin_delivery_issue'), table_name='bulletin_delivery')
    op.drop_table('bulletin_delivery')
