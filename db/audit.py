"""The append-only audit log. Call inside the same transaction as the change it records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditLog


@dataclass(frozen=True, slots=True)
class Actor:
    discord_id: int | None
    name: str

    @classmethod
    def system(cls, what: str = "sistema") -> Actor:
        return cls(None, what)


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: Any = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reference: str | None = None,
) -> AuditLog:
    row = AuditLog(
        actor_discord_id=actor.discord_id,
        actor_name=actor.name[:200],
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
        reference=reference,
    )
    session.add(row)
    return row
