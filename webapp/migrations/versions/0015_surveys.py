"""Surveys: anonymous evaluation questionnaires (issue 18, helper h7)

Placeholder created before the work was split among helpers, so that each migration has a
fixed place in the chain; its owner fills in the tables.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:55:00
"""

from __future__ import annotations

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
