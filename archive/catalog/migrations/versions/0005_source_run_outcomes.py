"""Source runs count known pages not re-checked and pages a resumed run took from the interrupted one.

Revision ID: 0005
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_checked", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("resumed", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("source_runs", schema=None) as batch_op:
        batch_op.drop_column("resumed")
        batch_op.drop_column("not_checked")
