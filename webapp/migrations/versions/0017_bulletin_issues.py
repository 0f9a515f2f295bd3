"""The Bulletin's distribution: which issue went to whom (issue 18 item 4, helper h8)

Placeholder created before the work was handed out, so that the migration has a fixed
place in the chain; its owner fills in the tables.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 17:30:00
"""

from __future__ import annotations

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
