"""the web panel: one-time login links (hashed) and indexes for its queues, funnel and audit-log search

Revision ID: 0004_i23
Revises: 0003_i22
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0004_i23"
down_revision: str | None = "0004_i26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_login_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("discord_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_login_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_login_tokens_token_hash")),
    )
    with op.batch_alter_table("web_login_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_web_login_tokens_discord_created", ["discord_id", "created_at"], unique=False)
    # the panel's queries (bench/web.py)
    op.create_index("ix_approvals_kind_status_created", "approvals", ["kind", "status", "created_at", "id"], unique=False)
    op.create_index("ix_approvals_status_created", "approvals", ["status", "created_at"], unique=False)
    op.create_index("ix_audit_log_action", "audit_log", ["action"], unique=False)
    op.create_index("ix_audit_log_actor", "audit_log", ["actor_discord_id"], unique=False)
    op.create_index("ix_audit_log_entity_id", "audit_log", ["entity_id"], unique=False)
    op.create_index("ix_leads_created_at", "leads", ["created_at"], unique=False)
    op.create_index("ix_deals_status_advance", "deals", ["status", "advance_date"], unique=False)


def downgrade() -> None:
    for name, table in (("ix_deals_status_advance", "deals"), ("ix_leads_created_at", "leads"), ("ix_audit_log_entity_id", "audit_log"),
                        ("ix_audit_log_actor", "audit_log"), ("ix_audit_log_action", "audit_log"),
                        ("ix_approvals_status_created", "approvals"), ("ix_approvals_kind_status_created", "approvals")):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("web_login_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_web_login_tokens_discord_created")
    op.drop_table("web_login_tokens")
