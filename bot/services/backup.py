"""Backups of everything, and restore.

One archive per backup, ``BACKUP_DIR/ventas-ops-YYYYMMDD-HHMMSS.tar.gz``, holding:

* ``database.sqlite`` — an online snapshot (the sqlite3 backup API: consistent while the bot writes),
  or ``database.pgdump`` — ``pg_dump --format=custom`` of the PostgreSQL database;
* ``files/…`` — every file under ``DATA_DIR`` (proofs, proformas, import files), except the database
  itself, the backups and what a restore set aside;
* ``manifest.json`` — format, time, database kind and migration revision, row counts per table, and the
  size and SHA-256 of the snapshot and of every file (plus the files the database refers to that were
  missing on disk).

Each archive is verified right after it is written (every checksum, the snapshot opened and its rows
counted against the manifest) before it replaces anything; the newest ``keep`` are kept. The outcome
of the last backup is written to ``BACKUP_DIR/ultimo-respaldo.json`` (:func:`last_backup`).

Everything here is synchronous (files, sqlite3, pg_dump): callers run it in a thread. Messages of
``BackupError`` are Spanish: the CLI prints them as they are.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

PREFIX = "ventas-ops-"
SUFFIX = ".tar.gz"
SET_ASIDE = ".antes-de-restaurar-"  # what a restore replaced: <name>.antes-de-restaurar-<time>
PRE_RESTORE_DUMP = "antes-de-restaurar-"  # PostgreSQL: the replaced database, as a dump in BACKUP_DIR
STATUS_FILE = "ultimo-respaldo.json"
MANIFEST = "manifest.json"
FORMAT = "ventas-ops-respaldo/1"
SQLITE_MEMBER, PG_MEMBER = "database.sqlite", "database.pgdump"
FILES = "files/"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot be done; the message (Spanish) says why and what to do."""


class NotAnArchive(BackupError):
    """The file is not a ventas-ops backup archive."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    verified: bool = True


@dataclass
class RestoreResult:
    database: str  # the file or the database restored
    kept: list[Path] = field(default_factory=list)  # what was replaced, under its new name
    files_restored: int = 0
    manifest: dict[str, Any] = field(default_factory=dict)


# ---- paths -----------------------------------------------------------------------------------------
def sqlite_path(database_url: str) -> Path | None:
    """The database file, or None for PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("una base SQLite en memoria no se puede respaldar")
    return Path(url.database).expanduser()


def archive_name(when: datetime) -> str:
    return f"{PREFIX}{when.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"


def stamp(when: datetime) -> str:
    return when.strftime("%Y%m%d-%H%M%S")


def _free(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``… when taken: a second restore never overwrites what the first kept."""
    n, candidate = 1, path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


def list_backups(backup_dir: Path) -> list[Path]:
    return sorted(p for p in backup_dir.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def prune(backup_dir: Path, keep: int) -> list[Path]:
    files = list_backups(backup_dir)
    removed = files[: max(len(files) - keep, 0)]
    for p in removed:
        p.unlink()
    return removed


def _excluded(path: Path, skip: list[Path]) -> bool:
    resolved = path.resolve()
    if SET_ASIDE in path.name or path.name.endswith(".partial"):
        return True
    return any(resolved == s or s in resolved.parents for s in skip)


def data_files(data_dir: Path, skip: list[Path]) -> list[str]:
    """Every regular file under ``data_dir`` (POSIX paths relative to it), minus ``skip``."""
    if not data_dir.is_dir():
        return []
    skip = [s.resolve() for s in skip]
    out = []
    for root, dirs, files in os.walk(data_dir):
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if not _excluded(root_path / d, skip))
        for name in sorted(files):
            p = root_path / name
            if p.is_file() and not p.is_symlink() and not _excluded(p, skip):
                out.append(p.relative_to(data_dir).as_posix())
    return out


def _skip_list(database_url: str, data_dir: Path, backup_dir: Path) -> list[Path]:
    skip = [backup_dir]
    db = sqlite_path(database_url)
    if db is not None:
        skip += [db.with_name(db.name + extra) for extra in ("", "-wal", "-shm", "-journal", ".lock")]
    return skip


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _sha256_stream(f: io.BufferedIOBase | Any) -> str:
    h = hashlib.sha256()
    while chunk := f.read(CHUNK):
        h.update(chunk)
    return h.hexdigest()


# ---- database snapshots -----------------------------------------------------------------------------
def sqlite_counts(path: Path) -> tuple[dict[str, int], str | None]:
    """Rows per table and the migration revision; raises BackupError when it is not a sound database."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"la copia de la base no se puede abrir: {exc}") from None
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"la copia de la base está dañada: {ok}")
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables else None
    except sqlite3.Error as exc:
        raise BackupError(f"la copia de la base no se puede leer: {exc}") from None
    finally:
        conn.close()
    return counts, revision[0] if revision else None


