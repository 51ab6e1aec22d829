"""staff actions: the outbox for messages to residents stored by the CLI

Revision ID: 0008_staff_outbox
Revises: 0007_dashboard_alerts
Create Date: 2026-12-03

ho_note.pending_delivery: a reply (or closing message) stored by `ontmoet queue
reply/close --message`, which has no connection to the residents' channels; the
service's loop delivers it and clears the flag. No other schema change: closing
notes are notes of kind "closing", reopening and the contact actions (gebeld,
niet bereikt, afspraak) are audit events.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_staff_outbox'
down_revision = '0007_dashboard_alerts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ho_note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_delivery', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index('ix_ho_note_pending_delivery', ['pending_delivery'])


def downgrade() -> None:
    with op.batch_alter_table('ho_note', schema=None) as batch_op:
        batch_op.drop_index('ix_ho_note_pending_delivery')
        batch_op.drop_column('pending_delivery')
