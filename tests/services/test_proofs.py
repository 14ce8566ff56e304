"""Proof-of-payment storage: type/size checks and content-addressed files."""

from __future__ import annotations

import hashlib

import pytest

from bot.services import proofs

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
MAX = 1024


@pytest.mark.parametrize(
    ("filename", "ctype", "ext"),
    [
        ("pago.pdf", "application/pdf", "pdf"),
        ("captura.png", "image/png", "png"),
        ("foto.JPG", "image/jpeg", "jpg"),
        ("foto.jpeg", None, "jpg"),
        ("scan.pdf", "application/octet-stream", "pdf"),
        ("x.webp", "image/webp; charset=binary", "webp"),
    ],
)
def test_accepted_types(filename, ctype, ext):
    assert proofs.check_meta(filename, ctype, 10, MAX).ext == ext


@pytest.mark.parametrize(
    ("filename", "ctype", "size", "needle"),
    [
        ("a.txt", "text/plain", 10, "imagen o un PDF"),
        ("a.exe", "application/octet-stream", 10, "imagen o un PDF"),
        ("a.docx", None, 10, "imagen o un PDF"),
        ("a.pdf", "application/pdf", MAX + 1, "máximo"),
        ("a.pdf", "application/pdf", 0, "vacío"),
    ],
)
def test_refused_types_and_sizes(filename, ctype, size, needle):
    with pytest.raises(proofs.ProofRefused) as info:
        proofs.check_meta(filename, ctype, size, MAX)
    assert needle in str(info.value) and "Regla" in str(info.value)
    assert info.value.field == "comprobante"


def test_store_is_content_addressed_and_idempotent(tmp_path):
    meta = proofs.check_meta("pago.pdf", "application/pdf", len(PDF), MAX)
    a = proofs.store(tmp_path, PDF, meta, MAX)
    digest = hashlib.sha256(PDF).hexdigest()
    assert a.relative_path == f"proofs/{digest[:2]}/{digest}.pdf" and a.sha256 == digest
    path = proofs.absolute(tmp_path, a.relative_path)
    assert path.read_bytes() == PDF
    mtime = path.stat().st_mtime_ns
    b = proofs.store(tmp_path, PDF, meta, MAX)
    assert b == a and path.stat().st_mtime_ns == mtime
    assert not list(path.parent.glob(".tmp-*"))


def test_store_checks_signature_and_real_size(tmp_path):
    meta = proofs.check_meta("pago.pdf", "application/pdf", None, MAX)
    with pytest.raises(proofs.ProofRefused, match="no parece"):
        proofs.store(tmp_path, b"hello, not a pdf", meta, MAX)
    with pytest.raises(proofs.ProofRefused, match="máximo"):
        proofs.store(tmp_path, PDF + b"\x00" * MAX, meta, MAX)
    with pytest.raises(proofs.ProofRefused, match="vacío"):
        proofs.store(tmp_path, b"", meta, MAX)
    png = proofs.check_meta("c.png", "image/png", None, MAX)
    assert proofs.store(tmp_path, PNG, png, MAX).relative_path.endswith(".png")