def snapshot_sqlite(src: Path, dest: Path) -> None:
    if not src.exists():
        raise BackupError(f"no encuentro la base de datos {src} (revisa DATABASE_URL)")
    source = sqlite3.connect(src)
    try:
        target = sqlite3.connect(dest)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment carrying it (never on the command line)."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


PG_TOOLS_MISSING = (
    "la base es PostgreSQL y {tool} no está en el PATH de este servidor: instala el cliente de "
    "PostgreSQL de la misma versión mayor que el servidor (Debian/Ubuntu: apt install postgresql-client) "
    "o respalda la base con las herramientas de tu proveedor (pg_dump --format=custom)"
)


def _pg_tool(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(PG_TOOLS_MISSING.format(tool=tool))
    return path


def _run(cmd: list[str], env: dict[str, str] | None = None, stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{Path(cmd[0]).name} falló: {err[-1] if err else done.returncode}")
    return done


def snapshot_postgres(database_url: str, dest: Path) -> None:
    dsn, env = _libpq(database_url)
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={dest}", f"--dbname={dsn}"],
         env=env)


_COPY = re.compile(r'^COPY (?:"?[^".\s]+"?\.)?"?([^"\s(]+)"? ')


def pgdump_counts(path: Path) -> tuple[dict[str, int], str | None]:
    """Rows per table inside a custom-format dump (read back with pg_restore), and the revision."""
    done = _run([_pg_tool("pg_restore"), "--data-only", "--file=-", str(path)])
    counts: dict[str, int] = {}
    revision: str | None = None
    table: str | None = None
    for line in done.stdout.decode(errors="replace").splitlines():
        if table is None:
            m = _COPY.match(line)
            if m:
                table = m.group(1)
                counts[table] = 0
        elif line == "\\.":
            table = None
        else:
            counts[table] += 1
            if table == "alembic_version":
                revision = line.strip()
    if "alembic_version" not in counts:
        raise BackupError("el volcado de PostgreSQL no tiene la tabla alembic_version")
    return counts, revision


# ---- backup --------------------------------------------------------------------------------------------
def backup(database_url: str, data_dir: Path, backup_dir: Path, when: datetime, keep: int = 14,
           referenced: list[str] | None = None) -> BackupResult:
    """Write, verify and keep one archive; prune to ``keep``. ``referenced``: file paths (relative to
    ``data_dir``) the database points at, to record the missing ones. Records the outcome in
    ``ultimo-respaldo.json`` (also a failure) and raises BackupError on failure."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    try:
        result = _backup(database_url, data_dir, backup_dir, when, keep, referenced or [])
    except BackupError as exc:
        _write_status(backup_dir, {"at": when.isoformat(), "ok": False, "error": str(exc)})
        raise
    except OSError as exc:
        _write_status(backup_dir, {"at": when.isoformat(), "ok": False, "error": str(exc)})
        raise BackupError(f"no se pudo escribir el respaldo en {backup_dir}: {exc.strerror or exc}") from None
    m = result.manifest
    _write_status(backup_dir, {
        "at": when.isoformat(), "ok": True, "archive": str(result.path), "verified": result.verified,
        "bytes": result.path.stat().st_size, "rows": sum(m["counts"].values()), "files": len(m["files"]),
        "missing_files": m["missing_files"],
    })
    return result


def _backup(database_url: str, data_dir: Path, backup_dir: Path, when: datetime, keep: int,
            referenced: list[str]) -> BackupResult:
    db = sqlite_path(database_url)
    dest = backup_dir / archive_name(when)
    partial = dest.with_name(dest.name + ".partial")
    with tempfile.TemporaryDirectory(dir=backup_dir, prefix=".respaldo-") as tmp:
        snap = Path(tmp) / (SQLITE_MEMBER if db is not None else PG_MEMBER)
        if db is not None:
            snapshot_sqlite(db, snap)
            counts, revision = sqlite_counts(snap)
        else:
            snapshot_postgres(database_url, snap)
            counts, revision = pgdump_counts(snap)
        files = data_files(data_dir, _skip_list(database_url, data_dir, backup_dir))
        manifest: dict[str, Any] = {
            "format": FORMAT, "created_at": when.isoformat(), "database": "sqlite" if db is not None else "postgresql",
            "revision": revision, "counts": counts,
            "snapshot": {"name": snap.name, "bytes": snap.stat().st_size, "sha256": _sha256_file(snap)},
            "files": {}, "missing_files": sorted({r for r in referenced if r and not (data_dir / r).is_file()}),
        }
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(snap, arcname=snap.name)
            for rel in files:
                data = (data_dir / rel).read_bytes()  # hashed and stored from the same bytes
                manifest["files"][rel] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                info = tarfile.TarInfo(FILES + rel)
                info.size, info.mtime = len(data), int(when.timestamp())
                tar.addfile(info, io.BytesIO(data))
            body = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(body), int(when.timestamp())
            tar.addfile(info, io.BytesIO(body))
    try:
        verify(partial)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(dest)
    prune(backup_dir, keep)
    return BackupResult(dest, manifest)


def _write_status(backup_dir: Path, status: dict[str, Any]) -> None:
    tmp = backup_dir / (STATUS_FILE + ".partial")
    tmp.write_text(json.dumps(status, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(backup_dir / STATUS_FILE)


def last_backup(backup_dir: Path) -> dict[str, Any] | None:
    """The outcome of the last backup (``/admin estado``, the log): ``at``, ``ok``, ``archive``,
    ``verified``, ``bytes``, ``rows``, ``files``, ``missing_files`` or ``error``; None if never."""
    try:
        status: dict[str, Any] = json.loads((backup_dir / STATUS_FILE).read_text(encoding="utf-8"))
        return status
    except (OSError, ValueError):
        return None


# ---- verification ---------------------------------------------------------------------------------------
def _open(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise NotAnArchive(f"no existe el archivo {archive}")
    try:
        return tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError, EOFError):
        raise NotAnArchive(f"{archive} no es un respaldo de ventas-ops (no es un archivo .tar.gz)") from None


def read_manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
        manifest = json.loads(member.read()) if member is not None else None
    except (KeyError, ValueError, tarfile.TarError, OSError, EOFError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise NotAnArchive(f"{archive} no es un respaldo de ventas-ops (no tiene su manifiesto)")
    return manifest


def _members(tar: tarfile.TarFile, manifest: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield manifest["snapshot"]["name"], manifest["snapshot"]
    for rel, meta in manifest["files"].items():
        yield FILES + rel, meta


def verify(archive: Path) -> dict[str, Any]:
    """Check every checksum and size against the manifest and open the snapshot (integrity and row
    counts for SQLite; read back with pg_restore for PostgreSQL). Returns the manifest."""
    with _open(archive) as tar:
        manifest = read_manifest(tar, archive)
        try:
            for name, meta in _members(tar, manifest):
                f = tar.extractfile(name)
                if f is None:
                    raise BackupError(f"{archive}: falta {name}")
                if _sha256_stream(f) != meta["sha256"]:
                    raise BackupError(f"{archive}: {name} no coincide con su suma de verificación")
            with tempfile.TemporaryDirectory(dir=archive.parent, prefix=".verifica-") as tmp:
                snap = _extract(tar, manifest["snapshot"]["name"], Path(tmp))
                counts, _rev = sqlite_counts(snap) if manifest["database"] == "sqlite" else pgdump_counts(snap)
        except (KeyError, tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(f"{archive} está incompleto o dañado: {exc}") from None
    if counts != manifest["counts"]:
        raise BackupError(f"{archive}: las filas de la copia no coinciden con el manifiesto")
    return manifest


def _checkpoint(db: Path) -> None:
    """Fold the WAL into the database file (after a kill -9 it may hold committed work), so the file
    set aside is whole by itself. A database too damaged for that is set aside with its WAL as is."""
    try:
        conn = sqlite3.connect(db)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error:
        pass


def _extract(tar: tarfile.TarFile, name: str, into: Path) -> Path:
    f = tar.extractfile(name)
    if f is None:
        raise BackupError(f"falta {name} en el respaldo")
    target = into / PurePosixPath(name).name
    with target.open("wb") as out:
        shutil.copyfileobj(f, out, CHUNK)
    return target


# ---- restore ----------------------------------------------------------------------------------------------
def restore(archive: Path, database_url: str, data_dir: Path, backup_dir: Path, when: datetime) -> RestoreResult:
    """Put an archive back: the database and the files. Nothing is deleted: the replaced SQLite file
    (and each replaced file that differs) is renamed ``<name>.antes-de-restaurar-<time>``; a replaced
    PostgreSQL database is dumped to ``BACKUP_DIR/antes-de-restaurar-<time>.pgdump`` first. The caller
    holds the database lease (no bot running) and runs the migrations up afterwards."""
    manifest = verify(archive)
    db = sqlite_path(database_url)
    kind = "sqlite" if db is not None else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(f"{archive} es un respaldo de {manifest['database']} y DATABASE_URL es {kind}")
    ts = stamp(when)
    result = RestoreResult(database=str(db) if db is not None else make_url(database_url).database or "",
                           manifest=manifest)
    with _open(archive) as tar, tempfile.TemporaryDirectory(dir=backup_dir if backup_dir.is_dir() else None) as tmp:
        snap = _extract(tar, manifest["snapshot"]["name"], Path(tmp))
        if db is not None:
            db.parent.mkdir(parents=True, exist_ok=True)
            if db.exists():
                _checkpoint(db)
                kept = _free(db.with_name(db.name + SET_ASIDE + ts))
                for extra in ("-wal", "-shm", ""):  # the main file last: its name is the one kept
                    current = db.with_name(db.name + extra)
                    if current.exists():
                        current.replace(kept.with_name(kept.name + extra))
                result.kept.append(kept)
            shutil.copyfile(snap, db)
        else:
            backup_dir.mkdir(parents=True, exist_ok=True)
            kept = _free(backup_dir / f"{PRE_RESTORE_DUMP}{ts}.pgdump")
            snapshot_postgres(database_url, kept)
            result.kept.append(kept)
            dsn, env = _libpq(database_url)
            _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                  "--single-transaction", f"--dbname={dsn}", str(snap)], env=env)
        for rel, meta in manifest["files"].items():
            target = data_dir / PurePosixPath(rel)
            if not target.resolve().is_relative_to(data_dir.resolve()):
                raise BackupError(f"{archive}: ruta fuera de DATA_DIR: {rel}")
            if target.is_file():
                if _sha256_file(target) == meta["sha256"]:
                    continue
                kept = _free(target.with_name(target.name + SET_ASIDE + ts))
                target.replace(kept)
                result.kept.append(kept)
            target.parent.mkdir(parents=True, exist_ok=True)
            f = tar.extractfile(FILES + rel)
            assert f is not None  # verified above
            with target.open("wb") as out:
                shutil.copyfileobj(f, out, CHUNK)
            result.files_restored += 1
    return result


async def referenced_files(session: Any) -> list[str]:
    """The files (relative to DATA_DIR) the database points at: proofs of payment and proformas."""
    # lazy: the ORM models cost about a second; `ventas-ops db restore` and the backup itself (in a thread) never
    # need them, only this query does
    from db.models import BillingRequest, Deal

    proofs = (await session.execute(select(Deal.proof_path).where(Deal.proof_path.is_not(None)))).scalars()
    results = (await session.execute(
        select(BillingRequest.result_path).where(BillingRequest.result_path.is_not(None)))).scalars()
    return sorted({*proofs, *results})
