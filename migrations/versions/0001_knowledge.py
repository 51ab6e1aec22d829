"""knowledge base: HSDS-style places, buurten, postcodes, plans, activities

Revision ID: 0001_knowledge
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_knowledge"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kb_alias',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_key', sa.String(length=120), nullable=False),
    sa.Column('alias', sa.String(length=200), nullable=False),
    sa.Column('normalized', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entity', 'entity_key', 'normalized', name='uq_kb_alias')
    )
    op.create_index(op.f('ix_kb_alias_normalized'), 'kb_alias', ['normalized'], unique=False)
    op.create_table('kb_buurt',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('stadsdeel', sa.String(length=60), nullable=False),
    sa.Column('stadsdeel_source', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('centroid_source', sa.String(length=300), nullable=True),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key'),
    sa.UniqueConstraint('name')
    )
    op.create_table('kb_import',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('kb_meta',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('kb_organization',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('ownership', sa.String(length=60), nullable=True),
    sa.Column('url', sa.String(length=300), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('kb_location',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('buurt_key', sa.String(length=120), nullable=True),
    sa.Column('buurt_as_written', sa.String(length=120), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('postal_code', sa.String(length=10), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('accessibility', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['buurt_key'], ['kb_buurt.key'], ),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('kb_neighbour',
    sa.Column('buurt_key', sa.String(length=120), nullable=False),
    sa.Column('neighbour_key', sa.String(length=120), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['buurt_key'], ['kb_buurt.key'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbour_key'], ['kb_buurt.key'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('buurt_key', 'neighbour_key')
    )
    op.create_table('kb_plan',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('buurt_key', sa.String(length=120), nullable=True),
    sa.Column('buurt_as_written', sa.String(length=120), nullable=False),
    sa.Column('stadsdeel_as_written', sa.String(length=60), nullable=True),
    sa.Column('development', sa.Text(), nullable=False),
    sa.Column('how', sa.Text(), nullable=False),
    sa.Column('place_types', sa.String(length=200), nullable=True),
    sa.Column('target_groups', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['buurt_key'], ['kb_buurt.key'], ),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('kb_postcode',
    sa.Column('postcode', sa.String(length=4), nullable=False),
    sa.Column('buurt_key', sa.String(length=120), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['buurt_key'], ['kb_buurt.key'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('postcode', 'buurt_key')
    )
    op.create_table('kb_service',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organization_key', sa.String(length=120), nullable=True),
    sa.Column('location_key', sa.String(length=120), nullable=True),
    sa.Column('place_type', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('target_groups', sa.String(length=200), nullable=False),
    sa.Column('cost', sa.String(length=200), nullable=True),
    sa.Column('languages', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=60), nullable=True),
    sa.Column('opening_hours', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['location_key'], ['kb_location.key'], ),
    sa.ForeignKeyConstraint(['organization_key'], ['kb_organization.key'], ),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('kb_contact',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('service_key', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=60), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['service_key'], ['kb_service.key'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('kb_schedule',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('service_key', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('dtstart', sa.DateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('rrule', sa.String(length=300), nullable=True),
    sa.Column('exdates', sa.Text(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('timezone', sa.String(length=60), nullable=False),
    sa.Column('target_groups', sa.String(length=200), nullable=True),
    sa.Column('cost', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['service_key'], ['kb_service.key'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('kb_schedule')
    op.drop_table('kb_contact')
    op.drop_table('kb_service')
    op.drop_table('kb_postcode')
    op.drop_table('kb_plan')
    op.drop_table('kb_neighbour')
    op.drop_table('kb_location')
    op.drop_table('kb_organization')
    op.drop_table('kb_meta')
    op.drop_table('kb_import')
    op.drop_table('kb_buurt')
    op.drop_index(op.f('ix_kb_alias_normalized'), table_name='kb_alias')
    op.drop_table('kb_alias')
