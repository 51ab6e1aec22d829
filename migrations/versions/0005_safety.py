"""handoff queue: live_since, assistant_sync, sync_attempts (nobody left in silence)

Revision ID: 0005_safety
Revises: 0004_privacy
Create Date: 2026-12-01

live_since: when live chat started or the opbouwwerker last wrote; a live chat
older than the maximum pause length is ended by the service and the resident is
told what happens next. assistant_sync: the pause or resume of the Rasa
conversation that the service still has to apply (set in the same transaction as
the status change, cleared by the service when applied; retried until then).
crisis_signal_at: a crisis message of the resident the opbouwwerker still has to
hear about (taken by the service's loop, like announced_at).
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_safety'
down_revision = '0004_privacy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ho_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('live_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('assistant_sync', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('sync_attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('crisis_signal_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE ho_request SET live_since = updated_at WHERE live = true")


def downgrade() -> None:
    with op.batch_alter_table('ho_request', schema=None) as batch_op:
        batch_op.drop_column('crisis_signal_at')
        batch_op.drop_column('sync_attempts')
        batch_op.drop_column('assistant_sync')
        batch_op.drop_column('live_since')
