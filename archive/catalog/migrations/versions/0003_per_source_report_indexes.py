"""Per-source report indexes: a source's reports newest first, counts by status.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_source_last_changed", ["source_id", "last_changed"], unique=False)
        batch_op.create_index("ix_reports_source_status", ["source_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_source_status")
        batch_op.drop_index("ix_reports_source_last_changed")
