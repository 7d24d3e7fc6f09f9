"""responses keep a frame record: their answers coded in the frame's columns

Building a frame from scratch parsed every JSON document; a fixed-width record per
response (reports/coding.py), made at submit, is read without parsing. Older responses
keep NULL and are parsed from their JSON documents as before.

Revision ID: 7c3e1f0a9b21
Revises: 5d5d62ad04fa
Create Date: 2026-11-26 02:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e1f0a9b21'
down_revision = '5d5d62ad04fa'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frame_record', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('frame_record')
