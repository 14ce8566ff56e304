"""the outbox keeps what it cannot deliver: status «retenido» with the reason (for the admins), when
it was held and when the admins were told; rows given up as «fallido» before become «retenido»

Revision ID: 0003_i20
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision: str = "0003_i20"
down_revision: str | None = "0003_i25"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("held_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("held_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("held_notified_at", UTCDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE outbox SET status = 'retenido', held_at = next_attempt_at, "
        "held_reason = 'No se pudo entregar: ' || COALESCE(last_error, 'error desconocido') "
        "WHERE status = 'fallido'"
    )


def downgrade() -> None:
    op.execute("UPDATE outbox SET status = 'fallido' WHERE status = 'retenido'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("held_notified_at")
        batch.drop_column("held_at")
        batch.drop_column("held_reason")
