"""handoff queue: announced_at, the outbox marker for new-request notifications

Revision ID: 0003_announced
Revises: 0002_handoff
Create Date: 2026-11-29

Requests are stored by the action server; the assistant service (which holds
the Telegram connection) announces them to the opbouwwerkers of the area. A
conditional UPDATE on announced_at decides which service process announces a
request, so with several service processes each request is announced once.
Requests that existed before this migration count as announced.
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_announced'
down_revision = '0002_handoff'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ho_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announced_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE ho_request SET announced_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table('ho_request', schema=None) as batch_op:
        batch_op.drop_column('announced_at')
