"""learning and monitoring: review queue, conversations for the indicators, knowledge gaps

Revision ID: 0006_insights
Revises: 0005_safety
Create Date: 2026-12-01

ins_review_item holds masked messages (with the pseudonym) for review;
ins_conversation one anonymous-after-retention row per conversation;
ins_state the collector's watermark; kb_gap the knowledge gaps (no resident).
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_insights'
down_revision = '0005_safety'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ins_conversation',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('resident_key', sa.String(80), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.Column('month', sa.String(7), nullable=False),
        sa.Column('buurt', sa.String(120), nullable=True),
        sa.Column('stadsdeel', sa.String(60), nullable=True),
        sa.Column('language', sa.String(10), nullable=True),
        sa.Column('asked_place', sa.Boolean(), nullable=False),
        sa.Column('asked_activity', sa.Boolean(), nullable=False),
        sa.Column('asked_subsidy', sa.Boolean(), nullable=False),
        sa.Column('self_organising', sa.Boolean(), nullable=False),
        sa.Column('asked_toeleiding', sa.Boolean(), nullable=False),
        sa.Column('not_understood', sa.Integer(), nullable=False),
    )
    op.create_index('ix_ins_conversation_resident_key', 'ins_conversation', ['resident_key'])
    op.create_index('ix_ins_conversation_month', 'ins_conversation', ['month'])
    op.create_table(
        'ins_review_item',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('source_event', sa.String(40), nullable=True, unique=True),
        sa.Column('resident_key', sa.String(80), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.String(20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('language', sa.String(10), nullable=True),
        sa.Column('predicted_intent', sa.String(80), nullable=True),
        sa.Column('confidence', sa.Float(), nullable=True),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('label_intent', sa.String(80), nullable=True),
        sa.Column('label_example', sa.Text(), nullable=True),
        sa.Column('labelled_by', sa.String(80), nullable=True),
        sa.Column('labelled_at', sa.DateTime(), nullable=True),
        sa.Column('exported_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_ins_review_item_resident_key', 'ins_review_item', ['resident_key'])
    op.create_index('ix_ins_review_status', 'ins_review_item', ['status'])
    op.create_table(
        'ins_state',
        sa.Column('key', sa.String(60), primary_key=True),
        sa.Column('value', sa.String(200), nullable=False),
    )
    op.create_table(
        'kb_gap',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('month', sa.String(7), nullable=False),
        sa.Column('kind', sa.String(30), nullable=False),
        sa.Column('buurt', sa.String(120), nullable=True),
        sa.Column('stadsdeel', sa.String(60), nullable=True),
        sa.Column('place', sa.String(120), nullable=True),
    )
    op.create_index('ix_kb_gap_month', 'kb_gap', ['month'])


def downgrade() -> None:
    op.drop_index('ix_kb_gap_month', table_name='kb_gap')
    op.drop_table('kb_gap')
    op.drop_table('ins_state')
    op.drop_index('ix_ins_review_status', table_name='ins_review_item')
    op.drop_index('ix_ins_review_item_resident_key', table_name='ins_review_item')
    op.drop_table('ins_review_item')
    op.drop_index('ix_ins_conversation_month', table_name='ins_conversation')
    op.drop_index('ix_ins_conversation_resident_key', table_name='ins_conversation')
    op.drop_table('ins_conversation')
