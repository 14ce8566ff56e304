"""Importing the client directory from a CSV or XLSX file (``/admin clientes importar``, ``ventas-ops
clientes importar``).

Three steps, the same for the preview and the real import so the two never disagree:

1. :func:`parse` (pure): bytes (CSV, or an ``.xlsx`` workbook read with openpyxl) → rows, or every bad
   row with its line number (the spreadsheet's row number) and a Spanish reason.
2. :func:`plan` (reads the database): resolves each row against the directory, adds the conflicts it
   finds (a NIT that belongs to another client, an e-mail of another member…) and counts the changes.
3. :func:`apply` writes the plan in the caller's transaction, every change audit-logged. Nothing is
   written when any row is bad; importing the same file again changes nothing.

The file has one row per client–KAM assignment (see ``examples/clientes.csv`` / ``.xlsx`` and the README). For
every client in the file that has KAM rows, the file's KAMs become the client's current KAMs: new
ones are assigned, those no longer listed are unassigned (the assignment is closed, history kept).
Services are only added. Empty cells never erase what the directory already has.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.enums import JobRole, Service
from bot.domain.errors import DomainError, InputError
from bot.domain.validation import (
    clean_user_text,
    fold_text,
    normalize_cedula,
    validate_domain_email,
    validate_nit,
)
from bot.services import directory
from bot.services.directory_files import EXCEL_DIGITS, ZIP_MAGIC, csv_records, decode, sniff_delimiter, xlsx_records
from bot.services.workbooks import csv_bytes
from bot.texts import directory as T
from db.audit import Actor, record
from db.models import Client, Member

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

COLUMNS = (
    "cliente", "nit", "kam_discord_id", "kam_nombre", "kam_correo_sense", "kam_cedula", "kam_cargo",
    "servicios", "hubspot_company_id",
)
# header spellings people use → column
_HEADER_ALIASES = {
    "nombre_cliente": "cliente", "cliente_nombre": "cliente", "empresa": "cliente", "razon_social": "cliente",
    "nit_cliente": "nit",
    "discord_id": "kam_discord_id", "kam_discord": "kam_discord_id", "id_discord": "kam_discord_id",
    "kam": "kam_nombre", "nombre_kam": "kam_nombre",
    "correo_sense": "kam_correo_sense", "kam_correo": "kam_correo_sense", "kam_email": "kam_correo_sense",
    "cedula": "kam_cedula", "cedula_kam": "kam_cedula",
    "cargo": "kam_cargo", "rol": "kam_cargo", "kam_rol": "kam_cargo",
    "servicio": "servicios",
    "hubspot": "hubspot_company_id", "hubspot_id": "hubspot_company_id", "id_hubspot": "hubspot_company_id",
    "empresa_hubspot": "hubspot_company_id",
}
_SERVICE_SEPARATORS = re.compile(r"[;,|+]")
_DISCORD_ID = re.compile(r"[0-9]{17,20}")
_MENTION = re.compile(r"<@!?([0-9]{17,20})>")  # also how to write an id that really ends in zeros
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]*)?\s*[eE]\s*[+-]?[0-9]+")


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    client: str
    nit: str | None
    hubspot_company_id: str | None
    services: tuple[str, ...]
    kam_discord_id: int | None
    kam_name: str | None
    kam_email: str | None
    kam_cedula: str | None
    kam_role: str | None


@dataclass(slots=True)
class ParsedFile:
    rows: list[Row]
    errors: list[RowError]
    sha256: str
    delimiter: str


@dataclass(slots=True)
class Counts:
    clients_new: int = 0
    clients_changed: int = 0
    clients_unchanged: int = 0
    members_new: int = 0
    members_updated: int = 0
    assignments_new: int = 0
    assignments_ended: int = 0
    services_new: int = 0

    @property
    def changes(self) -> int:
        return (self.clients_new + self.clients_changed + self.members_new + self.members_updated
                + self.assignments_new + self.assignments_ended + self.services_new)


@dataclass(slots=True)
class _FileClient:
    """One client of the file, merged from its rows."""

    line: int
    name: str
    key: str
    nit: str | None = None
    hubspot: str | None = None
    services: set[str] = field(default_factory=set)
    kams: dict[int, int] = field(default_factory=dict)  # discord id → first line
    existing: Client | None = None
    changes: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class _FileMember:
    line: int
    discord_id: int
    fields: dict[str, str] = field(default_factory=dict)  # name, sense_email, cedula, job_role
    existing: Member | None = None
    changes: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class Plan:
    parsed: ParsedFile
    errors: list[RowError]
    counts: Counts
    clients: list[_FileClient] = field(default_factory=list)
    members: dict[int, _FileMember] = field(default_factory=dict)
    open_assignments: dict[int, set[int]] = field(default_factory=dict)  # client id → member ids
    open_services: dict[int, set[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


# 1. parse ----------------------------------------------------------------------------------------


def _column(name: str) -> str:
    key = re.sub(r"[\s\-.]+", "_", fold_text(name).strip()).strip("_")
    return _HEADER_ALIASES.get(key, key)


def _cell(values: list[str], index: dict[str, int], name: str) -> str:
    i = index.get(name)
    return values[i].strip() if i is not None and i < len(values) else ""


def _parse_row(line: int, values: list[str], index: dict[str, int], email_domain: str) -> Row:
    """One data row → :class:`Row`, or an ``InputError`` naming the column."""

    def check(column: str, fn: Callable[[str], str]) -> str | None:
        raw = _cell(values, index, column)
        if not raw:
            return None
        try:
            return fn(raw)
        except DomainError as exc:
            raise InputError(f"{column}: {exc}") from None

    client = check("cliente", lambda v: clean_user_text(v, "cliente", 200))
    if not client:
        raise InputError(T.IMPORT_CLIENT_MISSING)
    nit = check("nit", validate_nit)
    hubspot = check("hubspot_company_id", _hubspot_id)
    services = tuple((check("servicios", _services) or "").split())
    kam_id = check("kam_discord_id", _discord_id)
    kam_name = check("kam_nombre", lambda v: clean_user_text(v, "kam_nombre", 200))
    kam_email = check("kam_correo_sense", lambda v: validate_domain_email(v, email_domain))
    kam_cedula = check("kam_cedula", normalize_cedula)
    kam_role = check("kam_cargo", lambda v: JobRole.parse(v).value)
    if kam_id is None and any((kam_name, kam_email, kam_cedula, kam_role)):
        raise InputError(T.IMPORT_KAM_ID_MISSING)
    return Row(line, client, nit, hubspot, services, int(kam_id) if kam_id else None, kam_name, kam_email,
               kam_cedula, kam_role)


def _services(v: str) -> str:
    """``"web; Social Ads"`` → ``"web social_ads"`` (values, de-duplicated, space-separated)."""
    return " ".join(dict.fromkeys(Service.parse(s).value for s in _SERVICE_SEPARATORS.split(v) if s.strip()))


def _hubspot_id(v: str) -> str:
    if not re.fullmatch(r"[0-9]{1,20}", v) or not v.strip("0"):
        raise InputError(T.IMPORT_BAD_HUBSPOT_ID.format(value=v[:30]))
    return v.lstrip("0")


def _discord_id(v: str) -> str:
    """17–20 digits, read as text. Refuses, explaining it, an id Excel turned into a number: in
    scientific notation (``4,56789E+17``) or rounded to 15 significant digits (``123456789012345000``).
    ``<@id>`` (how Discord writes a mention) is taken as is: Excel never rounds it."""
    v = v.strip()
    if m := _MENTION.fullmatch(v):
        return m.group(1)
    shown = v[:30]
    if _SCIENTIFIC.fullmatch(v):
        raise InputError(T.IMPORT_DISCORD_ID_SCIENTIFIC.format(value=shown))
    if not _DISCORD_ID.fullmatch(v):
        raise InputError(T.IMPORT_BAD_DISCORD_ID.format(value=shown))
    if not v[EXCEL_DIGITS:].strip("0"):
        raise InputError(T.IMPORT_DISCORD_ID_ROUNDED.format(value=shown, digits=EXCEL_DIGITS))
    return v


def parse(data: bytes, *, email_domain: str = "sensedigital.co") -> ParsedFile:
    """Read the CSV or XLSX. File-level problems (too big, not a CSV or workbook, bad header) raise
    ``InputError``; bad rows are collected, each with its line number."""
    if len(data) > MAX_BYTES:
        raise InputError(T.IMPORT_TOO_BIG.format(mb=MAX_BYTES // (1024 * 1024)), "archivo")
    sha = hashlib.sha256(data).hexdigest()
    if data.startswith(ZIP_MAGIC):
        delimiter = "xlsx"
        header, records = xlsx_records(data)
    else:
        text = decode(data)
        if not text.strip():
            raise InputError(T.IMPORT_EMPTY, "archivo")
        delimiter = sniff_delimiter(text)
        header, records = csv_records(text, delimiter)
    columns = [_column(h) for h in header]
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in COLUMNS and h.strip()]
    if unknown:
        raise InputError(T.IMPORT_UNKNOWN_COLUMNS.format(
            columns=", ".join(f"«{u[:30]}»" for u in unknown[:5]), expected=", ".join(COLUMNS)), "archivo")
    if "cliente" not in columns:
        if not any(h.strip() for h in header):
            raise InputError(T.IMPORT_EMPTY, "archivo")
        raise InputError(T.IMPORT_NO_CLIENT_COLUMN.format(expected=", ".join(COLUMNS)), "archivo")
    dup = next((c for c in columns if c and columns.count(c) > 1), None)
    if dup:
        raise InputError(T.IMPORT_DUPLICATE_COLUMN.format(column=dup), "archivo")
    index = {c: i for i, c in enumerate(columns) if c}
    rows: list[Row] = []
    errors: list[RowError] = []
    seen = 0
    for line, values, broken in records:
        if values is None:
            errors.append(RowError(line, broken or ""))
            break
        if not any(v.strip() for v in values):
            continue
        seen += 1
        if seen > MAX_ROWS:
            raise InputError(T.IMPORT_TOO_MANY_ROWS.format(max=MAX_ROWS), "archivo")
        if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
            errors.append(RowError(line, T.IMPORT_TOO_MANY_CELLS.format(got=len(values), expected=len(header))))
            continue
        try:
            rows.append(_parse_row(line, values, index, email_domain))
        except DomainError as exc:
            errors.append(RowError(line, str(exc)))
    if not rows and not errors:
        raise InputError(T.IMPORT_EMPTY, "archivo")
    return ParsedFile(rows, errors, sha, delimiter)


# 2. plan -----------------------------------------------------------------------------------------
def _merge_file(parsed: ParsedFile, errors: list[RowError]) -> tuple[list[_FileClient], dict[int, _FileMember]]:
    """Group rows by client and by KAM; contradictions between rows are row errors."""
    clients: dict[str, _FileClient] = {}
    by_nit: dict[str, _FileClient] = {}
    by_hubspot: dict[str, _FileClient] = {}
    members: dict[int, _FileMember] = {}
    member_by: dict[tuple[str, str], _FileMember] = {}
    for r in parsed.rows:
        key = directory.client_key(r.client)
        fc = clients.get(key)
        if fc is None:
            fc = clients[key] = _FileClient(r.line, r.client, key)
        problems: list[str] = []
        for attr, value, index, label in (("nit", r.nit, by_nit, "NIT"), ("hubspot", r.hubspot_company_id, by_hubspot, "hubspot_company_id")):
            if value is None:
                continue
            current = getattr(fc, attr)
            if current is not None and current != value:
                problems.append(T.IMPORT_CONFLICT_IN_FILE.format(what=label, value=value, other=current, line=fc.line))
            other = index.get(value)
            if other is not None and other is not fc:
                problems.append(T.IMPORT_VALUE_OF_OTHER_ROW.format(what=label, value=value, client=other.name, line=other.line))
        if r.kam_discord_id is not None and r.kam_discord_id in fc.kams:
            problems.append(T.IMPORT_DUPLICATE_PAIR.format(line=fc.kams[r.kam_discord_id]))
        fm = None
        if r.kam_discord_id is not None:
            fm = members.get(r.kam_discord_id) or _FileMember(r.line, r.kam_discord_id)
            for fld, value in (("name", r.kam_name), ("sense_email", r.kam_email), ("cedula", r.kam_cedula), ("job_role", r.kam_role)):
                if value is None:
                    continue
                if fm.fields.get(fld, value) != value:
                    problems.append(T.IMPORT_MEMBER_CONFLICT_IN_FILE.format(field=T.MEMBER_FIELD_NAMES[fld], line=fm.line))
                holder = member_by.get((fld, value)) if fld in ("sense_email", "cedula") else None
                if holder is not None and holder.discord_id != r.kam_discord_id:
                    problems.append(T.IMPORT_MEMBER_VALUE_OF_OTHER_ROW.format(field=T.MEMBER_FIELD_NAMES[fld], line=holder.line))
        if problems:
            errors.append(RowError(r.line, " ".join(problems)))
            continue
        for attr, value, index in (("nit", r.nit, by_nit), ("hubspot", r.hubspot_company_id, by_hubspot)):
            if value is not None:
                setattr(fc, attr, value)
                index[value] = fc
        fc.services.update(r.services)
        if fm is not None:
            members[fm.discord_id] = fm
            fc.kams[fm.discord_id] = r.line
            for fld, value in (("name", r.kam_name), ("sense_email", r.kam_email), ("cedula", r.kam_cedula), ("job_role", r.kam_role)):
                if value is not None:
                    fm.fields.setdefault(fld, value)
                    if fld in ("sense_email", "cedula"):
                        member_by[(fld, value)] = fm
    return list(clients.values()), members


def _resolve_clients(file_clients: list[_FileClient], existing: list[Client], errors: list[RowError]) -> None:
    by_key = {c.name_key: c for c in existing}
    by_nit = {c.nit: c for c in existing if c.nit}
    by_hubspot = {c.hubspot_company_id: c for c in existing if c.hubspot_company_id}
    for fc in file_clients:
        candidates = [
            ("hubspot_company_id", by_hubspot.get(fc.hubspot) if fc.hubspot else None),
            ("NIT", by_nit.get(fc.nit) if fc.nit else None),
            ("nombre", by_key.get(fc.key)),
        ]
        found = [(what, c) for what, c in candidates if c is not None]
        match = found[0][1] if found else None
        clash = next(((what, c) for what, c in found if c is not match), None)
        if clash is not None:
            errors.append(RowError(fc.line, T.IMPORT_MATCHES_TWO_CLIENTS.format(
                first=match.name, what=clash[0], second=clash[1].name)))  # type: ignore[union-attr]
            continue
        fc.existing = match
        if match is None:
            continue
        wanted: dict[str, object] = {"name": fc.name}
        if fc.nit:
            wanted["nit"] = fc.nit
        if fc.hubspot:
            wanted["hubspot_company_id"] = fc.hubspot
        if not match.active:
            wanted["active"] = True
        fc.changes = {k: v for k, v in wanted.items() if getattr(match, k) != v}


def _resolve_members(file_members: dict[int, _FileMember], existing: list[Member], errors: list[RowError]) -> None:
    by_discord = {m.discord_id: m for m in existing}
    holders = {(f, getattr(m, f)): m for m in existing for f in ("sense_email", "cedula") if getattr(m, f)}
    for fm in file_members.values():
        fm.existing = by_discord.get(fm.discord_id)
        problems = []
        for fld in ("sense_email", "cedula"):
            holder = holders.get((fld, fm.fields.get(fld)))
            if holder is not None and holder.discord_id != fm.discord_id:
                problems.append(T.IMPORT_MEMBER_VALUE_TAKEN.format(field=T.MEMBER_FIELD_NAMES[fld], member=holder.name))
        if fm.existing is None and "name" not in fm.fields:
            problems.append(T.IMPORT_MEMBER_NAME_MISSING)
        if problems:
            errors.append(RowError(fm.line, " ".join(problems)))
            continue
        if fm.existing is not None:
            fm.changes = {k: v for k, v in fm.fields.items() if getattr(fm.existing, k) != v}
            if not fm.existing.active:
                fm.changes["active"] = True


async def plan(session: AsyncSession, parsed: ParsedFile) -> Plan:
    """Resolve the file against the directory (read-only) and count what an import would change."""
    errors = list(parsed.errors)
    file_clients, file_members = _merge_file(parsed, errors)
    existing_clients = list((await session.execute(select(Client))).scalars())
    existing_members = list((await session.execute(select(Member))).scalars())
    _resolve_clients(file_clients, existing_clients, errors)
    _resolve_members(file_members, existing_members, errors)
    p = Plan(parsed, sorted(errors, key=lambda e: e.line), Counts(), file_clients, file_members)
    if not p.ok:
        return p
    p.open_assignments, p.open_services = await directory.open_maps(session)
    member_ids = {m.discord_id: m.id for m in existing_members}
    c = p.counts
    for fm in file_members.values():
        if fm.existing is None:
            c.members_new += 1
        elif fm.changes:
            c.members_updated += 1
    for fc in file_clients:
        if fc.existing is None:
            c.clients_new += 1
            c.assignments_new += len(fc.kams)
            c.services_new += len(fc.services)
            continue
        current = p.open_assignments.get(fc.existing.id, set())
        wanted = [member_ids.get(d) for d in fc.kams]
        added = len([m for m in wanted if m is None or m not in current])
        ended = len(current - set(wanted)) if fc.kams else 0
        new_services = len(fc.services - p.open_services.get(fc.existing.id, set()))
        c.assignments_new += added
        c.assignments_ended += ended
        c.services_new += new_services
        if fc.changes or added or ended or new_services:
            c.clients_changed += 1
        else:
            c.clients_unchanged += 1
    return p


# 3. apply ----------------------------------------------------------------------------------------
async def apply(session: AsyncSession, actor: Actor, p: Plan, *, now: datetime, filename: str = "") -> Counts:
    """Write the plan (the caller commits). Refuses a plan with errors."""
    if not p.ok:
        raise InputError(T.IMPORT_HAS_ERRORS.format(n=len(p.errors)))
    source = "csv"
    members: dict[int, Member] = {}
    for fm in p.members.values():
        if fm.existing is None:
            f = dict(fm.fields)
            members[fm.discord_id] = await directory.create_member(session, actor, fm.discord_id, f.pop("name"), **f)
        else:
            await directory.update_member(session, actor, fm.existing, fm.changes)
            members[fm.discord_id] = fm.existing
    for fc in p.clients:
        client = fc.existing
        if client is None:
            client = await directory.create_client(session, actor, fc.name, nit=fc.nit, hubspot_company_id=fc.hubspot)
        else:
            await directory.update_client(session, actor, client, fc.changes)
        wanted = {members[d] for d in fc.kams}
        if fc.kams:
            current = p.open_assignments.get(client.id, set())
            for m in wanted:
                if m.id not in current:
                    await directory.assign(session, actor, client, m, now=now, source=source, checked=True)
            for mid in current - {m.id for m in wanted}:
                gone = await session.get(Member, mid)
                if gone is not None:
                    await directory.unassign(session, actor, client, gone, now=now)
        for svc in sorted(fc.services - p.open_services.get(client.id, set())):
            await directory.add_service(session, actor, client, svc, now=now, checked=True)
    record(session, actor, "directorio.importar", "import", p.parsed.sha256[:16],
           after={"filename": filename[:200], "rows": len(p.parsed.rows), **counts_dict(p.counts)})
    await session.flush()
    return p.counts


def counts_dict(c: Counts) -> dict[str, int]:
    return {
        "clientes_nuevos": c.clients_new, "clientes_con_cambios": c.clients_changed,
        "clientes_sin_cambios": c.clients_unchanged, "miembros_nuevos": c.members_new,
        "miembros_actualizados": c.members_updated, "asignaciones_nuevas": c.assignments_new,
        "asignaciones_terminadas": c.assignments_ended, "servicios_nuevos": c.services_new,
    }


# rendering (Discord and the CLI) -------------------------------------------------------------
def render_counts(c: Counts) -> str:
    return T.IMPORT_COUNTS.format(**counts_dict(c))


def render_errors(errors: list[RowError], *, escape: Callable[[str], str] = str, limit: int = 1800) -> tuple[str, bool]:
    """The bad rows as lines ``• Línea N: motivo``; the bool says whether the text was cut."""
    lines: list[str] = []
    size = 0
    for i, e in enumerate(errors):
        line = T.IMPORT_ERROR_LINE.format(line=e.line, reason=escape(e.reason))
        if size + len(line) + 1 > limit:
            lines.append(T.IMPORT_ERRORS_MORE.format(n=len(errors) - i))
            return "\n".join(lines), True
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines), False


def errors_csv(errors: list[RowError], *, delimiter: str = ";") -> bytes:
    return csv_bytes(["linea", "motivo"], ([e.line, e.reason] for e in errors), delimiter=delimiter)
