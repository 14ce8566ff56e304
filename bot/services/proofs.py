"""Proof-of-payment files, stored content-addressed under ``DATA_DIR/proofs``.

Discord attachment URLs expire, so the bot keeps its own copy:
``<data_dir>/proofs/<sha256[:2]>/<sha256>.<ext>``. The same bytes are stored once however many
times they are sent. Deals keep the path *relative to* ``data_dir`` so the data directory can move.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.domain.errors import DomainError
from bot.texts import deals as T

# content type → extension
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/heic": "heic",
    "image/heif": "heif",
}
# extensions accepted when Discord sends no (or a generic) content type
EXTENSION_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
    "heic": "image/heic",
    "heif": "image/heif",
}


class ProofRefused(DomainError):
    """The attachment is not an acceptable proof of payment."""


@dataclass(frozen=True, slots=True)
class ProofMeta:
    filename: str
    content_type: str
    ext: str


@dataclass(frozen=True, slots=True)
class StoredProof:
    relative_path: str  # relative to data_dir, POSIX separators
    sha256: str
    filename: str
    content_type: str
    size: int


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".", ",")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


def check_meta(filename: str | None, content_type: str | None, size: int | None, max_bytes: int) -> ProofMeta:
    """Cheap checks on what Discord tells us about the attachment (before downloading it)."""
    name = (filename or "comprobante").strip() or "comprobante"
    ctype = (content_type or "").split(";")[0].strip().lower()
    suffix = PurePosixPath(name).suffix.lower().lstrip(".")
    if ctype not in ALLOWED_TYPES:
        if ctype in {"", "application/octet-stream"} and suffix in EXTENSION_TYPES:
            ctype = EXTENSION_TYPES[suffix]
        else:
            raise ProofRefused(T.PROOF_TYPE.format(type=ctype or suffix or "desconocido"), field="comprobante")
    if size is not None and size <= 0:
        raise ProofRefused(T.PROOF_EMPTY, field="comprobante")
    if size is not None and size > max_bytes:
        raise ProofRefused(
            T.PROOF_TOO_BIG.format(size=_human_size(size), max=_human_size(max_bytes)), field="comprobante"
        )
    return ProofMeta(filename=name[:255], content_type=ctype, ext=ALLOWED_TYPES[ctype])


def _looks_like(ext: str, data: bytes) -> bool:
    """A light signature check so a renamed text file is not taken for a receipt."""
    head = data[:16]
    if ext == "pdf":
        return b"%PDF" in data[:1024]
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext == "jpg":
        return head.startswith(b"\xff\xd8\xff")
    if ext == "gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if ext == "webp":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    return True  # heic/heif: container formats, trust the type


def store(data_dir: Path, data: bytes, meta: ProofMeta, max_bytes: int, folder: str = "proofs") -> StoredProof:
    """Write the bytes (once) under ``data_dir/folder`` and return where they are.
    Raises :class:`ProofRefused`."""
    if not data:
        raise ProofRefused(T.PROOF_EMPTY, field="comprobante")
    if len(data) > max_bytes:
        raise ProofRefused(
            T.PROOF_TOO_BIG.format(size=_human_size(len(data)), max=_human_size(max_bytes)), field="comprobante"
        )
    if not _looks_like(meta.ext, data):
        raise ProofRefused(T.PROOF_CORRUPT.format(type=meta.content_type), field="comprobante")
    digest = hashlib.sha256(data).hexdigest()
    rel = PurePosixPath(folder) / digest[:2] / f"{digest}.{meta.ext}"
    target = Path(data_dir) / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return StoredProof(str(rel), digest, meta.filename, meta.content_type, len(data))


def absolute(data_dir: Path, relative_path: str) -> Path:
    return Path(data_dir) / PurePosixPath(relative_path)
