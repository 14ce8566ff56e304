"""one open access request per person, one open billing request per deal and kind, one open renewal
intent per KAM and client — enforced by partial unique indexes, so concurrent submissions cannot both
win on PostgreSQL either (SQLite already serialized them); a database that already holds two open rows
of one kind is refused with one Spanish line naming them (nothing changed)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.migrate import MigrationRefused

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("uq_access_requests_one_pending", "access_requests", ["discord_id"], "pendiente"),
    ("uq_billing_requests_one_pending", "billing_requests", ["deal_id", "kind"], "pendiente"),
    ("uq_renewal_intents_one_open", "renewal_intents", ["member_id", "client_id"], "abierta"),
)
# how the refusal names each table's rows
LABELS = {"access_requests": "solicitudes de acceso pendientes", "billing_requests": "solicitudes de facturación pendientes",
          "renewal_intents": "intenciones de renovación abiertas"}
SHOWN = 10  # groups named in the refusal; the rest are counted


def duplicate_groups(conn: sa.Connection) -> list[tuple[str, list[int]]]:
    """(table, ids) of every set of rows the index would refuse: the same columns, all open."""
    groups: list[tuple[str, list[int]]] = []
    for _name, table, columns, status in INDEXES:
        cols = ", ".join(columns)
        rows = conn.execute(sa.text(f"SELECT id, {cols} FROM {table} WHERE status = :s ORDER BY id"), {"s": status}).all()
        by_key: dict[tuple[object, ...], list[int]] = {}
        for row in rows:
            by_key.setdefault(tuple(row[1:]), []).append(row[0])
        groups += [(table, ids) for ids in by_key.values() if len(ids) > 1]
    return groups


def refusal(groups: list[tuple[str, list[int]]]) -> str:
    def ids(group: list[int]) -> str:
        names = [f"#{i}" for i in group]
        return ", ".join(names[:-1]) + " y " + names[-1]

    listed = "; ".join(f"{LABELS[table]} {ids(g)}" for table, g in groups[:SHOWN])
    more = f"; y {len(groups) - SHOWN} grupos más" if len(groups) > SHOWN else ""
    return (
        f"la base tiene filas abiertas repetidas, que ahora no se permiten: {listed}{more}. Deje una sola abierta "
        "por grupo (cambie el estado de las demás con sqlite3 o psql, después de 'ventas-ops db backup') y vuelva "
        "a arrancar; la base no se modificó"
    )


def upgrade() -> None:
    groups = duplicate_groups(op.get_bind())
    if groups:
        raise MigrationRefused(refusal(groups))
    for name, table, columns, status in INDEXES:
        where = sa.text(f"status = '{status}'")
        op.create_index(name, table, columns, unique=True, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name, table, _columns, _status in reversed(INDEXES):
        op.drop_index(name, table_name=table)
