"""handoff queue: the delivery state of each staff message to a resident

Revision ID: 0009_delivery
Revises: 0008_staff_outbox
Create Date: 2026-12-03

ho_note.delivery (replies only): "delivered" (the channel's send succeeded, or
the web chat page fetched it), "waiting" (waits until the resident writes or
the web chat page fetches it), "failed" (the send failed). delivered_at: when it
reached the resident. Replies stored before this revision keep NULL ("unknown").
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_delivery'
down_revision = '0008_staff_outbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ho_note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('delivered_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ho_note', schema=None) as batch_op:
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('delivery')
