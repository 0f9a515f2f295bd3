"""user.specialism: a learner's specialism within their audience (issue 13 item 3)

The id of one of the audience's ``specialisms`` in modules/course.yaml (lawyers, spatial
planning, municipal property, EU programmes among the municipal employees), or NULL when
none is chosen. The learner chooses it on their home page; a trainer sets it at import or
on the participant's page. Existing users have none.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('specialism', sqlmodel.sql.sqltypes.AutoString(length=100),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.drop_column('specialism')
