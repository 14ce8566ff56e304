"""claims: named work one process does at a time (the directory's imports and HubSpot syncs), held in
the database so that two processes (the bot and ``ventas-ops clientes importar``, or two bots during a
take-over) cannot write the directory at once; an expired claim (its holder died) is retaken

Revision ID: 0005_b17
Revises: 0005_a17
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0005_b17"
down_revision: str | None = "0005_a17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("taken_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_claims")),
    )


def downgrade() -> None:
    op.drop_table("claims")
