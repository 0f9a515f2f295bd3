"""Spaced review: FSRS cards and review log (issue 18, helper h6)

Placeholder created before the work was split among helpers, so that each migration has a
fixed place in the chain; its owner fills in the tables.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 16:55:00
"""

from __future__ import annotations

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
