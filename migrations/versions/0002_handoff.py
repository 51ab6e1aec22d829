"""handoff queue: requests, notes, audit events, staff accounts and sessions

Revision ID: 0002_handoff
Revises: 0001_knowledge
Create Date: 2026-11-28

The same migration serves SQLite (embedded default) and PostgreSQL.
ho_request uses sqlite_autoincrement so references are never reused after a purge.
"""
import sqlalchemy as sa
from alembic import op

revision = '0002_handoff'
down_revision = '0001_knowledge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ho_login_attempt',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('remote', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ho_login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ho_login_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ho_login_attempt_remote'), ['remote'], unique=False)
        batch_op.create_index(batch_op.f('ix_ho_login_attempt_username'), ['username'], unique=False)

    op.create_table('ho_request',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('resident_key', sa.String(length=80), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('consent_at', sa.DateTime(), nullable=True),
    sa.Column('contact_method', sa.String(length=20), nullable=True),
    sa.Column('channel_address', sa.String(length=120), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('buurt', sa.String(length=120), nullable=True),
    sa.Column('stadsdeel', sa.String(length=60), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('best_moment', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assigned_to', sa.String(length=80), nullable=True),
    sa.Column('live', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('in_contact_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(), nullable=True),
    sa.Column('anonymised_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('ho_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ho_request_resident_key'), ['resident_key'], unique=False)
        batch_op.create_index('ix_ho_request_status_stadsdeel', ['status', 'stadsdeel'], unique=False)

    op.create_table('ho_staff_account',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('stadsdelen', sa.Text(), nullable=False),
    sa.Column('buurten', sa.Text(), nullable=False),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('ho_staff_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('ho_staff_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ho_staff_session_username'), ['username'], unique=False)

    op.create_table('ho_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=16), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['ho_request.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ho_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ho_event_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_ho_event_request_id'), ['request_id'], unique=False)

    op.create_table('ho_note',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['ho_request.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ho_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ho_note_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ho_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ho_note_request_id'))

    op.drop_table('ho_note')
    with op.batch_alter_table('ho_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ho_event_request_id'))
        batch_op.drop_index(batch_op.f('ix_ho_event_reference'))

    op.drop_table('ho_event')
    with op.batch_alter_table('ho_staff_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ho_staff_session_username'))

    op.drop_table('ho_staff_session')
    op.drop_table('ho_staff_account')
    with op.batch_alter_table('ho_request', schema=None) as batch_op:
        batch_op.drop_index('ix_ho_request_status_stadsdeel')
        batch_op.drop_index(batch_op.f('ix_ho_request_resident_key'))

    op.drop_table('ho_request')
    with op.batch_alter_table('ho_login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ho_login_attempt_username'))
        batch_op.drop_index(batch_op.f('ix_ho_login_attempt_remote'))
        batch_op.drop_index(batch_op.f('ix_ho_login_attempt_at'))

    op.drop_table('ho_login_attempt')
