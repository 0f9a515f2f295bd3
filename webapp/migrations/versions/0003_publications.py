"""publications: the distribution list of the Bulletin and the Handbook

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bulletin_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_bulletin_recipient_organisation_id'), 'bulletin_recipient',
                    ['organisation_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_bulletin_recipient_organisation_id'), table_name='bulletin_recipient')
    op.drop_table('bulletin_recipient')
