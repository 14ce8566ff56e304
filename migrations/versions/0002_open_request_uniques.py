"""one open access request per person, one open billing request per deal and kind, one open renewal
intent per KAM and client — enforced by partial unique indexes, so concurrent submissions cannot both
win on PostgreSQL either (SQLite already serialized them)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("uq_access_requests_one_pending", "access_requests", ["discord_id"], "pendiente"),
    ("uq_billing_requests_one_pending", "billing_requests", ["deal_id", "kind"], "pendiente"),
    ("uq_renewal_intents_one_open", "renewal_intents", ["member_id", "client_id"], "abierta"),
)


def upgrade() -> None:
    for name, table, columns, status in INDEXES:
        where = sa.text(f"status = '{status}'")
        op.create_index(name, table, columns, unique=True, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name, table, _columns, _status in reversed(INDEXES):
        op.drop_index(name, table_name=table)
