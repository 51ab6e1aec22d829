"""handoff queue: an accompanied first visit on a request (issue 18.2)

Revision ID: 0011_visit
Revises: 0010_reminders
Create Date: 2026-12-03

ho_request.visit_status ("gevraagd", "voorgesteld", "bevestigd"; NULL: no visit
asked), visit_place_key / visit_place / visit_place_demo (a place of knowledge/),
visit_moment (the moment in words) and visit_start (its start, naive UTC).
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_visit'
down_revision = '0010_reminders'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy): on SQLite a copied ho_request would lose
    # sqlite_autoincrement, and references must never be reused
    op.add_column('ho_request', sa.Column('visit_status', sa.String(length=20), nullable=True))
    op.add_column('ho_request', sa.Column('visit_place_key', sa.String(length=80), nullable=True))
    op.add_column('ho_request', sa.Column('visit_place', sa.String(length=200), nullable=True))
    op.add_column('ho_request', sa.Column('visit_place_demo', sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    op.add_column('ho_request', sa.Column('visit_moment', sa.String(length=200), nullable=True))
    op.add_column('ho_request', sa.Column('visit_start', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ho_request', schema=None) as batch_op:
        batch_op.drop_column('visit_start')
        batch_op.drop_column('visit_moment')
        batch_op.drop_column('visit_place_demo')
        batch_op.drop_column('visit_place')
        batch_op.drop_column('visit_place_key')
        batch_op.drop_column('visit_status')
