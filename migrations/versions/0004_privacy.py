"""privacy and security: ontmoet_meta (pseudonym key fingerprint), staff accounts
bound to the staff file

Revision ID: 0004_privacy
Revises: 0003_announced
Create Date: 2026-12-01

* `ontmoet_meta`: key/value facts about the installation. The fingerprint of
  the pseudonym key (an HMAC, the key cannot be recovered from it) lets every
  replica check that it uses the same key (ontmoet_core/keys.py).
* `ho_staff_account.in_staff_file`: the account was made for someone in the
  staff file; when that person is removed from the file, the account no longer
  opens the dashboard. Existing accounts count as made from the staff file
  (the safe side: a person with an older account outside the file is added
  to the staff file). New accounts for someone outside the file (made with
  --role/--stadsdeel/--buurt) get False and keep working.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_privacy'
down_revision = '0003_announced'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ontmoet_meta',
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('ho_staff_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_staff_file', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('ho_staff_account', schema=None) as batch_op:
        batch_op.drop_column('in_staff_file')
    op.drop_table('ontmoet_meta')
