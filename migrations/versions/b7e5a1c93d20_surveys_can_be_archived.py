"""surveys can be archived: closed, hidden from lists, their findings kept

Revision ID: b7e5a1c93d20
Revises: 9e4b2d7c1a53
Create Date: 2026-12-02 18:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7e5a1c93d20'
down_revision = '9e4b2d7c1a53'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_archived', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('is_archived')
