"""Records (conversations, feedback, admin actions), one-time imports, shared index versions, article files."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_APPEND_ONLY = "records are append-only"


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("time", sa.String(40), nullable=False),
        sa.Column("day", sa.String(10), nullable=True),
        sa.Column("channel", sa.String(40), nullable=False, server_default=""),
        sa.Column("data", sa.Text(), nullable=False),
    )
    op.create_index("ix_records_kind_day", "records", ["kind", "day"])
    op.create_table(
        "imports",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("done", sa.Float(), nullable=False),
    )
    op.create_table(
        "index_versions",
        sa.Column("version", sa.String(80), primary_key=True),
        sa.Column("created", sa.Float(), nullable=False),
        sa.Column("info", sa.Text(), nullable=False),
        sa.Column("manifest", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "index_pointer",
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("version", sa.String(80), sa.ForeignKey("index_versions.version"), nullable=False),
        sa.Column("changed", sa.Float(), nullable=False),
    )
    op.create_table(
        "article_files",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added", sa.Float(), nullable=False),
    )
    _forbid_changes_to_records()


def _forbid_changes_to_records() -> None:
    """The database itself refuses UPDATE and DELETE on records, whoever connects."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION records_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}' USING ERRCODE = 'restrict_violation'; END $$"
        )
        op.execute(
            "CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE ON records "
            "FOR EACH ROW EXECUTE FUNCTION records_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER records_no_{action.lower()} BEFORE {action} ON records "
            f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER records_append_only ON records")
        op.execute("DROP FUNCTION records_append_only()")
    for table in ("article_files", "index_pointer", "index_versions", "imports", "records"):
        op.drop_table(table)
