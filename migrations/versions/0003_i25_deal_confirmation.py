"""deals remember the interaction that registered them until the KAM saw "registrado": the
interaction token (to edit the original answer within Discord's 15 minutes after a crash) and when
the confirmation was sent; deals stored before this revision count as confirmed

Revision ID: 0003_i25
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0003_i25"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("deals", sa.Column("interaction_token", sa.String(length=200), nullable=True))
    op.add_column("deals", sa.Column("confirmed_at", db.types.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE deals SET confirmed_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("confirmed_at")
        batch.drop_column("interaction_token")
