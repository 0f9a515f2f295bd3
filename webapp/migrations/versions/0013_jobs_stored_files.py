"""Background jobs, their runners' heartbeats, stored files and a shared cache (issue 15)

- ``job``: the queue webapp/jobs.py runs (certificate PDFs, the Handbook, e-mail);
- ``job_runner``: each runner's heartbeat, for the readiness check;
- ``stored_file``: files made once and served by every app server (certificate PDFs
  rendered at issue, the Handbook), carried by backups with the rest of the database;
- ``shared_cache``: results shared by all workers and servers (quiz statistics).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_WAITING = sa.text("status = 'queued' AND key <> ''")


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', text(length=50), nullable=False),
        sa.Column('key', text(length=200), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', text(length=10), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('run_after', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('locked_by', text(length=100), nullable=False),
        sa.Column('locked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_job_ready', 'job', ['status', 'run_after'])
    op.create_index('uq_job_waiting_key', 'job', ['kind', 'key'], unique=True,
                    sqlite_where=_WAITING, postgresql_where=_WAITING)
    op.create_table(
        'job_runner',
        sa.Column('name', text(length=100), nullable=False),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'stored_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', text(length=30), nullable=False),
        sa.Column('key', text(length=200), nullable=False),
        sa.Column('media_type', text(length=100), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', text(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'key', name='uq_stored_file_kind_key'),
    )
    op.create_table(
        'shared_cache',
        sa.Column('key', text(length=200), nullable=False),
        sa.Column('stamp', text(length=200), nullable=False),
        sa.Column('value', sa.LargeBinary(), nullable=False),
        sa.Column('computed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('shared_cache')
    op.drop_table('stored_file')
    op.drop_table('job_runner')
    op.drop_index('uq_job_waiting_key', table_name='job')
    op.drop_index('ix_job_ready', table_name='job')
    op.drop_table('job')
