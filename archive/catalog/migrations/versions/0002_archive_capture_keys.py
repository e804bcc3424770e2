"""Archive bookkeeping: capture de-duplication key, WARC record type, per-run missing checks.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("captures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warc_type", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(
            sa.Column("dedup_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_index("ix_captures_url_fetched_at", ["url", "fetched_at"], unique=False)
        batch_op.create_index("ux_captures_dedup_key", ["dedup_key"], unique=True)

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metadata_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("missing_run_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("missing_run_id")
        batch_op.drop_column("metadata_hash")

    with op.batch_alter_table("captures", schema=None) as batch_op:
        batch_op.drop_index("ux_captures_dedup_key")
        batch_op.drop_index("ix_captures_url_fetched_at")
        batch_op.drop_column("dedup_key")
        batch_op.drop_column("warc_type")
