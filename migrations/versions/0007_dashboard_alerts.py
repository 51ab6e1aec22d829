"""handoff queue: announce_attempted_at, and ho_read_mark (what staff have read)

Revision ID: 0007_dashboard_alerts
Revises: 0006_insights
Create Date: 2026-12-03

announced_at now means that an alert about a new request actually reached
someone (Telegram or e-mail); announce_attempted_at is the outbox marker (the
service process that tries it, retried later when nobody was reached). A request
tried but not announced shows as "niet gemeld" in the dashboard. Requests that
existed before this migration count as tried and announced.
ho_read_mark: the last note a staff member saw of a request, for the
dashboard's "ongelezen" (a message of the resident after it).
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_dashboard_alerts'
down_revision = '0006_insights'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ho_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announce_attempted_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE ho_request SET announce_attempted_at = announced_at")
    op.create_table(
        'ho_read_mark',
        sa.Column('username', sa.String(80), primary_key=True),
        sa.Column('request_id', sa.Integer(), sa.ForeignKey('ho_request.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('seen_note_id', sa.Integer(), nullable=False, server_default='0'),
    )


def downgrade() -> None:
    op.drop_table('ho_read_mark')
    with op.batch_alter_table('ho_request', schema=None) as batch_op:
        batch_op.drop_column('announce_attempted_at')
