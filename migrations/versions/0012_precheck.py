"""subsidy check: printable checklists under an unguessable link, for a few days

Revision ID: 0012_precheck
Revises: 0011_visit
Create Date: 2026-12-03

pc_checklist keeps one checklist of the subsidy check (issue 18.3): the SHA-256
of its link token (never the token itself), the pseudonymous resident key (for
"verwijder mijn gegevens"), when it expires, and the checklist as JSON.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_precheck'
down_revision = '0011_visit'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pc_checklist',
        sa.Column('token_hash', sa.String(64), primary_key=True),
        sa.Column('resident_key', sa.String(80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
    )
    op.create_index('ix_pc_checklist_resident_key', 'pc_checklist', ['resident_key'])
    op.create_index('ix_pc_checklist_expires_at', 'pc_checklist', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_pc_checklist_expires_at', table_name='pc_checklist')
    op.drop_index('ix_pc_checklist_resident_key', table_name='pc_checklist')
    op.drop_table('pc_checklist')
