"""document control records: document numbers and revisions, planned
effective dates and change requests, the tamper-evident audit chain

Revision ID: 0006
Revises: 0005

- document.checked_out_by_id, checked_out_at: the check-out lock.
- document.number (unique) and document.revision_scheme; existing
  documents are numbered with the default pattern {dept}-{type}-{seq:04d}
  in the order they were created, and the sequences continue from there.
- number_pattern (per category and type), number_sequence (per prefix).
- document_version.effective_on, change_reason, affected_documents; the
  state "approved" (pending effective) allowed.
- document_relation (supersedes, references, implements).
- issue_relation (duplicate of, caused by, related).
- saved_search (a user's named search, daily notice of new results).
- reading_requirement (who must read a document), acknowledgement (their
  tasks per effective version and confirmations).
- audit_event.chain_seq, prev_hash, hash and the audit_chain head; existing
  events are chained in id order (the append-only triggers are lifted for
  that one update and put back).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATES_BEFORE = ("draft", "in_review", "pending_approval", "effective", "rejected", "withdrawn", "obsolete")
STATES_AFTER = STATES_BEFORE + ("approved",)


def _state_check(states):
    return "state IN (" + ", ".join(f"'{s}'" for s in states) + ")"


# The append-only triggers as they were at this revision (0012 replaces
# them with ones that allow the chaining update): frozen here, not imported,
# so that this step means the same whatever app.audit says later.
APPEND_ONLY_DDL = {
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


def _triggers(drop: bool):
    dialect = op.get_bind().dialect.name
    if drop:
        if dialect == "sqlite":
            op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
            op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        elif dialect == "postgresql":
            op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
    else:
        for statement in APPEND_ONLY_DDL.get(dialect, []):
            op.execute(statement)


def _number_documents(bind):
    from app.documents.numbering import DEFAULT_PATTERN, Parts, prefix_of, render

    rows = bind.execute(
        sa.text(
            "SELECT d.id, d.category, d.doc_type, d.product, d.created_at, dep.code FROM document d "
            "JOIN department dep ON dep.id = d.department_id ORDER BY d.created_at, d.id"
        )
    ).all()
    counters: dict[str, int] = {}
    for doc_id, category, doc_type, product, created_at, dept in rows:
        year = created_at.year if hasattr(created_at, "year") else int(str(created_at)[:4])
        parts = Parts(dept=dept, doc_type=doc_type, category=category, product=product or "", year=year)
        prefix = prefix_of(DEFAULT_PATTERN, parts)
        counters[prefix] = counters.get(prefix, 0) + 1
        bind.execute(
            sa.text("UPDATE document SET number = :n WHERE id = :id"),
            {"n": render(DEFAULT_PATTERN, parts, counters[prefix]), "id": doc_id},
        )
    for prefix, last in counters.items():
        bind.execute(
            sa.text("INSERT INTO number_sequence (prefix, last) VALUES (:p, :n)"), {"p": prefix, "n": last}
        )


def _chain_events(bind):
    from app.audit import HASHED, event_digest

    table = sa.table("audit_event", *(sa.column(n) for n in ("id", *HASHED)))
    rows = bind.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    prev, seq = "", 0
    for row in rows:
        seq += 1
        values = dict(row)
        if isinstance(values.get("details"), str):
            import json

            values["details"] = json.loads(values["details"])
        if isinstance(values.get("at"), str):
            from datetime import datetime

            values["at"] = datetime.fromisoformat(values["at"])
        values["chain_seq"], values["prev_hash"] = seq, prev
        digest = event_digest(values)
        bind.execute(
            sa.text("UPDATE audit_event SET chain_seq = :s, prev_hash = :p, hash = :h WHERE id = :id"),
            {"s": seq, "p": prev, "h": digest, "id": row["id"]},
        )
        prev = digest
    bind.execute(
        sa.text("INSERT INTO audit_chain (id, length, last_hash) VALUES (1, :n, :h)"), {"n": seq, "h": prev}
    )


def upgrade():
    op.create_table(
        "number_pattern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("pattern", sa.String(length=100), nullable=False),
        sa.Column("revision_scheme", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_pattern")),
        sa.UniqueConstraint("category", "doc_type", name="uq_number_pattern_category_type"),
    )
    op.create_table(
        "number_sequence",
        sa.Column("prefix", sa.String(length=100), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_number_sequence")),
    )
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    op.create_table(
        "reading_requirement",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("training_required", sa.Boolean(), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_reading_requirement_document_id_document")
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_reading_requirement")),
    )
    op.create_table(
        "acknowledgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_acknowledgement_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_version.id"],
            name=op.f("fk_acknowledgement_version_id_document_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgement")),
        sa.UniqueConstraint("version_id", "user_id", name="uq_acknowledgement_version_user"),
    )
    op.create_index(op.f("ix_acknowledgement_user_id"), "acknowledgement", ["user_id"], unique=False)
    op.create_index(op.f("ix_acknowledgement_version_id"), "acknowledgement", ["version_id"], unique=False)
    op.create_table(
        "document_relation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "type IN ('supersedes', 'references', 'implements')", name=op.f("ck_document_relation_type_known")
        ),
        sa.CheckConstraint("source_id <> target_id", name=op.f("ck_document_relation_not_self")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_document_relation_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["document.id"], name=op.f("fk_document_relation_source_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["document.id"], name=op.f("fk_document_relation_target_id_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_relation")),
        sa.UniqueConstraint("source_id", "target_id", "type", name="uq_document_relation_source_target_type"),
    )
    op.create_index(op.f("ix_document_relation_source_id"), "document_relation", ["source_id"], unique=False)
    op.create_index(op.f("ix_document_relation_target_id"), "document_relation", ["target_id"], unique=False)
    op.create_table(
        "issue_relation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "type IN ('duplicate_of', 'caused_by', 'related')", name=op.f("ck_issue_relation_type_known")
        ),
        sa.CheckConstraint("source_id <> target_id", name=op.f("ck_issue_relation_not_self")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_issue_relation_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["source_id"], ["issue.id"], name=op.f("fk_issue_relation_source_id_issue")),
        sa.ForeignKeyConstraint(["target_id"], ["issue.id"], name=op.f("fk_issue_relation_target_id_issue")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue_relation")),
        sa.UniqueConstraint("source_id", "target_id", "type", name="uq_issue_relation_source_target_type"),
    )
    op.create_index(op.f("ix_issue_relation_source_id"), "issue_relation", ["source_id"], unique=False)
    op.create_index(op.f("ix_issue_relation_target_id"), "issue_relation", ["target_id"], unique=False)
    op.create_table(
        "saved_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("notify_daily", sa.Boolean(), nullable=False),
        sa.Column("last_total", sa.Integer(), nullable=True),
        sa.Column("last_notified_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_saved_search_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_search")),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_search_user_name"),
    )
    op.create_index(op.f("ix_saved_search_user_id"), "saved_search", ["user_id"], unique=False)
    bind = op.get_bind()

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.String(length=60), nullable=True))
        batch_op.add_column(
            sa.Column("revision_scheme", sa.String(length=10), server_default="letters", nullable=False)
        )
        batch_op.add_column(sa.Column("checked_out_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("checked_out_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_document_checked_out_by_id_user_account"),
            "user_account",
            ["checked_out_by_id"],
            ["id"],
        )
    _number_documents(bind)
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.String(length=60), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_document_number"), ["number"])

    with op.batch_alter_table("document_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("change_reason", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("affected_documents", sa.JSON(), server_default="[]", nullable=False))
        batch_op.create_index(batch_op.f("ix_document_version_effective_on"), ["effective_on"], unique=False)
        batch_op.drop_constraint("state_known", type_="check")
        batch_op.create_check_constraint("state_known", _state_check(STATES_AFTER))

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_index("uq_audit_event_chain_seq", "audit_event", ["chain_seq"], unique=True)
    _triggers(drop=True)
    _chain_events(bind)
    _triggers(drop=False)


def downgrade():
    op.drop_index("uq_audit_event_chain_seq", table_name="audit_event")
    _triggers(drop=True)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("chain_seq")
    _triggers(drop=False)
    op.execute(
        "UPDATE document_version SET state = 'effective' WHERE state = 'approved' AND NOT EXISTS "
        "(SELECT 1 FROM document_version e WHERE e.document_id = document_version.document_id "
        "AND e.state = 'effective')"
    )
    op.execute("UPDATE document_version SET state = 'in_review' WHERE state = 'approved'")
    with op.batch_alter_table("document_version", schema=None) as batch_op:
        batch_op.drop_constraint("state_known", type_="check")
        batch_op.create_check_constraint("state_known", _state_check(STATES_BEFORE))
        batch_op.drop_index(batch_op.f("ix_document_version_effective_on"))
        batch_op.drop_column("affected_documents")
        batch_op.drop_column("change_reason")
        batch_op.drop_column("effective_on")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_document_number"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_document_checked_out_by_id_user_account"), type_="foreignkey")
        batch_op.drop_column("checked_out_at")
        batch_op.drop_column("checked_out_by_id")
        batch_op.drop_column("revision_scheme")
        batch_op.drop_column("number")
    op.drop_index(op.f("ix_acknowledgement_version_id"), table_name="acknowledgement")
    op.drop_index(op.f("ix_acknowledgement_user_id"), table_name="acknowledgement")
    op.drop_table("acknowledgement")
    op.drop_table("reading_requirement")
    op.drop_index(op.f("ix_document_relation_target_id"), table_name="document_relation")
    op.drop_index(op.f("ix_document_relation_source_id"), table_name="document_relation")
    op.drop_table("document_relation")
    op.drop_index(op.f("ix_issue_relation_target_id"), table_name="issue_relation")
    op.drop_index(op.f("ix_issue_relation_source_id"), table_name="issue_relation")
    op.drop_table("issue_relation")
    op.drop_index(op.f("ix_saved_search_user_id"), table_name="saved_search")
    op.drop_table("saved_search")
    op.drop_table("audit_chain")
    op.drop_table("number_sequence")
    op.drop_table("number_pattern")
