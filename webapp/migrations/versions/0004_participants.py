"""participants: a learner's sex and phone, from the participants import

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 06:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('sex', sqlmodel.sql.sqltypes.AutoString(length=1),
                                   nullable=False, server_default=''))
        batch.add_column(sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30),
                                   nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.drop_column('phone')
        batch.drop_column('sex')
