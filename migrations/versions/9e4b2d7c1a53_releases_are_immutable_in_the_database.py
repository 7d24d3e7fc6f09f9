"""releases are immutable in the database itself, not only through the ORM

A release is what was published at one moment; changing or deleting one would rewrite
what readers were shown. The ORM refuses it (reports/models.py); these triggers refuse
it for any SQL, as the moderation log's do.

Revision ID: 9e4b2d7c1a53
Revises: 7c3e1f0a9b21
Create Date: 2026-11-26 02:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9e4b2d7c1a53'
down_revision = '7c3e1f0a9b21'
branch_labels = None
depends_on = None

MESSAGE = "releases are immutable; publish a new one instead"
EVENTS = ("update", "delete")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in EVENTS:
            op.execute(f"CREATE TRIGGER release_no_{event} BEFORE {event.upper()} ON release "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    elif dialect == "postgresql":
        op.execute("CREATE FUNCTION release_immutable() RETURNS trigger AS $$ "
                   f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER release_immutable BEFORE UPDATE OR DELETE ON release "
                   "FOR EACH ROW EXECUTE FUNCTION release_immutable()")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS release_no_{event}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS release_immutable ON release")
        op.execute("DROP FUNCTION IF EXISTS release_immutable()")
