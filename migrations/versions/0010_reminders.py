"""reminders: opt-in reminders for residents (issue 18 point 1)

Revision ID: 0010_reminders
Revises: 0009_delivery
Create Date: 2026-12-03

rm_reminder: one message promised to a resident at one moment (the day before
an activity, an hour before it, an agreed visit). Stored only with consent;
bot/reminders/models.py describes the columns and states.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_reminders'
down_revision = '0009_delivery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rm_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_key', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('subject', sa.String(length=120), nullable=True),
        sa.Column('event_at', sa.DateTime(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('text_key', sa.String(length=60), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('consent_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_rm_reminder_due', 'rm_reminder', ['state', 'due_at'], unique=False)
    op.create_index('ix_rm_reminder_resident', 'rm_reminder', ['resident_key'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rm_reminder_resident', table_name='rm_reminder')
    op.drop_index('ix_rm_reminder_due', table_name='rm_reminder')
    op.drop_table('rm_reminder')
