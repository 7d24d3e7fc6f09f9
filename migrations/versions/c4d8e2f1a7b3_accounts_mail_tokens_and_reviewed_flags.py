"""accounts keep a language, a reply-mail choice, deactivation and deletion; single-use
password links; flags are open until a moderator decides

An account that is deleted keeps its row as a stub (no email, no password, no name), so that
the append-only moderation log and comments kept as "former member" still point somewhere.
An invited account has no password until its owner sets one through the link.

A flag is open until a moderator approves, restores, hides or deletes the comment or
dismisses its flags; then the member may flag the comment again. One open flag per member and
comment (a partial unique index) replaces one flag per member and comment for ever. Flags
raised before an existing decision are marked reviewed at that decision.

Revision ID: c4d8e2f1a7b3
Revises: b3f7a1c9d2e4
Create Date: 2026-12-03 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4d8e2f1a7b3'
down_revision = 'b3f7a1c9d2e4'
branch_labels = None
depends_on = None

DECISIONS = "('approve', 'restore', 'hide', 'delete')"


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.alter_column('password_hash', existing_type=sa.String(length=200),
                              nullable=True)
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('notify_replies', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        'account_token',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.Enum('reset', 'invitation', name='tokenpurpose',
                                     native_enum=False, length=20), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_account_token_user_id_user')),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_account_token')),
    )
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_token_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_token_expires_at'), ['expires_at'],
                              unique=False)

    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint('uq_flag_comment_id_user_id', type_='unique')
    op.execute(f"""UPDATE flag SET reviewed_at = (
        SELECT min(a.created_at) FROM moderation_action a
        WHERE a.comment_id = flag.comment_id AND a.action IN {DECISIONS}
          AND a.created_at >= flag.created_at)""")
    op.create_index('uq_flag_open', 'flag', ['comment_id', 'user_id'], unique=True,
                    sqlite_where=sa.text('reviewed_at IS NULL'),
                    postgresql_where=sa.text('reviewed_at IS NULL'))


def downgrade():
    op.drop_index('uq_flag_open', table_name='flag')
    # One flag per member and comment again: keep each member's newest.
    op.execute("""DELETE FROM flag WHERE id NOT IN (
        SELECT max(id) FROM flag GROUP BY comment_id, user_id)""")
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_flag_comment_id_user_id', ['comment_id', 'user_id'])
        batch_op.drop_column('reviewed_at')

    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_token_expires_at'))
        batch_op.drop_index(batch_op.f('ix_account_token_user_id'))
    op.drop_table('account_token')

    # Stubs of deleted accounts and invited accounts get values the old schema requires
    # (an email nobody owns, a password hash nothing verifies against).
    op.execute("UPDATE \"user\" SET email = 'deleted-' || id || '@deleted.invalid' "
               "WHERE email IS NULL")
    op.execute("UPDATE \"user\" SET password_hash = '!' WHERE password_hash IS NULL")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('deactivated_at')
        batch_op.drop_column('notify_replies')
        batch_op.drop_column('language')
        batch_op.alter_column('password_hash', existing_type=sa.String(length=200),
                              nullable=False)
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
