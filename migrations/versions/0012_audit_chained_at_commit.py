"""audit chain at commit: the append-only trigger allows the chaining update

Revision ID: 0012
Revises: 0011

- Events are inserted unchained and chained as their transaction commits
  (issue 20: the chain head's lock is held from COMMIT, not from a request's
  first event). The trigger on audit_event now lets exactly that update
  through: chain_seq, prev_hash and hash set on an event that has no
  chain_seq, every other column unchanged. Any other UPDATE and every
  DELETE are refused as before.
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# As 0006 left them.
_STRICT = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
}


def _replace(statements):
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
    for statement in statements.get(dialect, []):
        op.execute(statement)


def upgrade():
    from app.audit import APPEND_ONLY_DDL

    _replace(APPEND_ONLY_DDL)


def downgrade():
    _replace(_STRICT)
