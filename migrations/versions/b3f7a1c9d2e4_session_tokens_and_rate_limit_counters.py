"""accounts carry a session token; the rate limiter's counters get a table

Every session and remember cookie carries the account's session token; replacing it
(logout, password change, "sign out everywhere") ends them all at once. Existing accounts
get a random token each, which logs everyone out once.

The counter table serves the rate limiter's database storage on PostgreSQL. It is
UNLOGGED there: no write-ahead log trail beside the responses, emptied after a crash.

Revision ID: b3f7a1c9d2e4
Revises: b7e5a1c93d20
Create Date: 2026-12-02 18:10:00.000000

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3f7a1c9d2e4'
down_revision = 'b7e5a1c93d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in connection.execute(sa.select(user.c.id)).all():
        connection.execute(user.update().where(user.c.id == user_id)
                           .values(session_token=secrets.token_urlsafe(32)))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64),
                              nullable=False)

    op.create_table(
        'rate_limit_counter',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counter')),
    )
    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counter_expires_at'), ['expires_at'],
                              unique=False)
    if connection.dialect.name == 'postgresql':
        op.execute('ALTER TABLE rate_limit_counter SET UNLOGGED')


def downgrade():
    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counter_expires_at'))
    op.drop_table('rate_limit_counter')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_token')
