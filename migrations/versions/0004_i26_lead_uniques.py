"""one lead per normalised e-mail, per phone and per (non-generic) company key, enforced by partial
unique indexes, so two referrals of the same lead cannot both be stored, even from two processes;
a database that already holds duplicates is refused with one line naming them (nothing changed)

Revision ID: 0004_i26
Revises: 0003_i22
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.migrate import MigrationRefused

revision: str = "0004_i26"
down_revision: str | None = "0004_i17b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# db.models.GENERIC_COMPANY_KEYS as of this revision (a migration is a snapshot: a later change of the
# list rebuilds the index in a migration of its own)
GENERIC_COMPANY_KEYS = (
    "", "na", "n a", "no aplica", "ninguna", "ninguno", "no", "persona natural", "natural", "independiente",
    "particular", "sin empresa", "freelance", "freelancer", "emprendedor", "emprendedora", "otro", "otra",
)
GENERIC_SQL = ", ".join("'" + k.replace("'", "''") + "'" for k in sorted(GENERIC_COMPANY_KEYS))
INDEXES = (
    ("uq_leads_email", "email", "email IS NOT NULL", "el mismo correo"),
    ("uq_leads_phone", "phone", "phone IS NOT NULL", "el mismo teléfono"),
    ("uq_leads_company_key", "company_key", f"company_key NOT IN ({GENERIC_SQL})", "la misma empresa"),
)
SHOWN = 10  # groups named in the refusal; the rest are counted


def duplicate_groups(conn: sa.Connection) -> list[tuple[str, list[int]]]:
    """(what they share, lead ids) for every value held by more than one lead, in id order."""
    rows = conn.execute(sa.text("SELECT id, email, phone, company_key FROM leads ORDER BY id")).all()
    groups: list[tuple[str, list[int]]] = []
    for position, (_name, _column, _where, label) in enumerate(INDEXES):
        by_value: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            value = row[position + 1]
            if value is None or (position == 2 and value in GENERIC_COMPANY_KEYS):
                continue
            by_value[value].append(row[0])
        groups += [(label, ids) for ids in by_value.values() if len(ids) > 1]
    return sorted(groups, key=lambda g: g[1][0])


def refusal(groups: list[tuple[str, list[int]]]) -> str:
    def ids(group: list[int]) -> str:
        names = [f"#{i}" for i in group]
        return ", ".join(names[:-1]) + " y " + names[-1]

    listed = "; ".join(f"{ids(g)} ({label})" for label, g in groups[:SHOWN])
    more = f"; y {len(groups) - SHOWN} grupos más" if len(groups) > SHOWN else ""
    return (
        f"la base tiene leads repetidos, que ahora no se permiten: {listed}{more}. Deje un solo lead por grupo "
        "(cambie el correo, el teléfono o la empresa de los demás, o bórrelos, con sqlite3 o psql, después de "
        "'ventas-ops db backup') y vuelva a arrancar; la base no se modificó"
    )


def upgrade() -> None:
    conn = op.get_bind()
    groups = duplicate_groups(conn)
    if groups:
        raise MigrationRefused(refusal(groups))
    op.drop_index("ix_leads_email", table_name="leads")
    op.drop_index("ix_leads_phone", table_name="leads")
    for name, column, where, _label in INDEXES:
        op.create_index(name, "leads", [column], unique=True, sqlite_where=sa.text(where),
                        postgresql_where=sa.text(where))


def downgrade() -> None:
    for name, _column, _where, _label in reversed(INDEXES):
        op.drop_index(name, table_name="leads")
    op.create_index("ix_leads_phone", "leads", ["phone"], unique=False)
    op.create_index("ix_leads_email", "leads", ["email"], unique=False)
