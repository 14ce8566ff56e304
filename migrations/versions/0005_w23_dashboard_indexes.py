"""covering indexes for the admins' dashboard and the program report (issue 23, bench/web.py)

Each replaces an index of 0004_i23 that is a prefix of it, so every query that used the old one can use
the new one the same way:

- deals (status, advance_date) → (status, advance_date, deal_type, member_id, total_value,
  commission_estimate): the month-to-date sums by type and KAM are read from the index alone;
- leads (created_at) → (created_at, status): the funnel by month counts from the index; and a new
  (status, created_at) for the leads past the SLA (count and oldest first);
- approvals (status, created_at) → (status, created_at, kind): the waiting decisions by kind.

Revision ID: 0005_w23
Revises: 0005_b17
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_w23"
down_revision: str | None = "0005_b17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = (
    ("ix_deals_sales", "deals",
     ["status", "advance_date", "deal_type", "member_id", "total_value", "commission_estimate"]),
    ("ix_leads_created_status", "leads", ["created_at", "status"]),
    ("ix_leads_status_created", "leads", ["status", "created_at"]),
    ("ix_approvals_status_created_kind", "approvals", ["status", "created_at", "kind"]),
)
OLD = (
    ("ix_deals_status_advance", "deals", ["status", "advance_date"]),
    ("ix_leads_created_at", "leads", ["created_at"]),
    ("ix_approvals_status_created", "approvals", ["status", "created_at"]),
)


def upgrade() -> None:
    for name, table, columns in NEW:
        op.create_index(name, table, columns, unique=False)
    for name, table, _columns in OLD:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in OLD:
        op.create_index(name, table, columns, unique=False)
    for name, table, _columns in NEW:
        op.drop_index(name, table_name=table)
