"""Where a version's and an attachment's text came from (html / text_layer / ocr / converter), and
Tesseract's confidence for OCR text.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("versions", "attachments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("text_source", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
            batch_op.add_column(sa.Column("ocr_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    for table in ("attachments", "versions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("ocr_confidence")
            batch_op.drop_column("text_source")
