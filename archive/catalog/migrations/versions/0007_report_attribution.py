"""Report attribution: division, publisher kind and department of each report; sources' division.

Existing reports are attributed here (archive/catalog/attribute.py); ``govarchive reports
attribute`` does it again after the registry or the rules change.

Revision ID: 0007
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("division_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True))
        batch_op.create_index("ix_sources_division_code", ["division_code"], unique=False)

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("division_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True))
        batch_op.add_column(sa.Column("publisher_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column("department", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("attributed_by", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.create_index(
            "ix_reports_division_year", ["division_code", "report_year", "publisher_kind"], unique=False
        )

    from archive.catalog.attribute import attribute_reports
    from archive.divisions import registry

    attribute_reports(op.get_bind(), registry())


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_division_year")
        batch_op.drop_column("attributed_by")
        batch_op.drop_column("department")
        batch_op.drop_column("publisher_kind")
        batch_op.drop_column("division_code")

    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index("ix_sources_division_code")
        batch_op.drop_column("division_code")
