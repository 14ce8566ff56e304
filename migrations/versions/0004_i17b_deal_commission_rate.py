"""deals store the commission rate they were registered with (deals.commission_rate), so that a later
change of COMMISSION_RATE does not relabel past deals on their cards, /mis-comisiones and the statements

The deals stored before this revision get the COMMISSION_RATE setting of the process that runs the
migration (the bot at start, or ``ventas-ops db upgrade``; 0.06 when none is given). That is the rate
in force when the migration runs, which is the honest default: the database never recorded which rate
an older deal was registered with, and until now every deal was shown with the current setting anyway,
so nothing shown changes at the upgrade. A deal registered under another rate before the upgrade can
be recognised by its ``commission_estimate`` not being that rate of its ``total_value``.

Revision ID: 0004_i17b
Revises: 0003_i22
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import context, op

revision: str = "0004_i17b"
down_revision: str | None = "0003_i22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_RATE = Decimal("0.06")  # COMMISSION_RATE's default (bot.config)


def upgrade() -> None:
    rate = Decimal(str(context.config.attributes.get("commission_rate") or DEFAULT_RATE))
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("commission_rate", sa.Numeric(precision=7, scale=6), nullable=True))
    deals = sa.table("deals", sa.column("commission_rate", sa.Numeric(precision=7, scale=6)))
    op.execute(deals.update().values(commission_rate=rate))
    with op.batch_alter_table("deals") as batch:
        batch.alter_column("commission_rate", existing_type=sa.Numeric(precision=7, scale=6), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("commission_rate")
