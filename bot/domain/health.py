"""The program's health as plain data: what :func:`bot.services.health.gather` reads and
:mod:`bot.texts.health` renders (a type both share, so it sits below both)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class ExportLine:
    export_date: date
    attempt: int
    status: str  # en_curso, hecha, fallida
    finished_at: datetime | None
    deals: int
    error: str | None


@dataclass(frozen=True)
class PendingKind:
    kind: str
    count: int
    oldest: datetime


@dataclass
class Status:
    version: str
    now: datetime
    started_at: datetime | None  # None: not the running bot (the CLI)
    exports: list[ExportLine] = field(default_factory=list)
    outbox_pending: int = 0
    outbox_oldest: datetime | None = None
    held: list[tuple[str, int]] = field(default_factory=list)  # outbox items held back: (reason, count)
    pending: list[PendingKind] = field(default_factory=list)
    hubspot: str = "desactivado"  # desactivado, ok, or the error
    database_bytes: int | None = None
    last_backup: datetime | None = None
    backup: dict[str, Any] | None = None  # the last backup's outcome (``backup.last_backup``), incl. failures
    statement_waiting: tuple[int, int] | None = None  # a monthly statement due but not sent (no admin)
