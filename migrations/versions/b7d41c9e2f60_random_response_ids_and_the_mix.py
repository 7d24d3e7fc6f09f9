"""random response ids and the mix; drafts expire on a day; releases forget the last id

Responses get random ids (no sequence: on PostgreSQL a BIGINT without a default) and a flag
`unmixed`, set for every response stored so far, so that the first mix (survey.mixing)
gives them random ids too. An index on (version, day) lets the frame find what changed on
which day. A draft's expiry becomes a day. A release's `last_response_id` meant "newer
than" only while ids counted up; it goes. `mix_state` remembers the day of the last full
mix.

Revision ID: b7d41c9e2f60
Revises: c4d8e2f1a7b3
Create Date: 2026-12-02 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41c9e2f60'
down_revision = 'c4d8e2f1a7b3'
branch_labels = None
depends_on = None

RELEASE_MESSAGE = "releases are immutable; publish a new one instead"


def _dialect():
    return op.get_bind().dialect.name


def upgrade():
    postgres = _dialect() == "postgresql"
    if postgres:
        op.execute("ALTER TABLE response ALTER COLUMN id DROP DEFAULT")
        op.execute("ALTER TABLE response ALTER COLUMN id TYPE BIGINT")
        op.execute("DROP SEQUENCE IF EXISTS response_id_seq")
    op.add_column('response', sa.Column('unmixed', sa.Boolean(), nullable=False,
                                        server_default=sa.true()))
    op.create_index('ix_response_unmixed', 'response', ['unmixed'],
                    sqlite_where=sa.text('unmixed'), postgresql_where=sa.text('unmixed'))
    op.drop_index('ix_response_survey_version_id', table_name='response')
    op.create_index('ix_response_version_day', 'response', ['survey_version_id', 'submitted_on'],
                    postgresql_include=['id'])

    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_on', sa.Date(), nullable=True))
    op.execute("UPDATE draft SET expires_on = "
               + ("CAST(expires_at AS DATE)" if postgres else "date(expires_at)"))
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.alter_column('expires_on', existing_type=sa.Date(), nullable=False)
        batch_op.drop_index('ix_draft_expires_at')
        batch_op.drop_column('expires_at')
        batch_op.create_index('ix_draft_expires_on', ['expires_on'], unique=False)

    with op.batch_alter_table('release', schema=None) as batch_op:
        batch_op.drop_column('last_response_id')
    if not postgres:  # the batch copied the table, and its triggers went with the old one
        _release_triggers_sqlite()

    op.create_table('mix_state',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('full_mixed_on', sa.Date(), nullable=True),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_mix_state')))
    op.execute("INSERT INTO mix_state (id) VALUES (1)")


def _release_triggers_sqlite():
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS release_no_{event}")
        op.execute(f"CREATE TRIGGER release_no_{event} BEFORE {event.upper()} ON release "
                   f"BEGIN SELECT RAISE(ABORT, '{RELEASE_MESSAGE}'); END")


def downgrade():
    postgres = _dialect() == "postgresql"
    op.drop_table('mix_state')

    with op.batch_alter_table('release', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_response_id', sa.Integer(), nullable=False,
                                      server_default='0'))
    if not postgres:
        _release_triggers_sqlite()

    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE draft SET expires_at = "
               + ("CAST(expires_on AS TIMESTAMP) AT TIME ZONE 'UTC'" if postgres
                  else "datetime(expires_on)"))
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
        batch_op.drop_index('ix_draft_expires_on')
        batch_op.drop_column('expires_on')
        batch_op.create_index('ix_draft_expires_at', ['expires_at'], unique=False)

    op.drop_index('ix_response_version_day', table_name='response')
    op.create_index('ix_response_survey_version_id', 'response', ['survey_version_id'])
    op.drop_index('ix_response_unmixed', table_name='response')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('unmixed')
    if postgres:
        # Random ids do not fit an INTEGER: number the responses 1, 2, ... in id order (a
        # random order), through negative numbers so that no two ever meet.
        op.execute("UPDATE response SET id = -numbered.n FROM (SELECT id, row_number() "
                   "OVER (ORDER BY id) AS n FROM response) AS numbered "
                   "WHERE response.id = numbered.id")
        op.execute("UPDATE response SET id = -id")
        op.execute("ALTER TABLE response ALTER COLUMN id TYPE INTEGER")
        op.execute("CREATE SEQUENCE response_id_seq OWNED BY response.id")
        op.execute("SELECT setval('response_id_seq', coalesce(max(id), 0) + 1, false) "
                   "FROM response")
        op.execute("ALTER TABLE response ALTER COLUMN id SET DEFAULT nextval('response_id_seq')")
