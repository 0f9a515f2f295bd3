"""source_version.raw: the exact bytes of a baseline, and of a version that is not UTF-8

A module saved in Windows-1251 was stored as text with every Cyrillic letter replaced,
so its original could not be restored. ``raw`` keeps the bytes as they were on disk.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('source_version') as batch:
        batch.add_column(sa.Column('raw', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('source_version') as batch:
        batch.drop_column('raw')
