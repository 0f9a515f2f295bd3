"""login sessions and known addresses: sign-out that ends the session on the server

``login_session`` holds one row per signed-in browser (the SHA-256 of the random id its
cookie carries); ``known_address`` the keyed hashes of the addresses each user signed in
from, so failed logins by strangers elsewhere never delay the owner there. Sessions
signed in before this revision end: their cookies carry no id that has a row.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_session',
        sa.Column('id_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index('ix_login_session_user_id', 'login_session', ['user_id'], unique=False)
    op.create_table(
        'known_address',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('user_id', 'address'),
    )


def downgrade() -> None:
    op.drop_table('known_address')
    op.drop_index('ix_login_session_user_id', table_name='login_session')
    op.drop_table('login_session')
